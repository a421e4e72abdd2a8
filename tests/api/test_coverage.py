"""Coverage over time through GraphQL: the seeds' history, place by place and channel by
channel, and coverage as it was known at a past recording time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.coverage_history import load_history
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient

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

# Each seed paragraph: (place, channel, a date inside the period, a date outside it).
SEED_HISTORY = [
    # Laval launches 211 in October 2016, phone and web.
    ("65005", "PHONE", "2016-11-15", "2016-09-30"),
    ("65005", "WEB", "2016-10-21", "2016-10-20"),
    # The Montréal agglomeration's directory is online from 1 January 2017: web, not phone.
    ("66023", "WEB", "2017-01-01", "2016-12-31"),
    ("66023", "PHONE", "2018-04-01", "2017-06-15"),
    ("66047", "WEB", "2017-03-01", "2016-12-31"),  # Montréal-Ouest, in the agglomeration
    # MRC de L'Assomption, April 2017, phone and web (L'Épiphanie too).
    ("60013", "PHONE", "2017-04-01", "2017-03-31"),
    ("60013", "WEB", "2017-04-01", "2017-03-31"),
    ("60037", "WEB", "2017-05-01", "2017-03-31"),
    # MRC Thérèse-De Blainville: web in October 2017, phone in December 2017.
    ("73015", "WEB", "2017-10-15", "2017-09-30"),
    ("73015", "PHONE", "2017-12-15", "2017-11-15"),
    # The whole CMM: web from 16 January 2018, phone from 1 April 2018 (Longueuil).
    ("58227", "WEB", "2018-01-16", "2018-01-15"),
    ("58227", "PHONE", "2018-04-01", "2018-03-31"),
    # MRC Vaudreuil-Soulanges (Rigaud, outside the CMM) from May 2018.
    ("71133", "PHONE", "2018-06-01", "2018-04-30"),
    ("71133", "WEB", "2018-05-01", "2018-04-30"),
    # MRC Les Jardins-de-Napierville (Saint-Rémi) from 1 November 2018.
    ("68055", "PHONE", "2018-11-01", "2018-10-31"),
    ("68055", "WEB", "2019-01-01", "2018-10-31"),
    # Four whole regions from 15 December 2020 to 31 December 2021, then back.
    ("75017", "PHONE", "2021-06-01", "2022-01-01"),  # Saint-Jérôme, Laurentides
    ("75017", "CHAT", "2021-12-31", "2020-12-14"),
    ("61025", "WEB", "2020-12-15", "2022-02-01"),  # Joliette, Lanaudière
    ("54048", "PHONE", "2021-03-31", "2022-06-01"),  # Saint-Hyacinthe, Montérégie
    ("81017", "WEB", "2021-04-01", "2022-01-01"),  # Gatineau, Outaouais, before 2023
    # Gatineau alone from 28 August 2023.
    ("81017", "PHONE", "2023-08-28", "2023-08-27"),
    ("81017", "CHAT", "2024-01-01", "2023-08-27"),
]


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
    result: dict[str, Any] = (await graphql.data(COVERAGE, variables))["coverage"]
    return result


async def test_the_seeds_history_place_by_place(graphql: GraphQLClient, history: int) -> None:
    wrong = []
    for territory, channel, inside, outside in SEED_HISTORY:
        for at, expected in ((inside, True), (outside, False)):
            found = await coverage(graphql, territory, channel, at, after=history)
            if found["covered"] is not expected:
                wrong.append((territory, channel, at, expected))
    # Never covered: Sherbrooke; never offered: e-mail, and chat in the original territory.
    for territory, channel, at in (
        ("43027", "PHONE", "2021-06-01"),
        ("65005", "EMAIL", "2019-06-01"),
        ("65005", "CHAT", "2021-06-01"),
    ):
        if (await coverage(graphql, territory, channel, at, after=history))["covered"]:
            wrong.append((territory, channel, at, False))
    assert wrong == []


async def test_the_temporary_regions_show_their_extension(
    graphql: GraphQLClient, history: int
) -> None:
    found = await coverage(graphql, "75017", "PHONE", "2021-11-01", after=history)
    [agreement] = found["agreements"]
    assert agreement["effectiveUntil"] == "2022-01-01"
    assert agreement["lastCoveredDay"] == "2021-12-31"
    assert agreement["version"] == 2
    assert "Fonds d'urgence" in agreement["funder"]


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
    unknown = {**agreement, "territories": ["99999"]}

    refused = [
        (await graphql.data(AGREE, {"input": bad}, token="admin-token"))["agreeCoverage"]
        for bad in (backwards, unknown)
    ]
    denied = (await graphql.data(AGREE, {"input": agreement}, token="editor-token"))[
        "agreeCoverage"
    ]

    assert [(r["code"], r["field"]) for r in refused] == [
        ("INVALID_INPUT", "input.effectiveUntil"),
        ("INVALID_INPUT", "input.territories[0]"),
    ]
    assert denied["__typename"] == "NotAuthorizedError"
    assert container.operations.recorder.max_notification_id() == head

    made = (await graphql.data(AGREE, {"input": agreement}, token="admin-token"))["agreeCoverage"]
    shorter = {"id": made["id"], "expectedVersion": 1, "effectiveUntil": "2024-03-01"}
    stale = {"id": made["id"], "expectedVersion": 7, "effectiveUntil": "2025-01-01"}
    results = [
        (await graphql.data(EXTEND, {"input": change}, token="admin-token"))["extendCoverage"]
        for change in (shorter, stale)
    ]
    assert results[0]["field"] == "input.effectiveUntil"
    assert results[1]["__typename"] == "VersionConflictError"

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

    head = container.operations.recorder.max_notification_id()
    await coverage(graphql, "65005", "PHONE", "2024-02-01", after=head)  # the view has it
    twin = {**agreement, "effectiveFrom": "2024-03-01", "effectiveUntil": None}
    other_funder = {**twin, "funder": "Centraide du Grand Montréal"}
    refused_twin = (await graphql.data(AGREE, {"input": twin}, token="admin-token"))[
        "agreeCoverage"
    ]
    accepted = (await graphql.data(AGREE, {"input": other_funder}, token="admin-token"))[
        "agreeCoverage"
    ]
    assert (refused_twin["code"], refused_twin["field"]) == ("INVALID_INPUT", "input.effectiveFrom")
    assert "overlaps agreement" in refused_twin["message"]
    assert accepted["__typename"] == "Receipt"


async def test_an_unknown_territory_is_named(graphql: GraphQLClient, history: int) -> None:
    found = await coverage(graphql, "00000", "WEB", date(2019, 1, 1).isoformat())
    assert (found["__typename"], found["field"]) == ("InvalidInputError", "territory")


async def test_a_rebuilt_coverage_projection_answers_the_same(
    graphql: GraphQLClient, container: Container, history: int
) -> None:
    async def answers() -> list[Any]:
        found = []
        for territory, channel, inside, outside in SEED_HISTORY:
            for at in (inside, outside):
                result = await coverage(graphql, territory, channel, at, after=history)
                found.append((result["covered"], result["agreements"]))
        return found

    before = await answers()
    runner = container.runners["coverage"]
    runner.stop()  # the app runs it; a rebuild needs it to itself
    runner.rebuild()
    runner.start()
    after = await answers()

    assert after == before
    assert sum(covered for covered, _ in before) == len(SEED_HISTORY)


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
        data = await graphql.data(POPULATION, {"d": day, "after": history})
        [point] = data["populationCovered"]["points"]
        found.append((point["date"], point["municipalities"], point["population"]))
    assert found == PHONE_POPULATION


async def test_covered_territories_changes_and_timeline(
    graphql: GraphQLClient, history: int
) -> None:
    data = await graphql.data(
        """
        query ($after: Int) {
          coveredTerritories(at: "2019-06-01", channel: PHONE, kind: MUNICIPALITY,
                             consistentWith: $after) {
            ... on CoveredTerritories { count population territories { code }
                                        totals { kind count population } }
          }
          lost: coverageChanges(from: "2021-12-31", to: "2022-01-01", channel: PHONE,
                                consistentWith: $after) {
            ... on CoverageChanges {
              gained { territory { code } } lost { date territory { code } }
            }
          }
          gained: coverageChanges(from: "2020-12-14", to: "2020-12-15", channel: WEB,
                                  consistentWith: $after) {
            ... on CoverageChanges { gained { territory { code } } lost { date } }
          }
          coverageTimeline(territory: "81017", channel: PHONE, consistentWith: $after) {
            ... on CoverageTimeline { intervals { from until lastCoveredDay funders } }
          }
        }
        """,
        {"after": history},
    )
    covered = data["coveredTerritories"]
    assert (covered["count"], covered["population"]) == (106, 4_198_052)
    assert {"65005", "60037", "71133", "68055"} <= {t["code"] for t in covered["territories"]}
    municipalities = next(t for t in covered["totals"] if t["kind"] == "MUNICIPALITY")
    assert municipalities["count"] == 106
    assert data["lost"]["gained"] == []
    assert len(data["lost"]["lost"]) == 365 - 106
    assert {c["date"] for c in data["lost"]["lost"]} == {"2022-01-01"}
    assert "75017" in {c["territory"]["code"] for c in data["lost"]["lost"]}
    assert len(data["gained"]["gained"]) == 394 - 106
    assert data["gained"]["lost"] == []
    intervals = data["coverageTimeline"]["intervals"]
    assert [(i["from"], i["until"], i["lastCoveredDay"]) for i in intervals] == [
        ("2020-12-15", "2022-01-01", "2021-12-31"),
        ("2023-08-28", None, None),
    ]
    assert intervals[1]["funders"] == ["Ville de Gatineau; Centraide Outaouais"]


async def test_a_backwards_span_is_named(graphql: GraphQLClient, history: int) -> None:
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
               ... on CoverageChanges { lost { territory { code } } gained { date } } }
             coverageTimeline(territory: "54048", channel: PHONE, consistentWith: $after) {
               ... on CoverageTimeline { intervals { from until } } } }""",
        {"after": position},
    )

    assert inside["covered"] is True
    assert moved_out["covered"] is False
    assert as_known_before["covered"] is True  # then, its MRC was recorded in Montérégie
    lost = {c["territory"]["code"] for c in data["coverageChanges"]["lost"]}
    assert "54048" in lost
    assert "56083" not in lost  # Saint-Jean-sur-Richelieu stayed in Montérégie
    assert data["coverageChanges"]["gained"] == []
    assert data["coverageTimeline"]["intervals"] == [{"from": "2020-12-15", "until": "2021-07-01"}]


async def test_a_move_to_an_unknown_place_is_refused(graphql: GraphQLClient, history: int) -> None:
    result = (
        await graphql.data(
            MOVE,
            {"input": {"code": "MRC-470", "parentCode": "RA-99", "effectiveFrom": "2021-07-01"}},
            token="admin-token",
        )
    )["moveTerritory"]
    assert result == {
        "__typename": "InvalidInputError",
        "field": "input.parentCode[0]",
        "message": "input.parentCode[0]: 'RA-99' is not a known territory code",
    }
