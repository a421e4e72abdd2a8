"""Given/When/Then on the coverage handler, with the event store's in-memory recorder: every
rule of agreements and of the territory hierarchy, whatever the entry point."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from domain.coverage import CoverageAgreement, CoverageLedger, ledger_id
from domain.errors import Contended, InvalidInput, NotFound, VersionConflict
from domain.handlers.coverage import (
    AgreeCoverage,
    AmendCoverage,
    CancelCoverage,
    CoverageHandler,
    DefineTerritories,
    EndCoverageEarly,
    ExtendCoverage,
    MergeTerritory,
    MoveTerritory,
    RenameTerritory,
)
from domain.moments import EARLIEST
from domain.operations import Operations
from domain.territories import Territory, TerritoryKind, TerritorySpec, parent_on, territory_id
from infra.coverage_history import load_history
from infra.territories import load_reference

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PLACES = (
    TerritorySpec("QC", "Québec", TerritoryKind.PROVINCE, None, None),
    TerritorySpec("RA-16", "Montérégie", TerritoryKind.REGION, "QC", None),
    TerritorySpec("RA-05", "Estrie", TerritoryKind.REGION, "QC", None),
    TerritorySpec("MRC-470", "La Haute-Yamaska", TerritoryKind.MRC, "RA-05", None),
    TerritorySpec("47017", "Granby", TerritoryKind.MUNICIPALITY, "MRC-470", 70_823),
    TerritorySpec("65005", "Laval", TerritoryKind.MUNICIPALITY, "QC", 446_369),
)


class FixedClock:
    def now(self) -> datetime:
        return AT


@pytest.fixture
def operations() -> Operations:
    return Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def handler(operations: Operations) -> CoverageHandler:
    handler = CoverageHandler(operations)
    handler.define(DefineTerritories(PLACES), actor="geo", at=AT)
    return handler


def laval(**changes: object) -> AgreeCoverage:
    fields: dict[str, object] = {
        "id": uuid4(), "territories": ("65005",), "channels": ("phone",),
        "effective_from": date(2024, 1, 1), "effective_until": date(2024, 6, 1),
        "funder": "Ville de Laval",
    }  # fmt: skip
    fields.update(changes)
    return AgreeCoverage(**fields)  # type: ignore[arg-type]


def head(operations: Operations) -> int:
    return operations.recorder.max_notification_id() or 0


def facts(operations: Operations, id: UUID) -> list[object]:
    return list(operations.events.get(id))


# Agreements


def test_an_agreement_is_recorded_with_who_and_when(
    handler: CoverageHandler, operations: Operations
) -> None:
    command = laval(channels=("WEB", "phone"))

    receipt = handler.agree(command, actor="ana", at=AT)

    [agreed] = facts(operations, command.id)
    assert isinstance(agreed, CoverageAgreement.Agreed)
    assert (agreed.actor, agreed.timestamp, agreed.channels) == ("ana", AT, ["phone", "web"])
    assert (receipt.id, receipt.version, receipt.position) == (command.id, 1, head(operations))


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (laval(territories=("65005", "99999")), "territories[1]"),
        (laval(effective_until=date(2023, 6, 1)), "effectiveUntil"),
        (laval(channels=("fax",)), "channels[0]"),
        (laval(funder=" "), "funder"),
    ],
)
def test_a_malformed_agreement_names_the_field_and_writes_nothing(
    handler: CoverageHandler, operations: Operations, command: AgreeCoverage, field: str
) -> None:
    before = head(operations)

    with pytest.raises(InvalidInput) as refused:
        handler.agree(command, actor="ana", at=AT)

    assert refused.value.field == field
    assert head(operations) == before


@pytest.mark.parametrize(
    "twin",
    [
        laval(effective_from=date(2024, 5, 1), effective_until=None),
        laval(funder="VILLE DE LAVAL", effective_from=date(2023, 1, 1)),
        laval(territories=("QC", "65005"), channels=("web", "phone")),
    ],
)
def test_an_agreement_overlapping_one_of_the_same_funder_is_refused(
    handler: CoverageHandler, operations: Operations, twin: AgreeCoverage
) -> None:
    first = laval()
    handler.agree(first, actor="ana", at=AT)
    before = head(operations)

    with pytest.raises(InvalidInput, match=f"overlaps agreement {first.id}") as refused:
        handler.agree(twin, actor="ana", at=AT)

    assert refused.value.field == "effectiveFrom"
    assert head(operations) == before


@pytest.mark.parametrize(
    "neighbour",
    [
        laval(funder="Centraide"),
        laval(channels=("web",)),
        laval(territories=("47017",)),
        laval(effective_from=date(2024, 6, 1), effective_until=None),  # the day the first ends
        laval(effective_from=date(2023, 1, 1), effective_until=date(2024, 1, 1)),
    ],
)
def test_agreements_that_share_no_day_territory_channel_or_funder_may_coexist(
    handler: CoverageHandler, neighbour: AgreeCoverage
) -> None:
    handler.agree(laval(), actor="ana", at=AT)

    receipt = handler.agree(neighbour, actor="ana", at=AT)

    assert receipt.version == 1


def test_a_cancelled_agreement_no_longer_blocks_another(handler: CoverageHandler) -> None:
    first = laval()
    handler.agree(first, actor="ana", at=AT)
    handler.cancel(CancelCoverage(first.id, 1, "recorded in error"), actor="ana", at=AT)

    assert handler.agree(laval(), actor="ana", at=AT).version == 1


def test_an_agreement_recorded_before_ledgers_existed_is_still_found(
    handler: CoverageHandler, operations: Operations
) -> None:
    # Given an agreement saved by an earlier version, with no ledger of its funder.
    earlier = CoverageAgreement.agree(
        uuid4(), ["65005"], ["phone"], date(2024, 1, 1), None, "Ville de Laval", None, None,
        actor="ana", at=AT,
    )  # fmt: skip
    operations.save(earlier)
    assert ledger_id("Ville de Laval") not in operations.repository

    with pytest.raises(InvalidInput, match=f"overlaps agreement {earlier.id}"):
        handler.agree(laval(), actor="ana", at=AT)


def test_two_requests_that_read_the_same_ledger_conflict_on_its_version(
    handler: CoverageHandler, operations: Operations
) -> None:
    handler.agree(laval(), actor="ana", at=AT)
    # Given two requests that read the funder's ledger at the same version.
    first: CoverageLedger = operations.repository.get(ledger_id("Ville de Laval"))
    second: CoverageLedger = operations.repository.get(ledger_id("Ville de Laval"))
    first.note(uuid4(), actor="ana", at=AT)
    second.note(uuid4(), actor="bob", at=AT)
    operations.save(first)

    with pytest.raises(IntegrityError):
        operations.save(second)


class Rivalled(Operations):
    """A store where another request saves the funder's ledger just before every save."""

    def save(self, *aggregates: Any, **kwargs: Any) -> Any:
        for aggregate in aggregates:
            if isinstance(aggregate, CoverageLedger) and aggregate.id in self.repository:
                rival: CoverageLedger = self.repository.get(aggregate.id)
                rival.note(rival.agreements[0], actor="bob", at=AT)
                super().save(rival)
        return super().save(*aggregates, **kwargs)


