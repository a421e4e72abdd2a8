"""A record as it stood at a past time: its facts up to then, replayed by the domain.

The version to replay to is read from the audit projection (the last fact recorded by then,
or, by business time, the facts whose business time had come, up to the first that had not);
the aggregate is then rebuilt from the log to that version, as any auditor's replay would.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import NotFound
from domain.operations import Operations
from infra.views.audit import PostgresAuditView

RECORDED, BUSINESS = "recorded", "business"


@dataclass(frozen=True)
class PastState:
    id: UUID
    kind: str
    version: int
    last_recorded_at: datetime
    state: dict[str, Any]


def as_of(
    operations: Operations, audit: PostgresAuditView, id: UUID, at: datetime, by: str = RECORDED
) -> PastState:
    rows = audit.versions(id)
    if not rows:
        raise NotFound("record", id)
    version = 0
    last = rows[0][1]
    for number, recorded_at, occurred_at in rows:
        moment = recorded_at if by == RECORDED else (occurred_at or recorded_at)
        if moment > at:
            break
        version, last = number, recorded_at
    if version == 0:
        raise NotFound(f"record as of {at.isoformat()}", id)
    aggregate: Aggregate = operations.repository.get(id, version=version)
    return PastState(id, type(aggregate).__name__, version, last, state_of(aggregate))


@dataclass(frozen=True)
class PastRecords:
    """Past states for auditors, built once in the composition root."""

    operations: Operations
    audit: PostgresAuditView

    def as_of(self, id: UUID, at: datetime, by: str = RECORDED) -> PastState:
        return as_of(self.operations, self.audit, id, at, by)


def state_of(aggregate: Aggregate) -> dict[str, Any]:
    """The aggregate's attributes as JSON values (its bookkeeping left out)."""
    return {
        name: _json(value) for name, value in vars(aggregate).items() if not name.startswith("_")
    }


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return _json(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_json(item) for item in value), key=str)
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return str(value)
