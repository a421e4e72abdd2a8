"""A generated year of contacts gives back the 2018 annual report's shares, read through GraphQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import (
    AGES,
    GENDERS,
    LANGUAGES,
    REGION_CONTACTS,
    REGIONS,
    TOP_PLACES,
    UNMET,
    Plan,
    load_calls,
)
from infra.territories import load_reference
from tests.api.test_interactions import ANALYST, STATISTICS
from tests.support.graphql import GraphQLClient

YEAR = 36_000
TOLERANCE = 1.0  # percentage points


def shares(cells: list[dict[str, Any]]) -> dict[str, float]:
    return {cell["key"]: cell["share"] for cell in cells}


def report(weights: dict[Any, float]) -> dict[str, float]:
    whole = sum(weights.values())
    return {str(key): 100 * value / whole for key, value in weights.items()}


def close(found: dict[str, float], wanted: dict[str, float]) -> None:
    assert set(found) == set(wanted), (found, wanted)
    for key, share in wanted.items():
        assert abs(found[key] - share) <= TOLERANCE, (key, found[key], share)


@pytest.mark.asyncio
async def test_a_generated_year_reproduces_the_report(
    container: Container, graphql: GraphQLClient
) -> None:
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    saved, _ = load_calls(
        container.contact_handler, Plan(YEAR, date(2018, 1, 1), date(2018, 12, 31))
    )
    assert saved == YEAR
    again, _ = load_calls(
        container.contact_handler, Plan(YEAR, date(2018, 1, 1), date(2018, 12, 31))
    )
    assert again == 0, "loading the same plan twice logs nothing more"
    for runner in container.select(["interactions", "territories", "search"]):
        runner.bring_up_to_date()

    variables = {"from": "2018-01-01", "to": "2018-12-31", "top": 10}
    stats = (await graphql.data(STATISTICS, variables, ANALYST))["statistics"]
    assert stats["contacts"]["value"] == YEAR
    close(shares(stats["byLanguage"]), report(LANGUAGES))
    close(shares(stats["byGender"]), {"female": 67.53, "male": 32.47})
    assert {str(g.value) for g in GENDERS} == {"female", "male"}
    close(shares(stats["byAgeBand"]), report({str(age.value): n for age, n in AGES.items()}))
    close(shares(stats["byRegion"]), report(REGIONS))
    assert stats["needsPerContact"] == pytest.approx(50_392 / REGION_CONTACTS, abs=0.01)
    assert stats["referralsPerContact"] == pytest.approx(74_319 / REGION_CONTACTS, abs=0.01)
    assert stats["averageWaitSeconds"] == pytest.approx(48, abs=3)
    assert stats["averageHandleSeconds"] == pytest.approx(330, abs=10)

    # Each region's top places: the report's order and their share of the region's contacts.
    for region, top in TOP_PLACES.items():
        cells = [cell for cell in stats["topPlaces"] if cell["group"] == region]
        expected = [_plain(name) for name in top][:10]
        assert [_plain(cell["label"]) for cell in cells[: len(expected)]] == expected, region
        region_total = REGION_CONTACTS * REGIONS[region] / 100
        for cell, count in zip(cells, top.values(), strict=False):
            assert abs(cell["share"] - 100 * min(count / region_total, 1)) <= 2 * TOLERANCE

    # Unmet needs: the report's top ten, in its order and proportions.
    unmet = stats["topUnmetNeeds"]
    top_ten = dict(list(UNMET.items())[:10])
    assert [cell["key"] for cell in unmet] == list(top_ten)
    counted = sum(cell["count"] for cell in unmet)
    close(
        {cell["key"]: 100 * cell["count"] / counted for cell in unmet},
        report(dict(top_ten.items())),
    )


def _plain(name: str) -> str:
    return name.replace("\N{EN DASH}", "-").replace("\N{EM DASH}", "-")
