"""The directory read model: the current state of each record, as search and pages show it."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.directory import Organization
from projections.base import Positioned


@dataclass(frozen=True)
class OrganizationRow:
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


def touched_ids(page: Iterable[Positioned]) -> set[UUID]:
    return {item.event.originator_id for item in page}


def apply(item: Positioned, rows: MutableMapping[UUID, OrganizationRow]) -> None:
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
        return
    current = rows.get(event.originator_id)
    if current is None or current.version >= event.originator_version:
        return
    current = replace(
        current,
        version=event.originator_version,
        changed_at=event.occurred_at,
        changed_by=event.actor,
        position=item.position,
    )
    if isinstance(event, Organization.Renamed):
        current = replace(current, name_fr=event.name.fr, name_en=event.name.en)
    rows[event.originator_id] = current
