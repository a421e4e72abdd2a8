"""The shipped coverage history, loaded through the handler into the in-memory store and read
with the coverage folds: each seed paragraph, place by place and channel by channel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from domain.handlers.coverage import CoverageHandler, MoveTerritory
from domain.operations import Operations
from domain.territories import parent_on, territory_id
from infra.coverage_history import load_history
from infra.territories import load_reference
from projections import coverage, territories
from projections.base import Positioned
from projections.coverage import AgreementVersion, covering
from projections.territories import TerritorySnapshot

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# Each seed paragraph: (place, channel, a date inside the period, a date outside it).
SEED_HISTORY = [
    # Laval launches 211 in October 2016, phone and web.
    ("65005", "phone", "2016-11-15", "2016-09-30"),
    ("65005", "web", "2016-10-21", "2016-10-20"),
    # The Montréal agglomeration's directory is online from 1 January 2017: web, not phone.
    ("66023", "web", "2017-01-01", "2016-12-31"),
    ("66023", "phone", "2018-04-01", "2017-06-15"),
    ("66047", "web", "2017-03-01", "2016-12-31"),  # Montréal-Ouest, in the agglomeration
    # MRC de L'Assomption, April 2017, phone and web (L'Épiphanie too).
    ("60013", "phone", "2017-04-01", "2017-03-31"),
    ("60013", "web", "2017-04-01", "2017-03-31"),
    ("60037", "web", "2017-05-01", "2017-03-31"),
    # MRC Thérèse-De Blainville: web in October 2017, phone in December 2017.
    ("73015", "web", "2017-10-15", "2017-09-30"),
    ("73015", "phone", "2017-12-15", "2017-11-15"),
    # The whole CMM: web from 16 January 2018, phone from 1 April 2018 (Longueuil).
    ("58227", "web", "2018-01-16", "2018-01-15"),
    ("58227", "phone", "2018-04-01", "2018-03-31"),
    # MRC Vaudreuil-Soulanges (Rigaud, outside the CMM) from May 2018.
    ("71133", "phone", "2018-06-01", "2018-04-30"),
    ("71133", "web", "2018-05-01", "2018-04-30"),
    # MRC Les Jardins-de-Napierville (Saint-Rémi) from 1 November 2018.
    ("68055", "phone", "2018-11-01", "2018-10-31"),
    ("68055", "web", "2019-01-01", "2018-10-31"),
    # Four whole regions from 15 December 2020 to 31 December 2021, then back.
    ("75017", "phone", "2021-06-01", "2022-01-01"),  # Saint-Jérôme, Laurentides
    ("75017", "chat", "2021-12-31", "2020-12-14"),
    ("61025", "web", "2020-12-15", "2022-02-01"),  # Joliette, Lanaudière
    ("54048", "phone", "2021-03-31", "2022-06-01"),  # Saint-Hyacinthe, Montérégie
    ("81017", "web", "2021-04-01", "2022-01-01"),  # Gatineau, Outaouais, before 2023
    # Granby, in Montérégie until its MRC joined Estrie on 8 July 2021.
    ("47017", "phone", "2021-07-07", "2021-07-08"),
    # Gatineau alone from 28 August 2023.
    ("81017", "phone", "2023-08-28", "2023-08-27"),
    ("81017", "chat", "2024-01-01", "2023-08-27"),
]
NEVER = [("43027", "phone", "2021-06-01"), ("65005", "email", "2019-06-01"),
         ("65005", "chat", "2021-06-01")]  # fmt: skip


class Clock:
    def now(self) -> datetime:
        return AT


def read(operations: Operations) -> tuple[TerritorySnapshot, list[AgreementVersion]]:
    """The territory snapshot and the latest version of each agreement, folded from the log."""
    topics = [*territories.TOPICS, *(get_topic(cls) for cls in coverage.FACTS)]
    page = [
        Positioned(operations.mapper.to_domain_event(n), n.id)
        for n in operations.recorder.select_notifications(1, 100_000, topics=topics)
    ]
    rows = {row.code: row for row in territories.defined_rows(page)}
    codes = {row.id: row.code for row in rows.values()}
    links = [
        link
        for item in page
        if item.event.originator_id in codes
        and (link := territories.parent_link(item, codes[item.event.originator_id]))
    ]
    latest: dict[UUID, AgreementVersion] = {}
    for item in page:
        version = coverage.next_version(latest.get(item.event.originator_id), item)
        if version is not None:
            latest[version.agreement_id] = version
    return TerritorySnapshot(rows, links), list(latest.values())


@pytest.fixture(scope="module")
def shipped() -> tuple[TerritorySnapshot, list[AgreementVersion]]:
    operations = Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    load_reference(operations, Clock())
    load_history(operations, Clock())
    return read(operations)


def covered(found: tuple[TerritorySnapshot, list[AgreementVersion]], code: str, channel: str,
            day: str) -> bool:  # fmt: skip
    snapshot, agreements = found
    return bool(covering(snapshot, agreements, code, channel, date.fromisoformat(day), None))


def test_each_seed_paragraph_place_by_place(
    shipped: tuple[TerritorySnapshot, list[AgreementVersion]],
) -> None:
    wrong = [
        (code, channel, day, expected)
        for code, channel, inside, outside in SEED_HISTORY
        for day, expected in ((inside, True), (outside, False))
        if covered(shipped, code, channel, day) is not expected
    ]
    wrong += [(c, ch, d, False) for c, ch, d in NEVER if covered(shipped, c, ch, d)]

    assert wrong == []


def test_the_temporary_regions_show_their_extension(
    shipped: tuple[TerritorySnapshot, list[AgreementVersion]],
) -> None:
    snapshot, agreements = shipped

    [agreement] = covering(snapshot, agreements, "75017", "phone", date(2021, 11, 1), None) or []

    assert (agreement.effective_until, agreement.version) == (date(2022, 1, 1), 2)
    assert "Fonds d'urgence" in agreement.funder


def loaded_log() -> Operations:
    operations = Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    load_reference(operations, Clock())
    return operations


def test_a_move_corrected_by_hand_is_not_undone_by_loading_the_history_again() -> None:
    operations = loaded_log()
    load_history(operations, Clock())
    handler = CoverageHandler(operations)
    handler.move(
        MoveTerritory("MRC-470", "RA-16", date(2021, 7, 8), "correction"), actor="ana", at=AT
    )

    again = load_history(operations, Clock())

    assert (again.moves, again.refused) == (0, ())
    facts = list(operations.events.get(territory_id("MRC-470")))
    assert parent_on(facts, date(2021, 7, 8)) == "RA-16"


def test_a_move_the_log_contradicts_is_named_and_the_rest_is_loaded() -> None:
    operations = loaded_log()
    CoverageHandler(operations).move(
        MoveTerritory("MRC-460", "RA-15", date(2020, 1, 1), "by hand"), actor="ana", at=AT
    )

    loaded = load_history(operations, Clock())

    assert [refusal.split(":")[0] for refusal in loaded.refused] == [
        "the move of MRC-460 from RA-16 to RA-05 on 2021-07-08"
    ]
    assert (loaded.agreements, loaded.moves) == (11, 1)
