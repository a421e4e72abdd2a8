"""Given/When/Then on the coverage read models' folds: agreements version by version, where a
place lay on a date, what a place's coverage was, and the field history of territories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from domain.coverage import CoverageAgreement
from domain.directory import Organization
from domain.territories import Territory, TerritoryKind
from domain.values import LocalizedText
from projections import history
from projections.base import Positioned
from projections.coverage import (
    AgreementVersion,
    changes,
    covered_territories,
    covering,
    in_force,
    next_version,
    periods,
    place_codes,
    population_series,
    timeline,
)
from projections.territories import (
    TerritoryRow,
    TerritorySnapshot,
    defined_rows,
    parent_link,
    parents_at,
)

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = AT + timedelta(days=1)

# Granby lies in an MRC that moved from Montérégie to Estrie on 2021-07-08.
PLACES = [
    ("QC", TerritoryKind.PROVINCE, None, None),
    ("RA-16", TerritoryKind.REGION, "QC", None),
    ("RA-05", TerritoryKind.REGION, "QC", None),
    ("MRC-470", TerritoryKind.MRC, "RA-05", None),
    ("47017", TerritoryKind.MUNICIPALITY, "MRC-470", 70_000),
    ("54048", TerritoryKind.MUNICIPALITY, "RA-16", 58_000),
]


def fold_agreement(*facts: object) -> list[AgreementVersion]:
    versions: list[AgreementVersion] = []
    for position, fact in enumerate(facts, start=1):
        found = next_version(versions[-1] if versions else None, Positioned(fact, position))
        assert found is not None
        versions.append(found)
    return versions


def snapshot(move_recorded_at: datetime = AT) -> TerritorySnapshot:
    defined = [
        Territory.define(code, code, kind, parent, people, [], actor="geo", at=AT)
        for code, kind, parent, people in PLACES
    ]
    page = [
        Positioned(fact, position)
        for position, fact in enumerate((f for t in defined for f in t.collect_events()), 1)
    ]
    mrc = defined[3]
    mrc.move("RA-16", date(1900, 1, 1), None, actor="geo", at=move_recorded_at)
    mrc.move("RA-05", date(2021, 7, 8), None, actor="geo", at=move_recorded_at)
    page += [Positioned(f, len(page) + n) for n, f in enumerate(mrc.collect_events(), 1)]
    rows = {row.code: row for row in defined_rows(page)}
    codes = {row.id: row.code for row in rows.values()}
    links = [
        link
        for item in page
        if (link := parent_link(item, codes[item.event.originator_id])) is not None
    ]
    return TerritorySnapshot(rows, links)


def regions(until: date | None = date(2022, 1, 1)) -> list[AgreementVersion]:
    agreement = CoverageAgreement.agree(
        uuid4(), ["RA-16"], ["phone", "web"], date(2020, 12, 15), until, "Fonds", None, None,
        actor="ana", at=AT,
    )  # fmt: skip
    return fold_agreement(*agreement.collect_events())


# Agreements, version by version


def test_each_fact_gives_the_agreement_s_next_version() -> None:
    agreement = CoverageAgreement.agree(
        uuid4(), ["RA-16"], ["phone"], date(2020, 12, 15), date(2021, 4, 1), "Fonds", None,
        None, actor="ana", at=AT,
    )  # fmt: skip
    agreement.extend(date(2022, 1, 1), "extended", actor="bob", at=LATER)
    agreement.amend(["RA-16", "RA-15"], ["phone", "web"], date(2020, 12, 1), "Fonds", "P",
                    None, actor="bob", at=LATER)  # fmt: skip
    agreement.end_early(date(2021, 10, 1), None, actor="bob", at=LATER)
    agreement.cancel("in error", actor="cy", at=LATER)

    versions = fold_agreement(*agreement.collect_events())

    assert [v.fact for v in versions] == [
        "Agreed", "Extended", "Amended", "EndedEarly", "Cancelled"
    ]  # fmt: skip
    assert versions[1].effective_until == date(2022, 1, 1)
    assert (versions[2].territories, versions[2].effective_from) == (
        ["RA-16", "RA-15"], date(2020, 12, 1)
    )  # fmt: skip
    assert versions[3].effective_until == date(2021, 10, 1)
    assert (versions[4].cancelled, versions[4].actor, versions[4].reason) == (
        True, "cy", "in error"
    )  # fmt: skip
    assert [v.version for v in versions] == [1, 2, 3, 4, 5]


def test_an_agreement_covers_from_its_start_until_the_day_before_its_end() -> None:
    [version] = regions()

    assert not version.covers("phone", date(2020, 12, 14))
    assert version.covers("phone", date(2020, 12, 15))
    assert version.covers("phone", date(2021, 12, 31))
    assert not version.covers("phone", date(2022, 1, 1))
    assert not version.covers("chat", date(2021, 1, 1))
    assert in_force([version], "web", date(2021, 1, 1)) == {"RA-16"}


# Where places lay


def test_a_place_lies_where_the_link_valid_that_day_puts_it() -> None:
    found = snapshot()

    assert found.epochs == [date(1900, 1, 1), date(2021, 7, 8)]
    assert found.places_at(date(2021, 7, 7)).by_code["47017"].ancestors == (
        "MRC-470", "RA-16", "QC"
    )  # fmt: skip
    assert found.places_at(date(2021, 7, 8)).by_code["47017"].ancestors == (
        "MRC-470", "RA-05", "QC"
    )  # fmt: skip


def test_as_known_before_a_move_was_recorded_the_place_lay_where_it_was_defined() -> None:
    found = snapshot(move_recorded_at=LATER)

    places = found.places_at(date(2021, 1, 1), known_at=AT)

    assert places.by_code["47017"].ancestors == ("MRC-470", "RA-05", "QC")


def test_of_two_links_from_the_same_day_the_later_recorded_wins() -> None:
    links = [
        parent_link(Positioned(fact, position), "X")
        for position, fact in enumerate(_moves_of_x(), start=1)
    ]

    assert parents_at([k for k in links if k is not None], date(2021, 1, 1)) == {"X": "B"}
    assert parents_at([k for k in links if k is not None], None) == {"X": "B"}


def _moves_of_x() -> list[object]:
    x = Territory.define("X", "X", TerritoryKind.MRC, "A", None, [], actor="g", at=AT)
    x.move("C", date(2021, 1, 1), None, actor="g", at=AT)
    x.move("B", date(2021, 1, 1), None, actor="g", at=AT)
    return list(x.collect_events())


# Coverage of places


def test_a_place_is_covered_by_agreements_naming_it_or_a_place_it_lay_in_that_day() -> None:
    found, agreements = snapshot(), regions()

    before = covering(found, agreements, "47017", "phone", date(2021, 7, 7), None)
    after = covering(found, agreements, "47017", "phone", date(2021, 7, 8), None)

    assert before == agreements
    assert after == []
    assert covering(found, agreements, "nowhere", "phone", date(2021, 1, 1), None) is None
    assert place_codes(found, "47017", date(2021, 1, 1), None) == [
        "47017", "MRC-470", "RA-16", "QC"
    ]  # fmt: skip


def test_a_place_known_now_but_not_then_was_covered_by_nothing_known() -> None:
    found = snapshot()

    assert place_codes(found, "47017", date(2021, 1, 1), AT - timedelta(days=1)) == []


def test_covered_territories_list_the_kind_asked_and_total_every_kind() -> None:
    covered = covered_territories(
        snapshot(), regions(), "phone", date(2021, 1, 1), "municipality", None
    )

    assert [p.code for p in covered.places] == ["47017", "54048"]
    assert covered.population == 128_000
    assert [(t.kind, t.count) for t in covered.totals] == [
        ("mrc", 1), ("municipality", 2), ("region", 1)
    ]  # fmt: skip


def test_the_population_series_follows_agreements_and_moves() -> None:
    days = [date(2020, 12, 14), date(2020, 12, 15), date(2021, 7, 8), date(2022, 1, 1)]

    series = population_series(snapshot(), regions(), "phone", days, None)

    assert [(p.people, p.municipalities) for p in series] == [
        (0, 0), (128_000, 2), (58_000, 1), (0, 0)
    ]  # fmt: skip


def test_timeline_and_changes_follow_the_hierarchy_of_each_day() -> None:
    found, agreements = snapshot(), regions()

    intervals = timeline("47017", found.places_at, found.epochs, agreements, "phone")
    moved = changes(
        found.places_at, found.epochs, agreements, "phone", date(2021, 7, 7), date(2021, 7, 8),
        "municipality",
    )  # fmt: skip

    assert [(i.start, i.end) for i in intervals] == [(date(2020, 12, 15), date(2021, 7, 8))]
    assert [(c.day, c.place.code, c.gained) for c in moved] == [
        (date(2021, 7, 8), "47017", False)
    ]  # fmt: skip


def test_periods_start_on_the_first_day_of_each_granule() -> None:
    assert periods(date(2020, 11, 15), date(2021, 2, 1), "month") == [
        date(2020, 11, 15), date(2020, 12, 1), date(2021, 1, 1), date(2021, 2, 1)
    ]  # fmt: skip
    assert periods(date(2020, 6, 1), date(2022, 1, 1), "year") == [
        date(2020, 6, 1), date(2021, 1, 1), date(2022, 1, 1)
    ]  # fmt: skip
    assert len(periods(date(2020, 1, 1), date(2020, 1, 31), "day")) == 31


# Field history


def test_history_lists_the_fields_a_fact_changed_from_what_to_what() -> None:
    organization = Organization.register(
        uuid4(), LocalizedText("Centre", "Centre"), LocalizedText("", ""), None, actor="e", at=AT
    )
    organization.rename(LocalizedText("Centre", "Center"), reason="typo", actor="f", at=LATER)
    current: dict[tuple[object, str], object] = {}

    registered, renamed = (
        history.changes(Positioned(fact, n), current)  # type: ignore[arg-type]
        for n, fact in enumerate(organization.collect_events(), start=1)
    )

    assert {c.field for c in registered} >= {"name.fr", "name.en", "status"}
    assert "website" not in {c.field for c in registered}  # None, as it was: no change
    [change] = renamed
    assert (change.field, change.previous, change.replacement) == ("name.en", "Centre", "Center")
    assert (change.actor, change.reason, change.version, change.position) == ("f", "typo", 2, 2)


def test_history_of_a_territory_starts_with_its_definition() -> None:
    laval = Territory.define(
        "65005", "Laval", TerritoryKind.MUNICIPALITY, "TE-65", 1, ["CMM"], actor="g", at=AT
    )
    [defined] = laval.collect_events()

    found = history.changes(Positioned(defined, 1), {})

    assert {c.field: c.replacement for c in found}["groupings"] == ["CMM"]
    assert all(c.previous is None for c in found)


def test_territory_rows_hold_what_their_definition_says() -> None:
    laval = Territory.define(
        "65005", "Laval", TerritoryKind.MUNICIPALITY, "TE-65", 1, ["CMM"], actor="g", at=AT
    )
    [row] = defined_rows([Positioned(fact, 9) for fact in laval.collect_events()])

    assert row == TerritoryRow(
        code="65005", id=laval.id, name="Laval", kind="municipality", parent_code="TE-65",
        population=1, groupings=["CMM"], ancestors=[], position=9,
    )  # fmt: skip
