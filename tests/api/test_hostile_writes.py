"""A write that passes its bound is told to the client by a code it can act on."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from psycopg import sql

from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.territories import load_reference
from infra.views.base import LOG_TABLE
from tests.support.graphql import GraphQLClient

RECORD = """
mutation ($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename
    ... on InteractionReceipt { id position }
    ... on Error { code message }
  }
}
"""
CONTACT: dict[str, object] = {
    "key": "bounded-1", "channel": "CHAT", "startedAt": "2019-05-01T09:00:00+00:00",
    "answeredAt": None, "endedAt": "2019-05-01T09:05:00+00:00", "language": "fr",
    "interpreter": False, "inquirer": {"type": "SELF"}, "needs": [], "disposition": "COMPLETED",
}  # fmt: skip


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {"GUICHET_WRITE_TIMEOUT": "1"}


@pytest.mark.asyncio
async def test_a_save_past_its_bound_is_a_write_timeout_and_stores_nothing_half(
    container: Container, graphql: GraphQLClient
) -> None:
    load_reference(container.operations, SystemClock())
    table = sql.Identifier(container.database.schema, LOG_TABLE)
    with (
        psycopg.connect(container.database.url, autocommit=True) as blocker,
        blocker.transaction(),
    ):
        blocker.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))
        started = time.monotonic()
        response = await graphql.post(RECORD, {"input": CONTACT}, "counsellor-token")
        waited = time.monotonic() - started
    body = response.json()
    assert body["data"] is None or body["data"]["recordInteraction"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "WRITE_TIMEOUT", error
    assert "same key" in error["message"]
    assert waited < 5
    # The transaction it was in ended whole once the lock was given back: a retry is answered.
    await asyncio.sleep(0.5)
    again = await graphql.data(RECORD, {"input": CONTACT}, "counsellor-token")
    assert again["recordInteraction"]["__typename"] == "InteractionReceipt", again
