"""Hostile search text: refused at the door, bounded in time, never taken for an outage."""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from psycopg import sql

from api.app import create_app
from infra.bootstrap import Container
from tests.support.graphql import GraphQLClient

SEARCH = """
query ($text: String) {
  searchServices(text: $text) {
    __typename
    ... on SearchConnection { totalCount }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""
AUTOCOMPLETE = "query ($prefix: String!) { autocomplete(prefix: $prefix) { name { fr } } }"


async def search(graphql: GraphQLClient, text: str) -> dict[str, Any]:
    result: dict[str, Any] = (await graphql.data(SEARCH, {"text": text}))["searchServices"]
    return result


async def test_a_search_text_with_a_nul_is_invalid_input(graphql: GraphQLClient) -> None:
    found = await search(graphql, "aide\u0000alimentaire")

    assert (found["__typename"], found["code"], found["field"]) == (
        "InvalidInputError",
        "INVALID_INPUT",
        "text",
    )
    assert "NUL" in found["message"]


async def test_a_search_text_of_8000_words_is_refused_before_any_query(
    graphql: GraphQLClient,
) -> None:
    found = await search(graphql, " ".join(f"mot{n}" for n in range(8000)))

    assert (found["__typename"], found["field"]) == ("InvalidInputError", "text")


async def test_a_search_text_is_bounded_in_words_and_in_length(graphql: GraphQLClient) -> None:
    thirteen_words = await search(graphql, " ".join(["aide"] * 13))
    twelve_words = await search(graphql, " ".join(["aide"] * 12))
    long_word = await search(graphql, "a" * 201)

    assert (thirteen_words["__typename"], thirteen_words["field"]) == ("InvalidInputError", "text")
    assert "12 words" in thirteen_words["message"]
    assert twelve_words["__typename"] == "SearchConnection"
    assert (long_word["__typename"], long_word["field"]) == ("InvalidInputError", "text")
    assert "200 characters" in long_word["message"]


async def test_the_filters_of_a_search_are_checked_and_bounded(graphql: GraphQLClient) -> None:
    document = """query ($territory: String, $categories: [String!]) {
      searchServices(territory: $territory, categories: $categories) {
        __typename ... on InvalidInputError { field message } } }"""

    nul = await graphql.data(document, {"territory": "650\u000005"})
    long = await graphql.data(document, {"territory": "x" * 100_000})
    many = await graphql.data(document, {"categories": ["BD-1800"] * 51})

    assert nul["searchServices"]["field"] == "territory"
    assert long["searchServices"]["field"] == "territory"
    assert len(long["searchServices"]["message"]) < 200  # the value is not sent back whole
    assert many["searchServices"]["field"] == "categories"


async def test_an_autocomplete_prefix_is_parsed_and_bounded(graphql: GraphQLClient) -> None:
    nul = (await graphql.post(AUTOCOMPLETE, {"prefix": "ai\u0000"})).json()
    long = (await graphql.post(AUTOCOMPLETE, {"prefix": "a" * 51})).json()
    fine = await graphql.data(AUTOCOMPLETE, {"prefix": "ai"})

    for answer in (nul, long):
        [error] = answer["errors"]
        assert error["extensions"] == {"code": "INVALID_INPUT", "field": "prefix"}
    assert fine == {"autocomplete": []}


async def test_the_limits_are_named_in_the_schema(graphql: GraphQLClient) -> None:
    introspection = """{ __type(name: "Query") { fields { name args { name description } } } }"""
    fields = (await graphql.data(introspection))["__type"]["fields"]
    arguments = {
        (field["name"], arg["name"]): arg["description"] or ""
        for field in fields
        for arg in field["args"]
    }

    assert "200 characters" in arguments[("searchServices", "text")]
    assert "12 words" in arguments[("searchServices", "text")]
    assert "50 characters" in arguments[("autocomplete", "prefix")]


@pytest.fixture
async def impatient(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> AsyncIterator[tuple[GraphQLClient, Container]]:
    """An API whose searches may take 0.3 s of database time at most."""
    container = make_container({**environ, "GUICHET_SEARCH_TIMEOUT": "0.3"})
    async with LifespanManager(create_app(container)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
            yield GraphQLClient(http), container


@contextmanager
def documents_held(container: Container, seconds: float) -> Iterator[None]:
    """Holds the search documents locked for `seconds`: any search waits that long."""
    locked = threading.Event()

    def hold() -> None:
        with container.database.connect(autocommit=False) as conn:
            conn.execute(
                sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                    sql.Identifier(container.database.schema, "search_documents")
                )
            )
            locked.set()
            threading.Event().wait(seconds)
            conn.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        yield
    finally:
        holder.join()


async def test_a_search_past_the_statement_timeout_says_so_and_is_no_outage(
    impatient: tuple[GraphQLClient, Container],
) -> None:
    graphql, container = impatient
    with documents_held(container, 3):
        found = await search(graphql, "aide alimentaire")
        autocompleted = await graphql.data(AUTOCOMPLETE, {"prefix": "aide"})

    assert (found["__typename"], found["code"]) == ("SearchUnavailableError", "SEARCH_TIMEOUT")
    assert "0.3" in found["message"]
    assert autocompleted == {"autocomplete": []}
    # Once the statement is cancelled, the same search works again.
    assert (await search(graphql, "aide alimentaire"))["__typename"] == "SearchConnection"


def forged(*keys: str) -> str:
    """A cursor as its JSON text: `json.dumps` writes NaN, and 1e999 reads as infinity."""
    return base64.urlsafe_b64encode(f"[{', '.join(keys)}]".encode()).decode()


PAGE = """
query ($after: String) {
  searchServices(text: "aide", after: $after) {
    __typename
    ... on SearchConnection { pageInfo { hasPreviousPage } }
    ... on InvalidInputError { field }
  }
}
"""
ID = f'"{uuid.uuid4()}"'
# Keys no search makes: not finite, or outside the tiers (0 to 3), distances (0 to 1e9 km) and
# ranks (0 to 1) a page ends on.
HOSTILE_CURSORS = {
    "a NaN rank": ('"search"', "3", "0", "NaN", ID),
    "an infinite distance": ('"search"', "1", "Infinity", "0.5", ID),
    "a rank past every float": ('"search"', "1", "0", "1e999", ID),
    "a negative infinite rank": ('"search"', "1", "0", "-Infinity", ID),
    "a forged tier": ('"search"', "100000000000000000000000000000", "0", "0.5", ID),
    "a tier below every tier": ('"search"', "-1", "0", "0.5", ID),
    "a negative distance": ('"search"', "2", "-5", "0.5", ID),
    "a rank above any ts_rank": ('"search"', "2", "0", "7.5", ID),
}


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS)
async def test_a_search_cursor_with_keys_no_search_makes_is_invalid_input(
    graphql: GraphQLClient, cursor: str
) -> None:
    found = await graphql.data(PAGE, {"after": forged(*HOSTILE_CURSORS[cursor])})
    assert found["searchServices"] == {"__typename": "InvalidInputError", "field": "after"}


async def test_a_search_cursor_with_keys_a_search_makes_is_read(graphql: GraphQLClient) -> None:
    for keys in (("3", "0", "0.25"), ("0", "1000000000.0", "0"), ("1", "20015.087", "1.0")):
        found = await graphql.data(PAGE, {"after": forged('"search"', *keys, ID)})
        assert found["searchServices"] == {
            "__typename": "SearchConnection",
            "pageInfo": {"hasPreviousPage": True},
        }, keys


AUDIT = """
query ($after: String) {
  auditLog(after: $after) { __typename ... on InvalidInputError { field } }
}
"""


async def test_a_log_cursor_past_every_position_is_invalid_input(graphql: GraphQLClient) -> None:
    for position in ("100000000000000000000000000000", "9223372036854775808", "NaN", "1e999"):
        found = await graphql.data(AUDIT, {"after": forged('"log"', position)}, "auditor-token")
        assert found["auditLog"] == {"__typename": "InvalidInputError", "field": "after"}, position
    found = await graphql.data(AUDIT, {"after": forged('"log"', "9223372036854775807")},
                               "auditor-token")  # fmt: skip
    assert found["auditLog"] == {"__typename": "AuditPage"}
