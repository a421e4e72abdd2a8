"""The shipped territory reference, loaded as events and read through GraphQL."""

from __future__ import annotations

import csv
from pathlib import Path

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient

REFERENCE = Path(__file__).parents[2] / "infra" / "reference" / "territories.csv"

TERRITORY = """
query ($code: String!, $after: Int) {
  territory(code: $code, consistentWith: $after) {
    __typename
    ... on Territory { code name kind population parent { code } ancestors { code kind } }
    ... on Error { code message }
  }
}
"""


async def test_a_borough_lies_in_its_city_the_cmm_and_its_region(
    graphql: GraphQLClient, container: Container
) -> None:
    defined, position = load_reference(container.operations, container.clock)
    assert defined == 1_284

    data = await graphql.data(
        TERRITORY, {"code": "ARR-66023-anjou", "after": position}, "analyst-token"
    )

    anjou = data["territory"]
    assert anjou["name"] == "Anjou"
    assert anjou["kind"] == "BOROUGH"
    assert anjou["parent"] == {"code": "66023"}
    assert [a["code"] for a in anjou["ancestors"]] == ["66023", "TE-66", "CMM", "RA-06", "QC"]


async def test_the_cmm_lists_its_82_municipalities_and_their_population(
    graphql: GraphQLClient, container: Container
) -> None:
    _, position = load_reference(container.operations, container.clock)
    rows = list(csv.DictReader(REFERENCE.read_text("utf-8").splitlines()))
    expected = sum(int(r["population"]) for r in rows if r["groupings"] == "CMM")

    data = await graphql.data(
        'query ($p: Int) { territories(kind: MUNICIPALITY, within: "CMM", consistentWith: $p)'
        " { ... on TerritoryList { population totalCount nodes { code } } } }",
        {"p": position},
        "analyst-token",
    )

    assert len(data["territories"]["nodes"]) == data["territories"]["totalCount"] == 82
    assert data["territories"]["population"] == expected


async def test_an_unknown_code_is_not_found(graphql: GraphQLClient) -> None:
    data = await graphql.data(TERRITORY, {"code": "99999"})
    assert data["territory"]["__typename"] == "NotFoundError"
