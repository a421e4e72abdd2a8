"""The annual-check read model: every directory record with when it was last confirmed, and
what the directory's lists filter and sort on (owner, last change, flag, areas, city)."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.directory import Organization
from domain.locations import Location
from domain.records import Status
from domain.services import Service
from projections.search_query import fold_text


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
    organization_id: UUID | None = None
    sort_name: str = ""
    changed_at: datetime | None = None
    flagged_reason: str | None = None
    areas: list[str] = field(default_factory=list)
    city: str | None = None  # folded (`fold_text`), to compare with places' names


RECORDS: tuple[Any, ...] = (Organization, Service, Location)
REGISTERED = {record.Registered: record.kind for record in RECORDS}
# Every fact of a record: each one is a change (`changed_at`).
FACTS = tuple(
    fact
    for record in RECORDS
    for fact in vars(record).values()
    if isinstance(fact, type) and issubclass(fact, record.Event) and fact is not record.Event
)
TOPICS = tuple(sorted({get_topic(fact) for fact in FACTS}))
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
        address = getattr(event, "address", None)
        rows[event.originator_id] = CheckRow(
            event.originator_id, kind, event.name.fr, event.name.en, Status.ACTIVE.value,
            event.occurred_at, None, item.position,
            organization_id=getattr(event, "organization_id", None),
            sort_name=sort_name(event.name.fr, event.name.en), changed_at=event.occurred_at,
            areas=list(getattr(event, "service_areas", ())),
            city=fold_text(address.city) if address else None,
        )  # fmt: skip
        return True
    row = rows.get(event.originator_id)
    if row is None:
        return False
    fact = type(event).__name__
    if fact == "Renamed":
        row.name_fr, row.name_en = event.name.fr, event.name.en
        row.sort_name = sort_name(event.name.fr, event.name.en)
    elif fact == "Verified":
        row.verified_at, row.flagged_reason = event.occurred_at, None
    elif fact == "FlaggedForReview":
        row.flagged_reason = event.reason
    elif fact == "ServiceAreaChanged":
        row.areas = list(event.service_areas)
    elif fact == "AddressMoved":
        row.city = fold_text(event.address.city) if event.address else None
    elif fact in STATUS_AFTER:
        row.status = STATUS_AFTER[fact].value
    row.changed_at = max(row.changed_at or event.occurred_at, event.occurred_at)
    row.position = item.position
    return True


def sort_name(fr: str, en: str) -> str:
    """What lists sort by: the French name (the English one when there is none), folded."""
    return fold_text(fr or en)


@dataclass(frozen=True, slots=True)
class Listing:
    """Which records of one kind a list shows, parsed: every filter is optional.

    `statuses` None means records in service: active, and, for a service or location, offered
    by an active organization (what anyone but editors may see). `codes` are the places a
    service's areas may name (the place asked, those above and below it); `cities` the folded
    names of the place and those below, which a location's city may be; an organization is
    listed for a place when one of its services or locations is.
    """

    kind: str
    statuses: tuple[str, ...] | None = None
    state: str | None = None  # a verification state, `STATES` of the view
    as_of: datetime | None = None
    changed_since: datetime | None = None
    organization_id: UUID | None = None
    codes: tuple[str, ...] | None = None
    cities: tuple[str, ...] = ()