def test_a_check_that_keeps_losing_to_others_writes_nothing_and_says_to_send_it_again() -> None:
    # Given a funder whose ledger another request saves before each of this one's saves.
    operations = Rivalled(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    handler = CoverageHandler(operations, patience=0.05)
    handler.define(DefineTerritories(PLACES), actor="geo", at=AT)
    handler.agree(laval(channels=("web",)), actor="bob", at=AT)
    command = laval()

    # When an agreement is made, Then it is refused after a few tries, naming no internal record.
    with pytest.raises(Contended, match="Send the request again") as refused:
        handler.agree(command, actor="ana", at=AT)
    assert str(ledger_id("Ville de Laval")) not in refused.value.message
    assert (refused.value.id, refused.value.version) == (command.id, 0)
    assert command.id not in operations.repository


def test_an_amendment_that_would_overlap_is_refused(
    handler: CoverageHandler, operations: Operations
) -> None:
    handler.agree(laval(), actor="ana", at=AT)
    later = laval(effective_from=date(2024, 6, 1), effective_until=None)
    handler.agree(later, actor="ana", at=AT)
    before = head(operations)

    amend = AmendCoverage(later.id, 1, ("65005",), ("phone",), date(2024, 3, 1), "Ville de Laval")
    with pytest.raises(InvalidInput, match="overlaps agreement") as refused:
        handler.amend(amend, actor="ana", at=AT)

    assert refused.value.field == "effectiveFrom"
    assert head(operations) == before


def test_an_amendment_to_another_funder_is_checked_against_that_funder(
    handler: CoverageHandler,
) -> None:
    handler.agree(laval(funder="Centraide", effective_until=None), actor="ana", at=AT)
    mine = laval()
    handler.agree(mine, actor="ana", at=AT)

    with pytest.raises(InvalidInput, match="overlaps agreement"):
        handler.amend(
            AmendCoverage(mine.id, 1, ("65005",), ("phone",), date(2024, 1, 1), "centraide"),
            actor="ana", at=AT,
        )  # fmt: skip


def test_an_amendment_names_an_unknown_territory(handler: CoverageHandler) -> None:
    mine = laval()
    handler.agree(mine, actor="ana", at=AT)

    with pytest.raises(InvalidInput) as refused:
        handler.amend(
            AmendCoverage(mine.id, 1, ("65005", "RA-77"), ("phone",), date(2024, 1, 1), "L"),
            actor="ana", at=AT,
        )  # fmt: skip

    assert refused.value.field == "territories[1]"


def test_an_extension_that_would_overlap_is_refused(handler: CoverageHandler) -> None:
    first = laval()
    handler.agree(first, actor="ana", at=AT)
    handler.agree(laval(effective_from=date(2024, 9, 1), effective_until=None), actor="a", at=AT)

    handler.extend(ExtendCoverage(first.id, 1, date(2024, 9, 1)), actor="ana", at=AT)
    with pytest.raises(InvalidInput, match="overlaps agreement") as refused:
        handler.extend(ExtendCoverage(first.id, 2, date(2024, 9, 2)), actor="ana", at=AT)
    assert refused.value.field == "effectiveUntil"


def test_extending_and_ending_early_move_the_end(
    handler: CoverageHandler, operations: Operations
) -> None:
    mine = laval()
    handler.agree(mine, actor="ana", at=AT)

    handler.extend(ExtendCoverage(mine.id, 1, date(2025, 1, 1), "renewed"), actor="a", at=AT)
    receipt = handler.end_early(EndCoverageEarly(mine.id, 2, date(2024, 10, 1)), actor="a", at=AT)

    agreement: CoverageAgreement = operations.repository.get(mine.id)
    assert (receipt.version, agreement.effective_until) == (3, date(2024, 10, 1))
    with pytest.raises(InvalidInput, match="ends after the current end"):
        handler.extend(ExtendCoverage(mine.id, 3, date(2024, 9, 1)), actor="a", at=AT)
    with pytest.raises(InvalidInput, match="before the current end"):
        handler.end_early(EndCoverageEarly(mine.id, 3, date(2024, 11, 1)), actor="a", at=AT)


def test_a_cancelled_agreement_cannot_change_and_a_cancellation_needs_a_reason(
    handler: CoverageHandler,
) -> None:
    mine = laval()
    handler.agree(mine, actor="ana", at=AT)
    with pytest.raises(InvalidInput) as no_reason:
        handler.cancel(CancelCoverage(mine.id, 1, ""), actor="ana", at=AT)
    handler.cancel(CancelCoverage(mine.id, 1, "recorded in error"), actor="ana", at=AT)

    with pytest.raises(InvalidInput, match="cancelled") as refused:
        handler.extend(ExtendCoverage(mine.id, 2, None), actor="ana", at=AT)

    assert no_reason.value.field == "reason"
    assert refused.value.field == "id"


def test_a_stale_version_or_an_unknown_agreement_writes_nothing(
    handler: CoverageHandler, operations: Operations
) -> None:
    mine = laval()
    handler.agree(mine, actor="ana", at=AT)
    before = head(operations)

    with pytest.raises(VersionConflict) as stale:
        handler.extend(ExtendCoverage(mine.id, 7, date(2025, 1, 1)), actor="ana", at=AT)
    with pytest.raises(NotFound):
        handler.cancel(CancelCoverage(uuid4(), 1, "no such"), actor="ana", at=AT)

    assert (stale.value.expected_version, stale.value.current_version) == (7, 1)
    assert head(operations) == before


# Territories


def test_defining_territories_defines_only_the_new_ones(
    handler: CoverageHandler, operations: Operations
) -> None:
    more = (*PLACES, TerritorySpec("46080", "Cowansville", TerritoryKind.MUNICIPALITY, "QC", 1))

    defined = handler.define(DefineTerritories(more), actor="geo", at=AT)

    assert (defined.new, defined.position) == (1, head(operations))
    assert territory_id("46080") in operations.repository


def test_a_move_is_dated_and_its_places_must_be_known(
    handler: CoverageHandler, operations: Operations
) -> None:
    handler.move(MoveTerritory("47017", "RA-16", date(2021, 1, 1)), actor="geo", at=AT)

    granby = facts(operations, territory_id("47017"))
    assert parent_on(granby, date(2020, 12, 31)) == "MRC-470"
    assert parent_on(granby, date(2021, 1, 1)) == "RA-16"
    for command, field in (
        (MoveTerritory("99999", "RA-16", date(2021, 1, 1)), "code[0]"),
        (MoveTerritory("47017", "RA-99", date(2021, 1, 1)), "parentCode[0]"),
        (MoveTerritory("47017", "RA-16", date(2021, 1, 1)), "parentCode"),  # already there
        (MoveTerritory("47017", "47017", date(2021, 1, 1)), "parentCode"),
    ):
        with pytest.raises(InvalidInput) as refused:
            handler.move(command, actor="geo", at=AT)
        assert refused.value.field == field


def test_a_move_from_a_named_place_is_true_of_the_days_before_and_recorded_once(
    handler: CoverageHandler, operations: Operations
) -> None:
    # Given a territory defined with its place of today.
    move = MoveTerritory(
        "MRC-470", "RA-05", date(2021, 7, 8), "to Estrie", previous_parent_code="RA-16"
    )

    handler.move(move, actor="geo", at=AT)
    position = head(operations)
    again = handler.move(move, actor="geo", at=AT)

    mrc = facts(operations, territory_id("MRC-470"))
    assert [type(f) for f in mrc] == [Territory.Defined, Territory.Moved, Territory.Moved]
    assert parent_on(mrc, EARLIEST) == parent_on(mrc, date(2021, 7, 7)) == "RA-16"
    assert parent_on(mrc, date(2021, 7, 8)) == "RA-05"
    assert again.position == position == head(operations)


def test_a_named_previous_place_that_contradicts_the_log_is_refused(
    handler: CoverageHandler,
) -> None:
    handler.move(MoveTerritory("MRC-470", "RA-16", date(2010, 1, 1)), actor="geo", at=AT)

    with pytest.raises(InvalidInput) as refused:
        handler.move(
            MoveTerritory("MRC-470", "RA-05", date(2021, 7, 8), previous_parent_code="QC"),
            actor="geo", at=AT,
        )  # fmt: skip

    assert refused.value.field == "previousParentCode"


def test_a_merged_territory_cannot_be_renamed(handler: CoverageHandler) -> None:
    handler.rename(RenameTerritory("47017", "Granby (ville)", date(2020, 1, 1)), actor="g", at=AT)
    handler.merge(MergeTerritory("47017", "MRC-470", date(2022, 1, 1)), actor="g", at=AT)

    with pytest.raises(InvalidInput, match="was merged into MRC-470"):
        handler.rename(RenameTerritory("47017", "Granby", date(2023, 1, 1)), actor="g", at=AT)
    with pytest.raises(InvalidInput) as unknown:
        handler.merge(MergeTerritory("47017", "nowhere", date(2022, 1, 1)), actor="g", at=AT)
    assert unknown.value.field == "targetCode[0]"


# The shipped history


def test_the_shipped_history_places_granby_in_monteregie_until_july_2021_once(
    operations: Operations,
) -> None:
    load_reference(operations, FixedClock())

    recorded = load_history(operations, FixedClock())
    position = head(operations)
    again = load_history(operations, FixedClock())

    for mrc in ("MRC-460", "MRC-470"):
        found = facts(operations, territory_id(mrc))
        assert parent_on(found, date(2021, 7, 7)) == "RA-16"
        assert parent_on(found, date(2021, 7, 8)) == "RA-05"
    assert (recorded.agreements, recorded.moves, recorded.refused) == (11, 2, ())
    assert (again.agreements, again.moves, again.refused) == (0, 0, ())
    assert head(operations) == position


@pytest.mark.parametrize(
    "lookalike",
    [
        "\uff36ille de Laval",
        "Ville\u200b de Laval",
        "VILLE  DE\u00a0LAVAL",
        "Ville de La\u00advaL",
        "Ville de L\u00e1val",
        "Ville de La\u034fval",
        "Ville de Lava\ufe0fl",
        "Ville\u3164de Laval",
    ],
    ids=[
        "fullwidth",
        "zero-width space",
        "case and spaces",
        "soft hyphen",
        "accent",
        "grapheme joiner",
        "variation selector",
        "filler",
    ],
)
def test_a_funder_written_with_lookalike_characters_is_the_same_funder(
    handler: CoverageHandler, lookalike: str
) -> None:
    # Given an agreement of Ville de Laval.
    first = handler.agree(laval(), actor="ana", at=AT)

    # When the same funder, written with other characters that read the same, agrees again.
    # Then it is checked against the first one, on the same ledger.
    with pytest.raises(InvalidInput, match=f"overlaps agreement {first.id}"):
        handler.agree(laval(funder=lookalike), actor="ana", at=AT)
    assert ledger_id(lookalike) == ledger_id("Ville de Laval")


def test_typographic_apostrophes_and_dashes_are_the_plain_ones_and_letters_still_count() -> None:
    assert ledger_id("MRC de L\u2019Assomption") == ledger_id("MRC de L'Assomption")
    assert ledger_id("Centraide\u2013Laval") == ledger_id("Centraide-Laval")
    assert ledger_id("Fondation L\u00e9a") == ledger_id("Fondation Lea")
    assert ledger_id("Fondation L\u00e9a") != ledger_id("Fondation L\u00e9o")
