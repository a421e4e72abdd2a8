"""The annual-check read model: every directory record with when it was last confirmed."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.directory import Organization
from domain.locations import Location
from domain.records import Status
from domain.services import Service


@dataclass(slots=True)
class CheckRow:
    id: UUID
    kind: str
    name_fr: str
    name_en: str
    status: str
    registered_at: datetime
    verified_at: datetime | None
    position: int


RECORDS: tuple[Any, ...] = (Organization, Service, Location)
REGISTERED = {record.Registered: record.kind for record in RECORDS}
TOPICS = tuple(
    get_topic(fact)
    for record in RECORDS
    for fact in (
        record.Registered, record.Renamed, record.Verified, record.Deactivated,
        record.Reactivated, record.MergedInto,
    )
)  # fmt: skip
STATUS_AFTER = {
    "Deactivated": Status.INACTIVE,
    "Reactivated": Status.ACTIVE,
    "MergedInto": Status.MERGED,
}


def rows_to_load(page: Iterable[Any]) -> set[UUID]:
    registered = {item.event.originator_id for item in page if type(item.event) in REGISTERED}
    return {item.event.originator_id for item in page} - registered


def apply(item: Any, rows: MutableMapping[UUID, CheckRow]) -> bool:
    event = item.event
    kind = REGISTERED.get(type(event))
    if kind is not None:
        rows[event.originator_id] = CheckRow(
            event.originator_id, kind, event.name.fr, event.name.en, Status.ACTIVE.value,
            event.occurred_at, None, item.position,
        )  # fmt: skip
        return True
    row = rows.get(event.originator_id)
    if row is None:
        return False
    fact = type(event).__name__
    if fact == "Renamed":
        row.name_fr, row.name_en = event.name.fr, event.name.en
    elif fact == "Verified":
        row.verified_at = event.occurred_at
    elif fact in STATUS_AFTER:
        row.status = STATUS_AFTER[fact].value
    row.position = item.position
    return True
