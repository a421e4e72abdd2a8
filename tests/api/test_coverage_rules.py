"""The coverage rules every entry point obeys: the overlap rule on create, amend and the loaded
history, under concurrency, and the dated moves of the shipped history."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any
from uuid import uuid4

from api.errors import VersionConflictError, as_error
from domain.errors import Contended
from domain.handlers.coverage import AgreeCoverage
from domain.operations import Receipt
from domain.territories import TerritoryKind
from infra.bootstrap import Container
from infra.coverage_history import load_history
from infra.territories import load_reference, reference_territories
from tests.api.test_coverage import AGREE
from tests.support.graphql import GraphQLClient

AMEND = """
mutation ($input: AmendCoverageInput!) {
  amendCoverage(input: $input) {
    __typename
    ... on Receipt { version position }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""
COVERAGE = """
query ($t: String!, $at: Date!, $after: Int) {
  coverage(territory: $t, channel: PHONE, at: $at, consistentWith: $after) {
    ... on Coverage { covered agreements { funder } }
  }
}
"""
LAVAL = {
    "territories": ["65005"], "channels": ["PHONE"], "effectiveFrom": "2024-01-01",
    "effectiveUntil": "2024-06-01", "funder": "Ville de Laval",
}  # fmt: skip


async def agree(graphql: GraphQLClient, agreement: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = (await graphql.data(AGREE, {"input": agreement}, token="admin-token"))[
        "agreeCoverage"
    ]
    return found


async def test_an_amendment_cannot_create_an_overlap(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    await agree(graphql, LAVAL)
    later = await agree(graphql, {**LAVAL, "effectiveFrom": "2024-06-01", "effectiveUntil": None})
    head = container.head()

    amended = (
        await graphql.data(
            AMEND,
            {"input": {
                "id": later["id"], "expectedVersion": 1, "territories": ["65005"],
                "channels": ["PHONE"], "effectiveFrom": "2024-03-01", "funder": "Ville de Laval",
            }},
            token="admin-token",
        )
    )["amendCoverage"]  # fmt: skip

    assert (amended["__typename"], amended["field"]) == ("InvalidInputError", "input.effectiveFrom")
    assert "overlaps agreement" in amended["message"]
    assert container.head() == head


async def test_the_loaded_history_cannot_create_an_overlap(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    # Laval's own agreement, recorded by hand before the history was loaded.
    made = await agree(graphql, {**LAVAL, "effectiveFrom": "2016-10-21", "effectiveUntil": None})
    assert made["__typename"] == "Receipt", made

    loaded = load_history(container.operations, container.clock)

    [refused] = loaded.refused
    assert f"overlaps agreement {made['id']}" in refused
    assert loaded.agreements == 10

    after = container.head()
    variables = {"t": "65005", "at": "2017-01-01", "after": after}
    found = (await graphql.data(COVERAGE, variables, "analyst-token"))["coverage"]
    assert len(found["agreements"]) == 1


async def test_of_two_concurrent_overlapping_agreements_exactly_one_is_recorded(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    twins = [
        {**LAVAL, "effectiveFrom": f"2024-0{month}-01", "effectiveUntil": None}
        for month in (1, 2, 3, 4)
    ]

    results = await asyncio.gather(*(agree(graphql, twin) for twin in twins))

    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["InvalidInputError"] * 3 + ["Receipt"], results


async def test_granby_and_cowansville_were_covered_while_their_mrcs_lay_in_monteregie(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    load_history(container.operations, container.clock)
    head = container.head()
    granby, cowansville = "47017", "46080"

    async def covered(code: str, day: str) -> bool:
        found = await graphql.data(COVERAGE, {"t": code, "at": day, "after": head}, "analyst-token")
        return bool(found["coverage"]["covered"])

    # The four regions' agreement started on 2020-12-15; the MRCs moved to Estrie on 2021-07-08.
    for code in (granby, cowansville):
        assert await covered(code, "2020-12-15")
        assert await covered(code, "2021-07-07")
        assert not await covered(code, "2021-07-08")
        assert not await covered(code, "2020-12-14")


def test_concurrent_agreements_of_one_funder_that_do_not_overlap_are_all_recorded(
    container: Container,
) -> None:
    load_reference(container.operations, container.clock)
    places = [t.code for t in reference_territories() if t.kind is TerritoryKind.MUNICIPALITY]
    commands = [
        AgreeCoverage(
            container.new_id(), (code,), ("phone",), date(2024, 1, 1), None, "Fondation Test"
        )
        for code in places[:16]
    ]
    start = threading.Barrier(len(commands))

    def agree_at_once(command: AgreeCoverage) -> Receipt:
        start.wait()
        return container.coverage_handler.agree(
            command, actor="coverage-admin", at=container.clock.now()
        )

    with ThreadPoolExecutor(len(commands)) as pool:
        receipts = list(pool.map(agree_at_once, commands))

    assert sorted(r.id for r in receipts) == sorted(c.id for c in commands)
    assert all(r.version == 1 for r in receipts)


def test_a_request_that_kept_losing_the_race_is_a_conflict_to_send_again() -> None:
    id = uuid4()
    refused = Contended(id, 0, "other changes were saved at the same time. Send it again.")

    error = as_error(refused)

    assert isinstance(error, VersionConflictError)
    assert (error.code, error.id, error.expected_version, error.current_version) == (
        "CONFLICT", str(id), 0, 0,
    )  # fmt: skip
