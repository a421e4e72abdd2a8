"""The directory read model: the current state of each record, as search and pages show it."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.directory import Organization, Status
from projections.base import Positioned


@dataclass(slots=True)
class OrganizationRow:
    """A row as it stands while a page is applied; each page works on its own copies."""

    id: UUID
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    website: str | None
    version: int
    registered_at: datetime
    registered_by: str
    changed_at: datetime
    changed_by: str
    position: int
    status: str = Status.ACTIVE.value
    verified_at: datetime | None = None
    flagged_reason: str | None = None
    merged_into: UUID | None = None


TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Organization.Registered, Organization.Renamed, Organization.Described,
        Organization.WebsiteChanged, Organization.Verified, Organization.FlaggedForReview,
        Organization.Deactivated, Organization.Reactivated, Organization.MergedInto,
    )
)  # fmt: skip


def rows_to_load(page: Iterable[Positioned]) -> set[UUID]:
    """Records the page changes without registering them first: their rows must be read."""
    registered: set[UUID] = set()
    needed: set[UUID] = set()
    for item in page:
        record = item.event.originator_id
        if isinstance(item.event, Organization.Registered):
            registered.add(record)
        elif record not in registered:
            needed.add(record)
    return needed


def apply(item: Positioned, rows: MutableMapping[UUID, OrganizationRow]) -> bool:
    """Applies one fact to the rows; says whether it changed one."""
    event = item.event
    if isinstance(event, Organization.Registered):
        rows[event.originator_id] = OrganizationRow(
            id=event.originator_id,
            name_fr=event.name.fr,
            name_en=event.name.en,
            description_fr=event.description.fr,
            description_en=event.description.en,
            website=event.website,
            version=event.originator_version,
            registered_at=event.occurred_at,
            registered_by=event.actor,
            changed_at=event.occurred_at,
            changed_by=event.actor,
            position=item.position,
        )
        return True
    row = rows.get(event.originator_id)
    if row is None or row.version >= event.originator_version:
        return False
    row.version = event.originator_version
    row.changed_at = event.occurred_at
    row.changed_by = event.actor
    row.position = item.position
    match event:
        case Organization.Renamed():
            row.name_fr, row.name_en = event.name.fr, event.name.en
        case Organization.Described():
            row.description_fr, row.description_en = event.description.fr, event.description.en
        case Organization.WebsiteChanged():
            row.website = event.website
        case Organization.Verified():
            row.verified_at, row.flagged_reason = event.occurred_at, None
        case Organization.FlaggedForReview():
            row.flagged_reason = event.reason
        case Organization.Deactivated():
            row.status = Status.INACTIVE.value
        case Organization.Reactivated():
            row.status = Status.ACTIVE.value
        case Organization.MergedInto():
            row.status, row.merged_into = Status.MERGED.value, event.target_id
    return True
