"""Coverage agreements and the territory hierarchy: every write of the area, from GraphQL, the
CLI and the shipped history alike.

The overlap rule (a funder's live agreements may not share a territory and a channel over
overlapping periods) is checked here only, for a new agreement, an amendment and an extension,
against the agreements loaded from the log. It is made safe under concurrency by a guard
aggregate per funder, `CoverageLedger`, saved in the same transaction as the agreement: two
requests checked at once both write the ledger's next version, the store refuses the second,
and that one is checked again against the first, after a short random wait (so that many
requests for one funder at once all get their turn), for up to `PATIENCE` seconds; past it,
`Contended` says to send the request again. We chose it over a
lock because it needs nothing the event store does not already give, works the same on the
in-memory store, holds across API processes, and leaves in the log which agreements each
check saw. A funder's ledger is opened on its first checked fact with the agreements of that
funder already in the log, found by reading the log's agreement facts: agreements made before
ledgers existed (earlier versions, the loaded history) are still found.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain import limits
from domain.coverage import CoverageAgreement, CoverageLedger, funder_key, ledger_id
from domain.errors import Contended, InvalidInput, NotFound, VersionConflict
from domain.moments import EARLIEST
from domain.operations import Operations, Receipt
from domain.territories import Territory, TerritorySpec, parent_on, territory_id
from domain.text import check

# How long, and how many times at most, a check of one funder's agreements is tried again
# after other requests saved first; the waits between tries grow from the first to the longest,
# each drawn at random below its bound so that requests that collided do not collide again.
PATIENCE = 2.0
ATTEMPTS = 60
_FIRST_WAIT, _LONGEST_WAIT = 0.004, 0.1
_FUNDER_TOPICS = [get_topic(CoverageAgreement.Agreed), get_topic(CoverageAgreement.Amended)]
_PAGE = 1_000
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AgreeCoverage:
    id: UUID
    territories: tuple[str, ...]
    channels: tuple[str, ...]
    effective_from: date
    effective_until: date | None
    funder: str
    programme: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ExtendCoverage:
    id: UUID
    expected_version: int
    effective_until: date | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class EndCoverageEarly:
    id: UUID
    expected_version: int
    effective_until: date
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AmendCoverage:
    id: UUID
    expected_version: int
    territories: tuple[str, ...]
    channels: tuple[str, ...]
    effective_from: date
    funder: str
    programme: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CancelCoverage:
    id: UUID
    expected_version: int
    reason: str


@dataclass(frozen=True, slots=True)
class MoveTerritory:
    """`previous_parent_code`, when the source names it, is where the territory lay until
    `effective_from`: the move is then recorded once, and is true of the days before too."""

    code: str
    parent_code: str
    effective_from: date
    reason: str | None = None
    previous_parent_code: str | None = None


@dataclass(frozen=True, slots=True)
class MergeTerritory:
    code: str
    target_code: str
    effective_from: date
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RenameTerritory:
    code: str
    name: str
    effective_from: date
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class DefineTerritories:
    territories: tuple[TerritorySpec, ...]


@dataclass(frozen=True, slots=True)
class Defined:
    """Territories defined by a `DefineTerritories`, and the log position after them."""

    new: int
    position: int


class CoverageHandler:
    def __init__(self, operations: Operations, *, patience: float = PATIENCE) -> None:
        self.operations = operations
        self.patience = patience

    # Agreements

    def agree(self, command: AgreeCoverage, *, actor: str, at: datetime) -> Receipt:
        def made() -> CoverageAgreement:
            agreement = CoverageAgreement.agree(
                command.id, list(command.territories), list(command.channels),
                command.effective_from, command.effective_until, command.funder,
                command.programme, command.reason, actor=actor, at=at,
            )  # fmt: skip
            self.operations.require_territories(tuple(agreement.territories), "territories")
            return agreement

        return self._checked(made, actor=actor, at=at, new=True)

    def extend(self, command: ExtendCoverage, *, actor: str, at: datetime) -> Receipt:
        def extended() -> CoverageAgreement:
            agreement = self._agreement(command.id, command.expected_version)
            agreement.extend(command.effective_until, command.reason, actor=actor, at=at)
            return agreement

        return self._checked(extended, actor=actor, at=at, field="effectiveUntil")

    def amend(self, command: AmendCoverage, *, actor: str, at: datetime) -> Receipt:
        codes = list(command.territories)
        limits.bounded("territories", codes, limits.AGREEMENT_TERRITORIES_MAX)

        def amended() -> CoverageAgreement:
            agreement = self._agreement(command.id, command.expected_version)
            agreement.amend(
                codes, list(command.channels), command.effective_from, command.funder,
                command.programme, command.reason, actor=actor, at=at,
            )  # fmt: skip
            self.operations.require_territories(tuple(agreement.territories), "territories")
            return agreement

        return self._checked(amended, actor=actor, at=at)

    def end_early(self, command: EndCoverageEarly, *, actor: str, at: datetime) -> Receipt:
        # A shorter period cannot make an overlap: no ledger to write.
        agreement = self._agreement(command.id, command.expected_version)
        agreement.end_early(command.effective_until, command.reason, actor=actor, at=at)
        return self._save(agreement)

    def cancel(self, command: CancelCoverage, *, actor: str, at: datetime) -> Receipt:
        agreement = self._agreement(command.id, command.expected_version)
        agreement.cancel(command.reason, actor=actor, at=at)
        return self._save(agreement)

    def version_of(self, id: UUID) -> int:
        """The agreement's version; 0 when it was never recorded."""
        try:
            return int(self.operations.repository.get(id).version)
        except AggregateNotFoundError:
            return 0

    def _agreement(self, id: UUID, expected_version: int | None) -> CoverageAgreement:
        try:
            agreement: Aggregate = self.operations.repository.get(id)
        except AggregateNotFoundError:
            raise NotFound(CoverageAgreement.kind, id) from None
        if not isinstance(agreement, CoverageAgreement):
            raise NotFound(CoverageAgreement.kind, id)
        if expected_version is not None and agreement.version != expected_version:
            raise VersionConflict(id, expected_version, agreement.version)
        return agreement

    def _checked(
        self, change: Callable[[], CoverageAgreement], *, actor: str, at: datetime,
        new: bool = False, field: str = "effectiveFrom",
    ) -> Receipt:  # fmt: skip
        """Makes the change, checks it against the funder's other agreements, and saves it
        with the funder's ledger; made and checked again when another check saved first.
        An overlap is refused on `field`, the one the change moved."""
        deadline = time.monotonic() + self.patience
        for attempt in range(ATTEMPTS):
            if attempt:
                bound = min(_LONGEST_WAIT, _FIRST_WAIT * 2**attempt)
                wait = random.uniform(0, bound)  # noqa: S311 (a spread of waits, not a secret)
                if time.monotonic() + wait > deadline:
                    break
                time.sleep(wait)
            agreement = change()
            expected = agreement.version - len(agreement.pending_events)
            ledger = self._ledger(agreement.funder, actor=actor, at=at)
            for other_id in ledger.agreements:
                if other_id == agreement.id:
                    continue
                other = self._agreement(other_id, None)
                if agreement.overlaps(other):
                    raise InvalidInput(
                        field,
                        f"overlaps agreement {other.id} of the same funder from "
                        f"{other.effective_from} on {', '.join(other.channels)}; "
                        "extend or amend it",
                    )
            ledger.note(agreement.id, actor=actor, at=at)
            try:
                return self._receipt(agreement, self.operations.save(agreement, ledger))
            except IntegrityError:
                current = self.version_of(agreement.id)
                if current != expected:
                    if new:
                        raise InvalidInput("id", f"{agreement.id} is already recorded") from None
                    raise VersionConflict(agreement.id, expected, current) from None
        raise Contended(
            agreement.id,
            expected,
            f"other changes to the agreements of {agreement.funder} were saved at the same time, "
            f"{attempt + 1} times in a row; nothing was written. Send the request again.",
        )

    def _ledger(self, funder: str, *, actor: str, at: datetime) -> CoverageLedger:
        try:
            ledger: Aggregate = self.operations.repository.get(ledger_id(funder))
        except AggregateNotFoundError:
            return CoverageLedger.open(funder, self._in_log(funder), actor=actor, at=at)
        assert isinstance(ledger, CoverageLedger)
        return ledger

    def _in_log(self, funder: str) -> list[UUID]:
        """Every agreement the log shows with this funder at some version."""
        recorder, mapper = self.operations.recorder, self.operations.mapper
        found: list[UUID] = []
        key, start = funder_key(funder), 1
        while True:
            page = recorder.select_notifications(start, _PAGE, topics=_FUNDER_TOPICS)
            for notification in page:
                fact = mapper.to_domain_event(notification)
                if funder_key(fact.funder) == key:  # type: ignore[attr-defined]
                    found.append(fact.originator_id)
            if len(page) < _PAGE:
                return list(dict.fromkeys(found))
            start = page[-1].id + 1

    # Territories

    def define(self, command: DefineTerritories, *, actor: str, at: datetime) -> Defined:
        """Defines the territories not defined yet, in the order given; saved in chunks, in
        order: after an interruption, running it again completes the set."""
        repository = self.operations.repository
        new = [
            Territory.define(
                spec.code,
                spec.name,
                spec.kind,
                spec.parent_code,
                spec.population,
                list(spec.groupings),
                actor=actor,
                at=at,
            )
            for spec in command.territories
            if territory_id(spec.code) not in repository
        ]
        return Defined(len(new), self.operations.save_in_chunks(new))

    def move(self, command: MoveTerritory, *, actor: str, at: datetime) -> Receipt:
        day, parent = command.effective_from, command.parent_code
        before = command.previous_parent_code
        territory = self._territory(command.code, ("parentCode", parent))
        if before is None:
            territory.move(parent, day, command.reason, actor=actor, at=at)
            return self._save(territory)
        self._known("previousParentCode", before)
        facts = list(self.operations.events.get(territory.id))
        if parent_on(facts, day - _DAY) == before and parent_on(facts, day) == parent:
            return self._save(territory)  # recorded already: nothing to write
        if parent_on(facts, day - _DAY) != before:
            if any(isinstance(f, Territory.Moved | Territory.MergedInto) for f in facts[1:]):
                raise InvalidInput(
                    "previousParentCode",
                    f"the log does not place {territory.code} in {before} before {day}",
                )
            # Its definition holds since always; the source says where it lay before.
            territory.move(before, EARLIEST, command.reason, actor=actor, at=at)
        territory.move(parent, day, command.reason, actor=actor, at=at)
        return self._save(territory)

    def merge(self, command: MergeTerritory, *, actor: str, at: datetime) -> Receipt:
        territory = self._territory(command.code, ("targetCode", command.target_code))
        territory.merge_into(
            command.target_code, command.effective_from, command.reason, actor=actor, at=at
        )
        return self._save(territory)

    def rename(self, command: RenameTerritory, *, actor: str, at: datetime) -> Receipt:
        territory = self._territory(command.code, None)
        territory.rename(command.name, command.effective_from, command.reason, actor=actor, at=at)
        return self._save(territory)

    def _territory(self, code: str, refers_to: tuple[str, str] | None) -> Territory:
        """The territory `code`, and the one it refers to (the field that gave it, and its
        code) known too. Territory changes are rare corrections by one role: the latest one
        recorded wins, so no expected version is asked for."""
        self._known("code", code)
        if refers_to is not None:
            self._known(*refers_to)
        territory: Aggregate = self.operations.repository.get(territory_id(code))
        assert isinstance(territory, Territory)
        return territory

    def _known(self, field: str, code: str) -> None:
        check(field, code, max_length=limits.CODE_MAX)
        self.operations.require_territories((code,), field)

    def _save(self, aggregate: Aggregate) -> Receipt:
        expected = aggregate.version - len(aggregate.pending_events)
        try:
            return self._receipt(aggregate, self.operations.save(aggregate))
        except IntegrityError:
            current = int(self.operations.repository.get(aggregate.id).version)
            raise VersionConflict(aggregate.id, expected, current) from None

    def _receipt(self, aggregate: Aggregate, recordings: Sequence[object]) -> Receipt:
        positions = [r.notification.id for r in recordings]  # type: ignore[attr-defined]
        if not positions:
            return Receipt(aggregate.id, aggregate.version, self._head())
        return Receipt(aggregate.id, aggregate.version, max(positions))

    def _head(self) -> int:
        return self.operations.recorder.max_notification_id() or 0
