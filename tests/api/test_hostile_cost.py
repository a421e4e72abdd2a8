"""Every list is counted in a document's cost, with or without `first`: a document that asks
for every territory with its parent and ancestors, thirty times over, is refused before it runs."""

from __future__ import annotations

from typing import Any

import httpx
from graphql import OperationDefinitionNode, parse

from api.app import create_app
from api.cost import BY_ARGUMENT, RESOLVERS, SIZES, cost, lists_of_objects
from api.schema import build_schema
from infra.bootstrap import Container
from infra.settings import Settings

PLACES = (
    "territories { ... on TerritoryList { nodes { code name kind population "
    "parent { code name kind population } ancestors { code name kind population } } } }"
)
ATTACK = (
    "{ " + " ".join(f"a{n}: territories {{ ...Places }}" for n in range(30)) + " } "
    "fragment Places on TerritoryList { nodes { code name kind population "
    "parent { code name kind population } ancestors { code name kind population } } }"
)
CMM = (
    '{ territories(kind: MUNICIPALITY, within: "CMM") '
    "{ ... on TerritoryList { nodes { code name population } population } } }"
)


async def post(container: Container, body: dict[str, Any]) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(container, run_projections=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        return await http.post("/graphql", json=body)


async def test_lists_without_first_are_counted_and_the_attack_is_refused(
    container: Container,
) -> None:
    assert len(ATTACK) < 1_500
    response = await post(container, {"query": ATTACK})
    assert response.status_code == 400, response.text[:300]
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == "cost"
    assert error["extensions"]["cost"] > 30 * 2_000


async def test_one_alias_is_refused_but_a_smaller_page_of_it_is_answered(
    container: Container,
) -> None:
    one = await post(container, {"query": "{ " + PLACES + " }"})
    assert one.status_code == 400
    assert one.json()["errors"][0]["extensions"]["limit"] == "cost"
    smaller = PLACES.replace("territories", "territories(first: 200)")
    paged = await post(container, {"query": "{ " + smaller + " }"})
    assert paged.status_code == 200, paged.json()
    assert paged.json()["data"]["territories"]["nodes"] == []  # the view is empty here


async def test_existing_documents_still_run(container: Container) -> None:
    response = await post(container, {"query": CMM})
    assert response.status_code == 200, response.json()


async def test_a_page_of_territories_larger_than_all_is_refused_on_first(
    container: Container,
) -> None:
    document = "{ territories(first: 5000) { ... on InvalidInputError { field message } } }"
    response = await post(container, {"query": document})
    assert response.json()["data"]["territories"]["field"] == "first"


def test_every_list_of_objects_has_a_declared_size() -> None:
    schema = build_schema(Settings.from_environ({}))._schema
    lists = set(lists_of_objects(schema))
    assert "TerritoryList.nodes" in lists
    assert "Territory.ancestors" in lists
    pages = {name for name in lists if name.endswith((".edges", ".nodes"))}
    assert "AuditPage.edges" in pages
    assert lists - pages <= set(SIZES) | set(BY_ARGUMENT)


def test_a_page_given_by_a_variables_default_is_counted() -> None:
    schema = build_schema(Settings.from_environ({}))._schema

    def cost_of(document: str, variables: dict[str, Any]) -> int:
        [operation] = parse(document).definitions
        assert isinstance(operation, OperationDefinitionNode)
        return cost(schema, operation, {}, variables)

    log = "query ($n: Int = 400) { auditLog(first: $n) { ... on AuditPage { nodes { actor } } } }"
    work = RESOLVERS["Query.auditLog"]
    assert cost_of(log, {}) == 1 + work + 1 + 400
    assert cost_of(log, {"n": 3}) == 1 + work + 1 + 3
    assert cost_of(log.replace(" = 400", ""), {}) == 1 + work + 1 + 100  # the argument's default


def test_a_page_given_as_a_whole_float_is_counted_as_graphql_reads_it() -> None:
    # graphql-core takes 100.0 for the Int 100: counting it as the default let twelve pages of
    # every match past the cost limit.
    schema = build_schema(Settings.from_environ({}))._schema
    log = "query ($n: Int!) { auditLog(first: $n) { ... on AuditPage { nodes { actor } } } }"
    [operation] = parse(log).definitions
    assert isinstance(operation, OperationDefinitionNode)
    assert cost(schema, operation, {}, {"n": 400.0}) == cost(schema, operation, {}, {"n": 400})
    assert cost(schema, operation, {}, {"n": 400}) > cost(schema, operation, {}, {})


async def test_an_integer_too_long_for_python_is_refused_without_naming_python(
    container: Container,
) -> None:
    for sent in ("1" * 5000, "1" * 20):
        answer = await post(
            container, {"query": f"{{ organization(id: {sent}) {{ __typename }} }}"}
        )
        text = answer.text
        assert "set_int_max_str_digits" not in text, text
        assert "digits" not in text, text
        assert answer.status_code in (200, 400), text
    huge = "{ auditLog(first: " + "9" * 5000 + ") { ... on AuditPage { nodes { actor } } } }"
    answer = await post(container, {"query": huge})
    assert answer.status_code == 400, answer.text
    assert "digits" not in answer.text, answer.text
