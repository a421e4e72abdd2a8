"""`searchServices` over HTTP: a Relay connection with facets, cursors and typed errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.api.test_services import FOOD_BANK, REGISTER_SERVICE, organization, write
from tests.support.graphql import GraphQLClient

SEARCH = """
query ($text: String, $territory: String, $first: Int!, $after: String, $p: Int,
       $inactive: Boolean! = false) {
  searchServices(text: $text, territory: $territory, first: $first, after: $after,
                 consistentWith: $p, includeInactive: $inactive) {
    __typename
    ... on SearchConnection {
      totalCount rewrittenText
      edges { cursor node { name { fr } organizationName { fr } active } }
      nodes { name { fr } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      facets { languages { value count } territories { value count } }
    }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""


async def search(graphql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    if variables.get("p"):
        await graphql.settle(variables["p"])  # the public's own `consistentWith` is not waited for
    data = await graphql.data(SEARCH, {"first": 20, **variables})
    result: dict[str, Any] = data["searchServices"]
    return result


async def test_search_pages_through_results_with_facets(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    owner = await organization(graphql)
    position = 0
    for number in range(5):
        name = {"fr": f"Dépannage alimentaire {number}", "en": f"Food bank {number}"}
        receipt = await write(
            graphql, REGISTER_SERVICE, {**FOOD_BANK, "name": name, "organizationId": owner}
        )
        position = receipt["position"]

    first = await search(graphql, text="depannage", territory="65005", first=3, p=position)
    second = await search(
        graphql, text="depannage", territory="65005", first=3, after=first["pageInfo"]["endCursor"]
    )

    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False
    assert (first["pageInfo"]["hasPreviousPage"], second["pageInfo"]["hasPreviousPage"]) == (
        False, True)  # fmt: skip
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["nodes"] == [{"name": e["node"]["name"]} for e in first["edges"]]
    names = [edge["node"]["name"]["fr"] for edge in first["edges"] + second["edges"]]
    assert sorted(names) == [f"Dépannage alimentaire {n}" for n in range(5)]
    assert first["edges"][0]["node"]["organizationName"]["fr"].startswith("Centre d'action")
    assert {"value": "fr", "count": 5} in first["facets"]["languages"]
    assert first["facets"]["territories"] == [{"value": "65005", "count": 5}]


async def test_search_errors_are_typed(graphql: GraphQLClient, container: Container) -> None:
    load_reference(container.operations, container.clock)

    unknown = await search(graphql, territory="00000")
    too_many = await search(graphql, first=500)
    bad_cursor = await search(graphql, after="not-a-cursor")
    public_inactive = await search(graphql, inactive=True)

    assert (unknown["__typename"], unknown["field"]) == ("InvalidInputError", "territory")
    assert (too_many["__typename"], too_many["field"]) == ("InvalidInputError", "first")
    assert (bad_cursor["__typename"], bad_cursor["field"]) == ("InvalidInputError", "after")
    assert public_inactive["__typename"] == "NotAuthorizedError"


async def test_an_open_at_at_the_end_of_the_calendar_is_refused(graphql: GraphQLClient) -> None:
    query = """query ($at: DateTime!) { searchServices(openAt: $at) {
      __typename ... on InvalidInputError { field } } }"""
    data = await graphql.data(query, {"at": "9999-12-31T23:59:59+00:00"})
    assert data["searchServices"] == {"__typename": "InvalidInputError", "field": "openAt"}


@pytest.fixture
def server_in_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is UTC, as in most containers."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_in_utc")
async def test_an_open_at_without_offset_is_montreal_time(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    owner = await organization(graphql)
    # Open on Tuesdays from 09:00 to 16:30; 2026-03-03 is a Tuesday, Montréal is at -05:00.
    receipt = await write(graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner})
    query = """query ($at: DateTime!, $p: Int) { searchServices(openAt: $at, consistentWith: $p) {
      ... on SearchConnection { totalCount } } }"""

    await graphql.settle(receipt["position"])  # the public's own `consistentWith` is not waited for

    async def open_services(at: str) -> int:
        data = await graphql.data(query, {"at": at, "p": receipt["position"]})
        return int(data["searchServices"]["totalCount"])

    assert await open_services("2026-03-03T09:30:00-05:00") == 1
    assert await open_services("2026-03-03T09:30:00") == 1
    assert await open_services("2026-03-03T16:45:00") == 0
