"""The directory read model: the current state of each record, as search and pages show it."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.directory import Organization
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


TOPICS = (get_topic(Organization.Registered), get_topic(Organization.Renamed))


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
    if isinstance(event, Organization.Renamed):
        row.name_fr, row.name_en = event.name.fr, event.name.en
    return True
