"""Field-level history of every record: which fact changed which field, from what to what.

This is the shape of HSDS `metadata` (field, previous value, replacement value, who, when),
derived from the log rather than kept beside the records.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.directory import Organization, Status
from domain.locations import Location, ServiceAtLocation
from domain.services import Service
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


def plain(value: Any) -> Json:
    """A value object as JSON: dataclasses as objects, tuples as lists, ids as text."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    result: Json = value
    return result


def _lifecycle(cls: Any) -> dict[type[Any], Callable[[Any], dict[str, Json]]]:
    return {
        cls.Renamed: lambda e: _text("name", e.name),
        cls.Described: lambda e: _text("description", e.description),
        cls.Verified: lambda e: {
            "last_verified_at": e.occurred_at.isoformat(), "verification.method": e.method,
            "verification.confirmed_by": e.confirmed_by, "flagged_reason": None,
        },
        cls.FlaggedForReview: lambda e: {"flagged_reason": e.reason},
        cls.Deactivated: lambda e: {"status": Status.INACTIVE.value},
        cls.Reactivated: lambda e: {"status": Status.ACTIVE.value},
        cls.MergedInto: lambda e: {
            "status": Status.MERGED.value, "merged_into": str(e.target_id),
        },
    }  # fmt: skip


FIELDS: dict[type[Any], Callable[[Any], dict[str, Json]]] = {
    Organization.Registered: lambda e: {
        "kind": "organization", **_text("name", e.name), **_text("description", e.description),
        "website": e.website, "status": Status.ACTIVE.value,
    },
    **_lifecycle(Organization),
    Organization.WebsiteChanged: lambda e: {"website": e.website},
    Service.Registered: lambda e: {
        "kind": "service", "organization_id": str(e.organization_id),
        **_text("name", e.name), **_text("description", e.description),
        "taxonomy_codes": list(e.taxonomy_codes), "languages": list(e.languages),
        "service_areas": list(e.service_areas), **_text("eligibility", e.eligibility),
        **_text("fees", e.fees), **_text("application_process", e.application_process),
        "phones": plain(e.phones), "schedule": plain(e.schedule), "status": Status.ACTIVE.value,
    },
    **_lifecycle(Service),
    Service.PhoneChanged: lambda e: {"phones": plain(e.phones)},
    Service.HoursChanged: lambda e: {"schedule": plain(e.schedule)},
    Service.ServiceAreaChanged: lambda e: {"service_areas": list(e.service_areas)},
    Service.TaxonomyChanged: lambda e: {"taxonomy_codes": list(e.taxonomy_codes)},
    Service.LanguagesChanged: lambda e: {"languages": list(e.languages)},
    Service.EligibilityChanged: lambda e: _text("eligibility", e.eligibility),
    Service.FeesChanged: lambda e: _text("fees", e.fees),
    Service.ApplicationProcessChanged: lambda e: _text(
        "application_process", e.application_process
    ),
    Location.Registered: lambda e: {
        "kind": "location", "organization_id": str(e.organization_id),
        **_text("name", e.name), **_text("description", e.description),
        "address": plain(e.address), "coordinates": plain(e.coordinates),
        **_text("accessibility", e.accessibility), "status": Status.ACTIVE.value,
    },
    **_lifecycle(Location),
    Location.AccessibilityChanged: lambda e: _text("accessibility", e.accessibility),
    Location.AddressMoved: lambda e: {
        "address": plain(e.address), "coordinates": plain(e.coordinates),
    },
    ServiceAtLocation.Linked: lambda e: {
        "kind": "service_at_location", "service_id": str(e.service_id),
        "location_id": str(e.location_id), "linked": True,
    },
    ServiceAtLocation.Unlinked: lambda e: {"linked": False},
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
