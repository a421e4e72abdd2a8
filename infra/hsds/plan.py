"""What an import plan holds: the records Guichet will hold, as read from an HSDS package.

Nothing here writes. Identifiers follow from the source's ids, so importing the same package
again finds the same records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.handlers.directory_import import ServiceState
from domain.values import Address, Coordinates, LocalizedText, Phone, Schedule


def record_id(kind: str, key: str) -> UUID:
    """HSDS 3.0 ids are UUIDs and are kept; older exports' ids are turned into stable UUIDs."""
    try:
        return UUID(key)
    except ValueError:
        return uuid5(NAMESPACE_URL, f"guichet:hsds:{kind}:{key}")


@dataclass(frozen=True)
class OrganizationIn:
    id: UUID
    where: str
    name: LocalizedText
    description: LocalizedText
    website: str | None
    # Fields the package does not hold, left as Guichet holds them (see Cells.absent).
    absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlaceholderIn:
    """An organization the package's records refer to and the package does not hold."""

    id: UUID
    where: str
    name: LocalizedText
    reason: str


@dataclass(frozen=True)
class ServiceIn:
    id: UUID
    where: str
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText
    eligibility: LocalizedText
    fees: LocalizedText
    application_process: LocalizedText
    phones: tuple[Phone, ...]
    schedule: Schedule
    languages: tuple[str, ...]
    service_areas: tuple[str, ...]
    taxonomy_codes: tuple[str, ...]
    status: ServiceState
    assured_on: datetime | None
    assurer: str | None
    absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LocationIn:
    id: UUID
    where: str
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText
    address: Address | None
    coordinates: Coordinates | None
    accessibility: LocalizedText
    absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LinkIn:
    where: str
    service_id: UUID
    location_id: UUID


@dataclass
class Plan:
    organizations: list[OrganizationIn] = field(default_factory=list)
    placeholders: list[PlaceholderIn] = field(default_factory=list)
    services: list[ServiceIn] = field(default_factory=list)
    locations: list[LocationIn] = field(default_factory=list)
    links: list[LinkIn] = field(default_factory=list)
