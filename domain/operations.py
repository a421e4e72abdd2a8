"""The application: commands that load aggregates, decide, and save their facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment, EnvType

from domain.directory import Organization
from domain.errors import NotFound, VersionConflict
from domain.transcodings import TRANSCODINGS
from domain.values import LocalizedText


@dataclass(frozen=True)
class Receipt:
    """What a command wrote: the record, its new version, and the log position of its last fact."""

    id: UUID
    version: int
    position: int


class Operations(Application[UUID]):
    name = "guichet"

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes only from Guichet's settings, never from stray variables.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    def register_organization(
        self,
        id: UUID,
        name: LocalizedText,
        description: LocalizedText,
        website: str | None,
        *,
        actor: str,
        at: datetime,
    ) -> Receipt:
        organization = Organization.register(id, name, description, website, actor=actor, at=at)
        return self._save(organization, expected_version=0)

    def rename_organization(
        self,
        id: UUID,
        expected_version: int,
        name: LocalizedText,
        *,
        reason: str | None,
        actor: str,
        at: datetime,
    ) -> Receipt:
        organization = self._load(Organization, "organization", id, expected_version)
        organization.rename(name, reason=reason, actor=actor, at=at)
        return self._save(organization, expected_version)

    def _load(self, cls: type[Any], kind: str, id: UUID, expected_version: int) -> Any:
        try:
            aggregate: Aggregate = self.repository.get(id)
        except AggregateNotFoundError:
            raise NotFound(kind, id) from None
        if not isinstance(aggregate, cls):
            raise NotFound(kind, id)
        if aggregate.version != expected_version:
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
