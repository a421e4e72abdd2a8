"""Services and locations as the record view holds them (`projections.history.FIELDS`), read
back into typed rows: what their pages show, with the domain's own values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.values import Address, Coordinates, LocalizedText, OpeningHours, Phone, Schedule

# The current value of each field of one record, and its version, as the view stores them.
Fields = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LocationRow:
    id: UUID
    version: int
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText
    accessibility: LocalizedText
    address: Address | None
    coordinates: Coordinates | None
    status: str
    flagged_reason: str | None = None  # why an editor flagged it, until it is verified

    @property
    def virtual(self) -> bool:
        return self.address is None


@dataclass(frozen=True, slots=True)
class ServiceRow:
    id: UUID
    version: int
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText
    eligibility: LocalizedText
    fees: LocalizedText
    application_process: LocalizedText
    taxonomy_codes: tuple[str, ...]
    languages: tuple[str, ...]
    service_areas: tuple[str, ...]
    phones: tuple[Phone, ...]
    schedule: Schedule
    status: str
    last_verified_at: datetime | None
    flagged_reason: str | None = None  # why an editor flagged it, until it is verified


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A service offered at a location."""

    id: UUID
    service_id: UUID
    location_id: UUID


def kind_of(fields: Fields) -> str | None:
    """organization, service, location or service_at_location."""
    kind = fields.get("kind")
    return str(kind) if kind is not None else None


def status_of(fields: Fields) -> str:
    return str(fields["status"])


def owner_of(fields: Fields) -> UUID | None:
    """The organization that offers a service or a location."""
    owner = fields.get("organization_id")
    return UUID(str(owner)) if owner is not None else None


def location_row(id: UUID, fields: Fields) -> LocationRow:
    address, point = fields.get("address"), fields.get("coordinates")
    return LocationRow(
        id=id,
        version=int(fields["version"]),
        organization_id=UUID(str(fields["organization_id"])),
        name=_text(fields, "name"),
        description=_text(fields, "description"),
        accessibility=_text(fields, "accessibility"),
        address=Address(**address) if address else None,
        coordinates=Coordinates(**point) if point else None,
        status=status_of(fields),
        flagged_reason=fields.get("flagged_reason"),
    )


def service_row(id: UUID, fields: Fields) -> ServiceRow:
    schedule = fields.get("schedule") or {"hours": [], "closed_on": []}
    verified = fields.get("last_verified_at")
    return ServiceRow(
        id=id,
        version=int(fields["version"]),
        organization_id=UUID(str(fields["organization_id"])),
        name=_text(fields, "name"),
        description=_text(fields, "description"),
        eligibility=_text(fields, "eligibility"),
        fees=_text(fields, "fees"),
        application_process=_text(fields, "application_process"),
        taxonomy_codes=tuple(fields.get("taxonomy_codes") or ()),
        languages=tuple(fields.get("languages") or ()),
        service_areas=tuple(fields.get("service_areas") or ()),
        phones=tuple(Phone(**phone) for phone in fields.get("phones") or ()),
        schedule=Schedule(
            hours=tuple(OpeningHours(**hours) for hours in schedule["hours"]),
            closed_on=tuple(date.fromisoformat(day) for day in schedule["closed_on"]),
        ),
        status=status_of(fields),
        last_verified_at=datetime.fromisoformat(verified) if verified else None,
        flagged_reason=fields.get("flagged_reason"),
    )


def link_row(id: UUID, fields: Fields) -> LinkRow:
    return LinkRow(
        id=id,
        service_id=UUID(str(fields["service_id"])),
        location_id=UUID(str(fields["location_id"])),
    )


def _text(fields: Fields, name: str) -> LocalizedText:
    return LocalizedText(fr=fields.get(f"{name}.fr") or "", en=fields.get(f"{name}.en") or "")
