"""The application: commands that load aggregates, decide, and save their facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from domain.errors import InvalidInput, NotFound, VersionConflict
from domain.snapshots import INTERVAL, Snapshot
from domain.territories import territory_id
from domain.transcodings import TRANSCODINGS

R = TypeVar("R", bound=Aggregate)

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
