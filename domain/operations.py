"""The application: commands that load aggregates, decide, and save their facts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProjectorFunction,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment, EnvType

from domain.catalog import AGGREGATES
from domain.coverage import CoverageAgreement
from domain.errors import InvalidInput, NotFound, VersionConflict
from domain.interactions import CONFIDENTIAL, Interaction
from domain.snapshots import INTERVAL, Snapshot
from domain.territories import Territory, TerritoryKind, territory_id
from domain.transcodings import TRANSCODINGS

R = TypeVar("R", bound=Aggregate)
T = TypeVar("T")

# Records per save when a command writes many: one very large insert can stall the
# database driver's pipeline, while saves of a few hundred records are fastest.
SAVE_CHUNK = 200


@dataclass(frozen=True)
class Receipt:
    """What a command wrote: the record, its new version, and the log position of its last fact."""

    id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class Logged:
    """A contact logged whole; `replayed` when the key had already logged this same contact."""

    receipt: Receipt
    replayed: bool


@dataclass(frozen=True)
class TerritorySpec:
    code: str
    name: str
    kind: TerritoryKind
    parent_code: str | None
    population: int | None
    groupings: tuple[str, ...] = ()


# A contact to save: its place in the batch, the aggregate and its collected events.
Pending = tuple[int, tuple[Interaction, Sequence[Any]]]


class Operations(Application[UUID]):
    name = "guichet"
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], int]] = {
        kind: INTERVAL for kind in AGGREGATES
    }

    def __init__(self, env: EnvType | None = None) -> None:
        super().__init__(env=env)
        self._known_territories: set[str] = set()

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes only from Guichet's settings, never from stray variables.
        return Environment(name, {"IS_SNAPSHOTTING_ENABLED": "y", **(env or {})})

    def take_snapshot(
        self, aggregate_id: UUID, version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:  # fmt: skip
        # Guichet's own snapshot class for every kind, whatever the library nests in Aggregate.
        assert self.snapshots is not None, "snapshots are enabled in construct_env"
        aggregate = self.repository.get(
            aggregate_id, version=version, projector_func=projector_func
        )
        self.snapshots.put([Snapshot.take(aggregate)])

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    def load(self, cls: type[R], id: UUID, expected_version: int | None) -> R:
        """The record `id` of kind `cls`; at `expected_version` when one is given."""
        return self._load(cls, id, expected_version)

    def save_record(self, aggregate: Aggregate, expected_version: int) -> Receipt:
        """Saves a record's new facts; another writer's facts since `expected_version` make it
        a version conflict, and nothing is written."""
        return self._save(aggregate, expected_version)

    def edit_record(
        self, cls: type[R], id: UUID, expected_version: int, change: Callable[[R], None]
    ) -> Receipt:
        """Applies a command to the version the editor saw; a stale version writes nothing."""
        record = self._load(cls, id, expected_version)
        change(record)
        return self._save(record, expected_version)

    def agree_coverage(self, agreement: CoverageAgreement) -> Receipt:
        """Saves a new coverage agreement; territories must be known."""
        self.require_territories(tuple(agreement.territories), "input.territories")
        return self._save(agreement, expected_version=0)

    def edit_territory(
        self,
        code: str,
        change: Callable[[Territory], None],
        *,
        refers_to: tuple[str, str] | None = None,
    ) -> Receipt:
        """Applies a hierarchy change to the territory `code`; `refers_to` (a code, and the
        field that gave it) must be known too.

        Territory changes are rare corrections by one role: the latest one recorded wins, so
        no expected version is asked for.
        """
        self.require_territories((code,), "input.code")
        if refers_to is not None:
            self.require_territories((refers_to[0],), refers_to[1])
        territory = self._load(Territory, territory_id(code), None)
        change(territory)
        return self._save(territory, territory.version - len(territory.pending_events))

    def log_interaction(self, interaction: Interaction) -> Logged:
        """Saves a whole contact once: a retry with the same key and content returns the first
        receipt; the same key with other content is refused."""
        self.require_inquirer_territory(interaction.inquirer.get("territory"))
        return self._log(interaction, interaction.collect_events())

    def _log(self, interaction: Interaction, events: Sequence[Any]) -> Logged:
        try:
            return Logged(self._receipt(interaction, self.save(*events)), replayed=False)
        except IntegrityError:
            existing = self._load(Interaction, interaction.id, None)
            if existing.digest != interaction.digest:
                raise InvalidInput(
                    "input.key",
                    f"{interaction.key!r} already logged another contact; use a new key",
                ) from None
            receipt = Receipt(existing.id, existing.version, self._current_position())
            return Logged(receipt, replayed=True)

    def log_interactions(self, interactions: Sequence[Interaction]) -> list[Logged | InvalidInput]:
        """Saves whole contacts together, in one transaction, and gives each its receipt or the
        reason it was refused, as `log_interaction` would. Contacts logged before (retries, or
        the same key twice in the batch) are taken out and answered alone, so that one retry
        does not make the others wait for a transaction each. Territories are checked by the
        caller."""
        # Collected once: a failed save has taken the aggregates' pending events already.
        waiting: list[Pending] = list(enumerate((i, i.collect_events()) for i in interactions))
        results: dict[int, Logged | InvalidInput] = {}
        while waiting:
            batch: list[Pending] = []
            later: list[Pending] = []
            ids: set[UUID] = set()
            for entry in waiting:
                (later if entry[1][0].id in ids else batch).append(entry)
                ids.add(entry[1][0].id)
            try:
                recordings = self.save(*[e for _, (_, events) in batch for e in events])
            except IntegrityError:
                logged = {id for id in ids if self.recorder.select_events(id, limit=1)}
                if not logged:
                    raise
                for index, (interaction, events) in batch:
                    if interaction.id in logged:
                        results[index] = self._log_or_refusal(interaction, events)
                waiting = [e for e in batch if e[1][0].id not in logged] + later
                continue
            positions: dict[UUID, int] = {}
            for recording in recordings:
                id = recording.domain_event.originator_id
                positions[id] = max(positions.get(id, 0), recording.notification.id)
            for index, (interaction, _) in batch:
                receipt = Receipt(interaction.id, interaction.version, positions[interaction.id])
                results[index] = Logged(receipt, replayed=False)
            waiting = later
        return [results[index] for index in range(len(interactions))]

    def _log_or_refusal(
        self, interaction: Interaction, events: Sequence[Any]
    ) -> Logged | InvalidInput:
        try:
            return self._log(interaction, events)
        except InvalidInput as refusal:
            return refusal

    def open_interaction(self, interaction: Interaction) -> Receipt:
        self.require_inquirer_territory(interaction.inquirer.get("territory"))
        try:
            return self._receipt(interaction, self.save(interaction))
        except IntegrityError:
            raise InvalidInput(
                "input.key", f"{interaction.key!r} already opened a contact"
            ) from None

    def change_interaction(self, id: UUID, change: Callable[[Interaction], T]) -> tuple[Receipt, T]:
        """Applies a live step or a correction to the latest version of a contact."""
        interaction = self._load(Interaction, id, None)
        result = change(interaction)
        self.require_inquirer_territory(interaction.inquirer.get("territory"))
        receipt = self._save(interaction, interaction.version - len(interaction.pending_events))
        return receipt, result

    def require_inquirer_territory(self, code: str | None) -> None:
        if code is not None and code != CONFIDENTIAL and not self.territory_known(code):
            raise InvalidInput(
                "input.inquirer.territory",
                f"{code!r} is not a known territory code (or {CONFIDENTIAL!r})",
            )

    def territory_known(self, code: str) -> bool:
        # Territories are never removed (a merged one keeps its facts), so once seen, a code
        # stays known: every contact need not read the territory's facts again.
        if code in self._known_territories:
            return True
        if territory_id(code) in self.repository:
            self._known_territories.add(code)
            return True
        return False

    def require_territories(self, codes: tuple[str, ...], field: str) -> None:
        for index, code in enumerate(codes):
            if not self.territory_known(code):
                raise InvalidInput(f"{field}[{index}]", f"{code!r} is not a known territory code")

    def define_territories(
        self, territories: list[TerritorySpec], *, actor: str, at: datetime
    ) -> tuple[int, int]:
        """Defines the territories not defined yet, in the order given; returns (new, position).

        Saved in chunks, in order: after an interruption, running it again completes the set.
        """
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
            for spec in territories
            if territory_id(spec.code) not in self.repository
        ]
        return len(new), self.save_in_chunks(new)

    def save_in_chunks(self, aggregates: Sequence[Aggregate]) -> int:
        """Saves many new records, SAVE_CHUNK a transaction; returns the last position."""
        position = self._current_position()
        for start in range(0, len(aggregates), SAVE_CHUNK):
            recordings = self.save(*aggregates[start : start + SAVE_CHUNK])
            position = max(recording.notification.id for recording in recordings)
        return position

    def _load(self, cls: type[R], id: UUID, expected_version: int | None) -> R:
        try:
            aggregate: Aggregate = self.repository.get(id)
        except AggregateNotFoundError:
            raise NotFound(_kind(cls), id) from None
        if not isinstance(aggregate, cls):
            raise NotFound(_kind(cls), id)
        if expected_version is not None and aggregate.version != expected_version:
            raise VersionConflict(id, expected_version, aggregate.version)
        return aggregate

    def _save(self, aggregate: Aggregate, expected_version: int) -> Receipt:
        try:
            return self._receipt(aggregate, self.save(aggregate))
        except IntegrityError:
            current: int = self.repository.get(aggregate.id).version
            raise VersionConflict(aggregate.id, expected_version, current) from None

    def _receipt(self, aggregate: Aggregate, recordings: Any) -> Receipt:
        if not recordings:
            return Receipt(aggregate.id, aggregate.version, self._current_position())
        position = max(recording.notification.id for recording in recordings)
        return Receipt(aggregate.id, aggregate.version, position)

    def _current_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def current_position(self) -> int:
        """The log position of the last fact written, by anyone."""
        return self._current_position()


def _kind(cls: type[Aggregate]) -> str:
    return str(getattr(cls, "kind", cls.__name__))
