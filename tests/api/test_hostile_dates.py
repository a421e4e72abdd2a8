"""Dates at the calendar's ends: a fact holding one would be stored and then stop every view that
reads it (statistics for everyone, for good), and a read argument holding one was a masked server
error. Each is refused as INVALID_INPUT naming the input or argument."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.api.test_record_life import mutate
from tests.api.test_services import organization
from tests.support.graphql import GraphQLClient

RESULT = "__typename ... on Error { code message } ... on InvalidInputError { field }"
RECORD = f"""
mutation ($input: RecordInteractionInput!) {{ recordInteraction(input: $input) {{ {RESULT} }} }}
"""
AGREE = f"mutation ($i: AgreeCoverageInput!) {{ agreeCoverage(input: $i) {{ {RESULT} }} }}"
RENAME = f"""
mutation ($i: TerritoryChangeInput!) {{ renameTerritory(input: $i) {{ {RESULT} }} }}
"""
STATISTICS = f"""
query {{ statistics(from: "2024-01-01", to: "2024-12-31") {{ {RESULT} }} }}
"""


def contact(key: str, **times: Any) -> dict[str, Any]:
    return {
        "key": key, "channel": "PHONE", "language": "fr", "inquirer": {"type": "SELF"},
        "startedAt": "2024-03-01T10:00:00-05:00", "endedAt": "2024-03-01T10:10:00-05:00",
        **times,
    }  # fmt: skip


async def refused(graphql: GraphQLClient, document: str, variables: dict[str, Any],
                  token: str) -> tuple[str, str]:  # fmt: skip
    data = await graphql.data(document, variables, token)
    (result,) = data.values()
    assert result["__typename"] == "InvalidInputError", result
    return result["code"], result["field"]


@pytest.mark.parametrize(
    ("times", "field"),
    [
        ({"startedAt": "0001-01-01T00:00:00Z", "endedAt": "0001-01-01T00:10:00Z"},
         "input.startedAt"),
        ({"startedAt": "9999-12-31T23:00:00-12:00", "endedAt": "9999-12-31T23:10:00-12:00"},
         "input.startedAt"),
        ({"startedAt": "1999-12-31T10:00:00Z"}, "input.startedAt"),
        ({"answeredAt": "2024-03-01T10:01:00-05:00", "endedAt": "2199-01-01T00:00:00Z"},
         "input.endedAt"),
        ({"followUp": {"due": "9999-12-31"}}, "input.followUp.due"),
    ],
)  # fmt: skip
async def test_a_contact_at_the_calendars_ends_is_refused_and_statistics_still_answer(
    graphql: GraphQLClient, times: dict[str, Any], field: str
) -> None:
    variables = {"input": contact("bout-du-calendrier", **times)}
    assert await refused(graphql, RECORD, variables, "counsellor-token") == (
        "INVALID_INPUT", field,
    )  # fmt: skip
    answer = await graphql.data(STATISTICS, {}, "analyst-token")
    assert answer["statistics"]["__typename"] == "Statistics"


async def test_a_contact_more_than_a_day_ahead_of_its_recording_is_refused(
    graphql: GraphQLClient, container: Container
) -> None:
    ahead = container.clock.now() + timedelta(days=2)
    times = {"startedAt": ahead.isoformat(), "endedAt": (ahead + timedelta(minutes=5)).isoformat()}
    variables = {"input": contact("demain", **times)}
    assert await refused(graphql, RECORD, variables, "counsellor-token") == (
        "INVALID_INPUT", "input.startedAt",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"effectiveFrom": "0001-01-01"}, "input.effectiveFrom"),
        ({"effectiveFrom": "9999-12-30", "effectiveUntil": "9999-12-31"}, "input.effectiveFrom"),
        ({"effectiveFrom": "2024-01-01", "effectiveUntil": "9999-12-31"}, "input.effectiveUntil"),
    ],
)
async def test_a_coverage_agreement_at_the_calendars_ends_is_refused(
    graphql: GraphQLClient, container: Container, dates: dict[str, str], field: str
) -> None:
    load_reference(container.operations, container.clock)
    agreement = {"territories": ["66023"], "channels": ["PHONE"], "funder": "Fonds", **dates}
    assert await refused(graphql, AGREE, {"i": agreement}, "coverage-token") == (
        "INVALID_INPUT", field,
    )  # fmt: skip


async def test_a_territory_change_at_the_calendars_ends_is_refused(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    change = {"code": "66023", "name": "Ailleurs", "effectiveFrom": "0001-01-01"}
    assert await refused(graphql, RENAME, {"i": change}, "coverage-token") == (
        "INVALID_INPUT", "input.effectiveFrom",
    )  # fmt: skip


@pytest.mark.parametrize("verified_at", ["0001-01-01T00:00:00Z", "2024-01-01T00:00:00"])
async def test_a_verification_at_the_calendars_ends_or_without_offset_is_refused(
    graphql: GraphQLClient, verified_at: str
) -> None:
    owner = await organization(graphql)
    result = await mutate(graphql, "verifyRecord", {
        "id": owner, "expectedVersion": 1, "method": "PHONE", "confirmedBy": "Lise",
        "verifiedAt": verified_at,
    })  # fmt: skip
    assert (result["__typename"], result.get("field")) == (
        "InvalidInputError", "input.verifiedAt",
    )  # fmt: skip
