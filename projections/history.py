"""Field-level history of every record: which fact changed which field, from what to what.

This is the shape of HSDS `metadata` (field, previous value, replacement value, who, when),
derived from the log rather than kept beside the records.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.directory import Organization, Status
from domain.territories import Territory
from domain.values import LocalizedText
from projections.base import Positioned

Json = str | int | float | bool | None | list[Any] | dict[str, Any]


@dataclass(frozen=True)
class Change:
    record_id: UUID
    version: int
    field: str
    fact: str
    previous: Json
    replacement: Json
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    reason: str | None
    position: int


def _text(prefix: str, text: LocalizedText) -> dict[str, Json]:
    return {f"{prefix}.fr": text.fr, f"{prefix}.en": text.en}


FIELDS: dict[type[Any], Callable[[Any], dict[str, Json]]] = {
    Organization.Registered: lambda e: {
        **_text("name", e.name), **_text("description", e.description),
        "website": e.website, "status": Status.ACTIVE.value,
    },
    Organization.Renamed: lambda e: _text("name", e.name),
    Organization.Described: lambda e: _text("description", e.description),
    Organization.WebsiteChanged: lambda e: {"website": e.website},
    Organization.Verified: lambda e: {
        "last_verified_at": e.occurred_at.isoformat(), "verification.method": e.method,
        "verification.confirmed_by": e.confirmed_by, "flagged_reason": None,
    },
    Organization.FlaggedForReview: lambda e: {"flagged_reason": e.reason},
    Organization.Deactivated: lambda e: {"status": Status.INACTIVE.value},
    Organization.Reactivated: lambda e: {"status": Status.ACTIVE.value},
    Organization.MergedInto: lambda e: {
        "status": Status.MERGED.value, "merged_into": str(e.target_id),
    },
    Territory.Defined: lambda e: {
        "code": e.code, "name": e.name, "kind": e.kind, "parent_code": e.parent_code,
        "population": e.population, "groupings": list(e.groupings),
    },
}  # fmt: skip

TOPICS = tuple(get_topic(cls) for cls in FIELDS)
ALWAYS = frozenset({"last_verified_at", "verification.method", "verification.confirmed_by"})


def changes(item: Positioned, current: MutableMapping[tuple[UUID, str], Json]) -> list[Change]:
    """The fields this fact changed, updating `current` (record, field) → value as it goes."""
    event = item.event
    fields = FIELDS.get(type(event))
    if fields is None:
        return []
    found = []
    for field, value in fields(event).items():
        key = (event.originator_id, field)
        previous = current.get(key)
        if previous == value and field not in ALWAYS:
            continue
        current[key] = value
        found.append(
            Change(
                record_id=event.originator_id,
                version=event.originator_version,
                field=field,
                fact=type(event).__name__,
                previous=previous,
                replacement=value,
                actor=event.actor,
                occurred_at=event.occurred_at,
                recorded_at=event.timestamp,
                reason=getattr(event, "reason", None),
                position=item.position,
            )
        )
    return found
