"""Coverage over time through GraphQL: the seeds' history, place by place and channel by
channel, and coverage as it was known at a past recording time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.coverage_history import load_history
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient

# Coverage is published alike to every role; the reader has a token so its `consistentWith`
# is waited for (the public's is not).
READER = "analyst-token"

COVERAGE = """
query ($t: String!, $c: Channel!, $at: Date!, $known: DateTime, $after: Int) {
  coverage(territory: $t, channel: $c, at: $at, asKnownAt: $known, consistentWith: $after) {
    __typename
    ... on Coverage { covered agreements { id version funder effectiveUntil lastCoveredDay } }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""
AGREE = """
mutation ($input: AgreeCoverageInput!) {
  agreeCoverage(input: $input) {
    __typename
    ... on Receipt { id version position }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""
EXTEND = """
mutation ($input: ChangeCoverageInput!) {
  extendCoverage(input: $input) {
    __typename
    ... on Receipt { version position }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""


@dataclass(frozen=True)
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def history(container: Container, graphql: GraphQLClient) -> int:
    load_reference(container.operations, container.clock)
    load_history(container.operations, SystemClock())
    return container.operations.recorder.max_notification_id() or 0


async def coverage(
    graphql: GraphQLClient, territory: str, channel: str, at: str, **extra: Any
) -> dict[str, Any]:
    variables = {"t": territory, "c": channel, "at": at, **extra}
    result: dict[str, Any] = (await graphql.data(COVERAGE, variables, READER))["coverage"]
    return result


async def test_a_fact_entered_today_for_last_year_changes_now_but_not_what_was_known(
    graphql: GraphQLClient, container: Container
) -> None:
    now = datetime.now(UTC)
    # The territories were recorded two days ago; the agreement is entered now.
    _, loaded = load_reference(container.operations, FixedClock(now - timedelta(days=2)))
    yesterday = (now - timedelta(days=1)).isoformat()
    last_year = (now.date() - timedelta(days=365)).isoformat()
    sherbrooke = "43027"
    before = await coverage(graphql, sherbrooke, "PHONE", last_year, after=loaded)

    receipt = (
        await graphql.data(
            AGREE,
            {
                "input": {
                    "territories": ["RA-05"], "channels": ["PHONE", "WEB"],
                    "effectiveFrom": (now.date() - timedelta(days=400)).isoformat(),
                    "funder": "Centraide Estrie", "reason": "entered late",
                }
            },
            token="admin-token",
        )
    )["agreeCoverage"]  # fmt: skip
    assert receipt["__typename"] == "Receipt", receipt

    now_known = await coverage(graphql, sherbrooke, "PHONE", last_year, after=receipt["position"])
    then_known = await coverage(
        graphql, sherbrooke, "PHONE", last_year, known=yesterday, after=receipt["position"]
    )
    assert before["covered"] is False
    assert now_known["covered"] is True
    assert then_known["covered"] is False


async def test_contradictory_facts_get_typed_errors_and_write_nothing(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    agreement = {
        "territories": ["65005"], "channels": ["PHONE"], "effectiveFrom": "2024-01-01",
        "effectiveUntil": "2024-06-01", "funder": "Ville de Laval",
    }  # fmt: skip
    head = container.operations.recorder.max_notification_id()
    backwards = {**agreement, "effectiveUntil": "2023-06-01"}
    refused = (await graphql.data(AGREE, {"input": backwards}, token="admin-token"))[
        "agreeCoverage"
    ]
    denied = (await graphql.data(AGREE, {"input": agreement}, token="editor-token"))[
        "agreeCoverage"
    ]

    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "input.effectiveUntil")
    assert denied["__typename"] == "NotAuthorizedError"
    assert container.operations.recorder.max_notification_id() == head

    made = (await graphql.data(AGREE, {"input": agreement}, token="admin-token"))["agreeCoverage"]
    stale = {"id": made["id"], "expectedVersion": 7, "effectiveUntil": "2025-01-01"}
    result = (await graphql.data(EXTEND, {"input": stale}, token="admin-token"))["extendCoverage"]
    assert result["__typename"] == "VersionConflictError"

    amend = """mutation ($input: AmendCoverageInput!) { amendCoverage(input: $input) {
                 __typename ... on Receipt { version } ... on InvalidInputError { field } } }"""
    change = {
        "id": made["id"], "expectedVersion": 1, "territories": ["65005", "RA-77"],
        "channels": ["PHONE", "WEB"], "effectiveFrom": "2024-01-01", "funder": "Ville de Laval",
    }  # fmt: skip
    unknown_place = (await graphql.data(amend, {"input": change}, token="admin-token"))[
        "amendCoverage"
    ]
    change["territories"] = ["65005"]
    amended = (await graphql.data(amend, {"input": change}, token="admin-token"))["amendCoverage"]
    assert unknown_place == {"__typename": "InvalidInputError", "field": "input.territories[1]"}
    assert amended == {"__typename": "Receipt", "version": 2}

    unknown_id = {"id": str(uuid4()), "expectedVersion": 1, "reason": "in error"}
    missing_end = {"id": made["id"], "expectedVersion": 2}
    cancel = """mutation ($input: ChangeCoverageInput!) { cancelCoverage(input: $input) {
                  __typename ... on Receipt { version } } }"""
    end_early = """mutation ($input: ChangeCoverageInput!) { endCoverageEarly(input: $input) {
                     __typename ... on InvalidInputError { field } } }"""
    not_found = (await graphql.data(cancel, {"input": unknown_id}, token="admin-token"))[
        "cancelCoverage"
    ]
    no_end = (await graphql.data(end_early, {"input": missing_end}, token="admin-token"))[
        "endCoverageEarly"
    ]
    mine = {**unknown_id, "id": made["id"], "expectedVersion": 2}
    cancelled = (await graphql.data(cancel, {"input": mine}, token="admin-token"))["cancelCoverage"]
    assert not_found == {"__typename": "NotFoundError"}
    assert no_end == {"__typename": "InvalidInputError", "field": "input.effectiveUntil"}
    assert cancelled == {"__typename": "Receipt", "version": 3}


async def test_an_unknown_territory_is_named(graphql: GraphQLClient) -> None:
    found = await coverage(graphql, "00000", "WEB", date(2019, 1, 1).isoformat())
    assert (found["__typename"], found["field"]) == ("InvalidInputError", "territory")


POPULATION = """
query ($d: Date!, $after: Int) {
  populationCovered(from: $d, to: $d, channel: PHONE, granularity: DAY, consistentWith: $after) {
    ... on PopulationSeries { points { date population municipalities } }
  }
}
"""

# Phone coverage by the user's reference (MAMH 2023 populations): municipalities and people.
PHONE_POPULATION = [
    ("2016-11-01", 1, 446_369),
    ("2017-04-01", 6, 577_561),
    ("2017-12-01", 13, 745_663),
    ("2018-04-01", 83, 4_121_924),
    ("2018-05-01", 95, 4_165_297),
    ("2018-11-01", 106, 4_198_052),
    # The reference counts 365 with today's regions; on that day Brome-Missisquoi and La
    # Haute-Yamaska (29 municipalities) still lay in Montérégie.
    ("2020-12-15", 394, 5_725_904),
    ("2022-01-01", 106, 4_198_052),
    ("2023-08-28", 107, 4_490_333),
]


async def test_population_covered_follows_the_reference_figures(
    graphql: GraphQLClient, history: int
) -> None:
    found = []
    for day, _, _ in PHONE_POPULATION:
        data = await graphql.data(POPULATION, {"d": day, "after": history}, READER)
        [point] = data["populationCovered"]["points"]
        found.append((point["date"], point["municipalities"], point["population"]))
    assert found == PHONE_POPULATION
    regions = await coverage(graphql, "75017", "PHONE", "2021-11-01", after=history)
    [agreement] = regions["agreements"]
    assert (agreement["effectiveUntil"], agreement["lastCoveredDay"]) == (
        "2022-01-01",
        "2021-12-31",
    )
    assert agreement["version"] == 2


STEPS = """
query ($after: Int) {
  populationCovered(from: "2016-01-01", to: "2023-12-31", channel: PHONE, granularity: CHANGE,
                    consistentWith: $after) {
    ... on PopulationSeries { points { date population municipalities } }
  }
}
"""


async def test_population_covered_by_change_has_a_point_wherever_the_figures_move(
    graphql: GraphQLClient, history: int
) -> None:
    points = (await graphql.data(STEPS, {"after": history}, READER))["populationCovered"]["points"]
    days = [point["date"] for point in points]
    one_day = timedelta(days=1)
    daily = []
    for point in points[1:]:
        day = date.fromisoformat(point["date"])
        for asked in (day - one_day, day):
            data = await graphql.data(
                POPULATION, {"d": asked.isoformat(), "after": history}, READER
            )
            daily.append(data["populationCovered"]["points"][0])
    assert days[0] == "2016-01-01"
    assert days == sorted(set(days))
    # The regions' agreement, the move of two MRCs out of Montérégie, its end, and Gatineau.
    assert {"2020-12-15", "2021-07-08", "2022-01-01", "2023-08-28"} <= set(days)
    # Each point holds until the next: the day before a point has the previous point's figures.
    before = [{**p, "date": None} for p in daily[0::2]]
    assert before == [{**p, "date": None} for p in points[:-1]]
    assert daily[1::2] == points[1:]


THEN = """
query ($at: Date!, $after: Int) {
  coveredTerritories(at: $at, channel: PHONE, kind: MRC, first: 200, consistentWith: $after) {
    ... on CoveredTerritories { nodes { code parent { code } ancestors { code } } }
  }
  granby: coveredTerritories(at: $at, channel: PHONE, kind: MUNICIPALITY, first: 500,
                            consistentWith: $after) {
    ... on CoveredTerritories { nodes { code ancestors { code } } }
  }
  territory(code: "MRC-470") { ... on Territory { parent { code } } }
}
"""


async def test_covered_places_lie_where_they_lay_that_day(
    graphql: GraphQLClient, history: int
) -> None:
    # La Haute-Yamaska (Granby) lay in Montérégie until 7 July 2021, in Estrie since.
    data = await graphql.data(THEN, {"at": "2021-06-01", "after": history}, READER)
    [mrc] = [n for n in data["coveredTerritories"]["nodes"] if n["code"] == "MRC-470"]
    [granby] = [n for n in data["granby"]["nodes"] if n["code"] == "47017"]
    assert data["territory"]["parent"]["code"] == "RA-05"
    assert mrc["parent"]["code"] == "RA-16"
    assert "RA-16" in {a["code"] for a in mrc["ancestors"]} - {"RA-05"}
    assert [a["code"] for a in granby["ancestors"]][:2] == ["MRC-470", "RA-16"]


async def test_covered_territories_changes_and_timeline(
    graphql: GraphQLClient, history: int
) -> None:
    data = await graphql.data(
        """
        query ($after: Int) {
          coveredTerritories(at: "2019-06-01", channel: PHONE, kind: MUNICIPALITY,
                             consistentWith: $after) {
            ... on CoveredTerritories { totalCount population nodes { code }
                                        totals { kind count population } }
          }
          lost: coverageChanges(from: "2021-12-31", to: "2022-01-01", channel: PHONE,
                                consistentWith: $after) {
            ... on CoverageChanges { totalCount nodes { date gained territory { code } } }
          }
          gained: coverageChanges(from: "2020-12-14", to: "2020-12-15", channel: WEB,
                                  consistentWith: $after) {
            ... on CoverageChanges { totalCount nodes { date gained territory { code } } }
          }
          coverageTimeline(territory: "81017", channel: PHONE, consistentWith: $after) {
            ... on CoverageTimeline { intervals { from until lastCoveredDay funders } }
          }
        }
        """,
        {"after": history},
        READER,
    )
    covered = data["coveredTerritories"]
    assert (covered["totalCount"], covered["population"]) == (106, 4_198_052)
    assert {"65005", "60037", "71133", "68055"} <= {t["code"] for t in covered["nodes"]}
    municipalities = next(t for t in covered["totals"] if t["kind"] == "MUNICIPALITY")
    assert municipalities["count"] == 106
    lost = data["lost"]["nodes"]
    assert [c for c in lost if c["gained"]] == []
    assert len(lost) == data["lost"]["totalCount"] == 365 - 106
    assert {c["date"] for c in lost} == {"2022-01-01"}
    assert "75017" in {c["territory"]["code"] for c in lost}
    codes = [c["territory"]["code"] for c in lost]
    assert codes == sorted(codes)  # by date, then code
    gained = data["gained"]["nodes"]
    assert len(gained) == 394 - 106
    assert all(c["gained"] for c in gained)
    intervals = data["coverageTimeline"]["intervals"]
    assert [(i["from"], i["until"], i["lastCoveredDay"]) for i in intervals] == [
        ("2020-12-15", "2022-01-01", "2021-12-31"),
        ("2023-08-28", None, None),
    ]
    assert intervals[1]["funders"] == ["Ville de Gatineau; Centraide Outaouais"]


async def test_a_backwards_span_is_named(graphql: GraphQLClient) -> None:
    data = await graphql.data(
        """{ populationCovered(from: "2020-01-01", to: "2019-01-01", channel: WEB) {
               __typename ... on InvalidInputError { field } } }"""
    )
    assert data["populationCovered"] == {"__typename": "InvalidInputError", "field": "to"}


MOVE = """
mutation ($input: TerritoryChangeInput!) {
  moveTerritory(input: $input) {
    __typename ... on Receipt { position } ... on InvalidInputError { field message }
  }
}
"""


async def test_coverage_follows_the_hierarchy_valid_at_the_date(
    graphql: GraphQLClient, history: int
) -> None:
    # Saint-Hyacinthe's MRC moves out of Montérégie on 1 July 2021 (a move for the test).
    before_the_move = datetime.now(UTC).isoformat()
    result = (
        await graphql.data(
            MOVE,
            {"input": {"code": "MRC-540", "parentCode": "RA-17", "effectiveFrom": "2021-07-01"}},
            token="admin-token",
        )
    )["moveTerritory"]
    assert result["__typename"] == "Receipt", result
    position = result["position"]

    inside = await coverage(graphql, "54048", "PHONE", "2021-03-31", after=position)
    moved_out = await coverage(graphql, "54048", "PHONE", "2021-09-01", after=position)
    as_known_before = await coverage(
        graphql, "54048", "PHONE", "2021-09-01", known=before_the_move, after=position
    )
    data = await graphql.data(
        """query ($after: Int) {
             coverageChanges(from: "2021-06-30", to: "2021-07-01", channel: PHONE,
                             consistentWith: $after) {
               ... on CoverageChanges { nodes { gained territory { code } } } }
             coverageTimeline(territory: "54048", channel: PHONE, consistentWith: $after) {
               ... on CoverageTimeline { intervals { from until } } } }""",
        {"after": position},
        READER,
    )

    assert inside["covered"] is True
    assert moved_out["covered"] is False
    assert as_known_before["covered"] is True  # then, its MRC was recorded in Montérégie
    lost = {c["territory"]["code"] for c in data["coverageChanges"]["nodes"] if not c["gained"]}
    assert "54048" in lost
    assert "56083" not in lost  # Saint-Jean-sur-Richelieu stayed in Montérégie
    assert [c for c in data["coverageChanges"]["nodes"] if c["gained"]] == []
    assert data["coverageTimeline"]["intervals"] == [{"from": "2020-12-15", "until": "2021-07-01"}]


async def test_territory_changes_answer_receipts_and_name_unknown_places(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    rename = """mutation ($input: TerritoryChangeInput!) { renameTerritory(input: $input) {
                  __typename ... on Receipt { version } } }"""
    merge = """mutation ($input: TerritoryChangeInput!) { mergeTerritory(input: $input) {
                 __typename ... on InvalidInputError { field } } }"""

    moved = (
        await graphql.data(
            MOVE,
            {"input": {"code": "MRC-470", "parentCode": "RA-99", "effectiveFrom": "2021-07-01"}},
            token="admin-token",
        )
    )["moveTerritory"]
    renamed = (
        await graphql.data(
            rename,
            {"input": {"code": "65005", "name": "Ville de Laval", "effectiveFrom": "2026-01-01"}},
            token="admin-token",
        )
    )["renameTerritory"]
    merged = (
        await graphql.data(
            merge, {"input": {"code": "65005", "effectiveFrom": "2026-01-01"}}, token="admin-token"
        )
    )["mergeTerritory"]

    assert moved == {
        "__typename": "InvalidInputError",
        "field": "input.parentCode[0]",
        "message": "input.parentCode[0]: 'RA-99' is not a known territory code",
    }
    assert renamed == {"__typename": "Receipt", "version": 2}
    assert merged == {"__typename": "InvalidInputError", "field": "input.targetCode"}
