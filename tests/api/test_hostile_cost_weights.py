"""The cost limit counts what an answer may weigh, not only how many fields it has: a long text
costs by its bound (1 per 1,000 characters), and the resolvers that search, count or replay
cost by the work they do. Thirty aliases of a heavy field are refused before they run."""

from __future__ import annotations

import random

import httpx
import pytest
from graphql import GraphQLObjectType, GraphQLScalarType, OperationDefinitionNode, get_named_type
from graphql import parse as parse_document

from api.app import create_app
from api.cost import RESOLVERS, TEXT, cost
from api.schema import build_schema
from infra.bootstrap import Container
from infra.settings import Settings

ID = "00000000-0000-4000-8000-000000000001"
LOCATIONS = (
    "{ "
    + " ".join(
        f'a{n}: service(id: "{ID}") {{ ... on Service {{ locations {{ '
        "description { fr en } accessibility { fr en } } } }"
        for n in range(30)
    )
    + " }"
)
INFORMATION = (
    "{ "
    + " ".join(
        f'a{n}: interaction(id: "{ID}") {{ ... on Interaction {{ needs {{ information }} }} }}'
        for n in range(30)
    )
    + " }"
)
LETTERS = random.Random(1)  # noqa: S311 (the same unknown words each run; nothing secret)


def words() -> str:
    return " ".join("".join(LETTERS.choice("aeioulmnrst") for _ in range(15)) for _ in range(12))


SEARCHES = (
    "{ "
    + " ".join(
        f'a{n}: searchServices(text: "{words()[:200]}", first: 100) '
        "{ ... on SearchConnection { totalCount rewrittenText } }"
        for n in range(30)
    )
    + " }"
)
TABLES = (
    "byChannel byMonth byLanguage byGender byAgeBand byInquirerType byRegion topPlaces "
    "byNeedCategory topNeeds topUnmetNeeds unmetReasons unmetNeedReasons topReferralOrganizations"
)
CELL = "{ group key label count share suppressed }"


def statistics(selection: str) -> str:
    return (
        '{ statistics(from: "2019-01-01", to: "2019-12-31", top: 100) '
        f"{{ ... on Statistics {{ {selection} }} }} }}"
    )


async def post(container: Container, query: str, token: str | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(container, run_projections=False))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        return await http.post("/graphql", json={"query": query}, headers=headers)


def cost_of(query: str) -> int:
    schema = build_schema(Settings.from_environ({}))._schema
    document = parse_document(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return cost(schema, operation, {}, {})


@pytest.mark.parametrize(
    ("query", "token"),
    [(LOCATIONS, None), (INFORMATION, "counsellor-token"), (SEARCHES, None)],
    ids=["locations' texts", "needs' information", "searches"],
)
async def test_thirty_aliases_of_a_heavy_field_are_refused_by_cost(
    container: Container, query: str, token: str | None
) -> None:
    assert len(query) < 15_000
    response = await post(container, query, token)
    assert response.status_code == 400, response.text[:300]
    [error] = response.json()["errors"]
    assert (error["extensions"]["code"], error["extensions"]["limit"]) == ("LIMIT_EXCEEDED", "cost")


def test_a_text_costs_by_its_bound_and_each_language_asked() -> None:
    one = '{ service(id: "x") { ... on Service { description { fr } } } }'
    both = one.replace("{ fr }", "{ fr en }")
    name = one.replace("description", "name")
    assert cost_of(name) < cost_of(one) < cost_of(both)
    assert cost_of(both) - cost_of(one) >= 10  # 10,000 characters: 10


def test_the_csv_costs_as_much_as_the_tables_it_holds() -> None:
    tables = " ".join(f"{table} {CELL}" for table in TABLES.split())
    assert cost_of(statistics("csv")) >= cost_of(statistics(tables))
    assert cost_of(statistics("csv").replace("top: 100", "top: 1")) < cost_of(statistics("csv"))


def test_every_long_text_has_a_weight() -> None:
    """Every localized text and JSON value, and each string listed here as long (a bound over
    1,000 characters), is weighted; the schema refuses to build without the first two."""
    schema = build_schema(Settings.from_environ({}))._schema
    heavy: set[str] = set()
    for name, kind in schema.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType):
            continue
        for field_name, field in kind.fields.items():
            named = get_named_type(field.type)
            if named.name == "LocalizedText" or (
                isinstance(named, GraphQLScalarType) and named.name == "JSON"
            ):
                heavy.add(f"{name}.{field_name}")
    long_strings = {
        "Organization.website", "NeedRecord.information", "Unmet.note", "FollowUpRecord.note",
        "FollowUpRecord.outcome", "Organization.flaggedReason",
        "Correction.reason", "FieldChange.reason", "AuditEntry.reason",
    }  # fmt: skip
    assert heavy | long_strings <= set(TEXT)
    assert {"Query.searchServices", "Query.statistics", "Query.autocomplete",
            "Query.coveredTerritories", "Query.populationCovered", "Query.auditLog",
            "Subscription.statisticsChanged"} <= set(RESOLVERS)  # fmt: skip
