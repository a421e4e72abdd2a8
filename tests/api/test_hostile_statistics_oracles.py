"""Public statistics attacked as oracles (a second attack review): whether an answer is refused
for too few contacts told, day by day, whether one contact matched a territory and a channel;
and comparing dozens of answers that differ by one contact averaged the rounding away. The
refusal is decided on the rounded total, and each caller has a budget of public answers."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from psycopg import sql

from infra.bootstrap import Container
from infra.statistics import ROUNDING_TABLE
from projections.rounding import RandomRounding, random_round
from tests.api.test_hostile_statistics import contact, log
from tests.api.test_interactions import ANALYST, STATISTICS, ready
from tests.support.graphql import GraphQLClient

PERIOD = {"from": "2018-04-01", "to": "2018-04-30"}


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, "GUICHET_STATISTICS_INTERVAL": "86400",
            "GUICHET_STATISTICS_PUBLIC_BUDGET": "4"}  # fmt: skip


def use_secret(container: Container, secret: bytes) -> None:
    """Stores the deployment's rounding secret before any process makes one."""
    container.statistics.rounding()  # creates the table and a secret
    table = container.statistics.view.table(ROUNDING_TABLE)
    with container.statistics.view.datastore.get_connection() as conn:
        conn.execute(sql.SQL("UPDATE {} SET secret = %s").format(table), (secret,))
    container.statistics._secret = None  # read again


def secret_rounding(count: int, *, up: bool) -> bytes:
    """A secret whose draw rounds a total of `count` contacts up (or down) to a multiple of 5."""
    while True:
        secret = secrets.token_bytes(32)
        rounding = RandomRounding(secret)
        if (
            random_round(count, rounding.draw(count, "total", "", "contacts", count)) > count
        ) is up:
            return secret


async def ask(graphql: GraphQLClient, token: str | None = None, after: int = 0) -> Any:
    response = await graphql.post(STATISTICS, {**PERIOD, "after": after}, token)
    return response.json()


async def logged(graphql: GraphQLClient, count: int) -> None:
    """Logs `count` contacts and waits, as an analyst, until statistics count them all."""
    after = await log(graphql, [contact(n) for n in range(count)])
    exact = (await ask(graphql, ANALYST, after))["data"]["statistics"]
    assert exact["contacts"]["value"] == count, exact


@pytest.mark.asyncio
async def test_the_refusal_for_too_few_contacts_is_decided_on_the_rounded_total(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    use_secret(container, secret_rounding(9, up=True))
    await logged(graphql, 9)
    answer = (await ask(graphql))["data"]["statistics"]
    # Nine exact contacts, rounded to ten as the public would see them: answered, so a tenth
    # contact cannot be told from the refusal turning into an answer.
    assert answer["__typename"] == "Statistics", answer
    assert answer["contacts"]["value"] == 10


@pytest.mark.asyncio
async def test_each_caller_has_a_budget_of_public_answers(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    await logged(graphql, 12)
    answers = [await ask(graphql) for _ in range(5)]
    assert [a["data"]["statistics"]["__typename"] for a in answers[:4]] == ["Statistics"] * 4
    refused = answers[4]
    assert refused["data"] is None
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == "statisticsBudget"
    assert error["extensions"]["maximum"] == 4
    # Exact figures are not counted against it.
    for _ in range(6):
        exact = (await ask(graphql, ANALYST))["data"]["statistics"]
        assert exact["__typename"] == "Statistics"
        assert exact["exact"] is True
