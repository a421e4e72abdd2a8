"""The directory's commands: organizations, services, locations, where services are offered,
and the life every record shares. Plain values, already parsed; `DirectoryHandler` applies them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.errors import InvalidInput
from domain.locations import service_at_location_id
from domain.records import VerificationMethod
from domain.values import (
    NO_SCHEDULE,
    NO_TEXT,
    Address,
    Coordinates,
    LocalizedText,
    Phone,
    Schedule,
)


@dataclass(frozen=True, slots=True)
class RegisterOrganization:
    id: UUID
    name: LocalizedText
    description: LocalizedText = NO_TEXT
    website: str | None = None


@dataclass(frozen=True, slots=True)
class RenameOrganization:
    id: UUID
    expected_version: int
    name: LocalizedText
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AmendOrganization:
    """Changes the fields given (None leaves one as it is); one fact per real change."""

    id: UUID
    expected_version: int
    name: LocalizedText | None = None
    description: LocalizedText | None = None
    website: str | None = None
    clear_website: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterService:
    id: UUID
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText = NO_TEXT
    taxonomy_codes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    service_areas: tuple[str, ...] = ()
    eligibility: LocalizedText = NO_TEXT
    fees: LocalizedText = NO_TEXT
    application_process: LocalizedText = NO_TEXT
    phones: tuple[Phone, ...] = ()
    schedule: Schedule = NO_SCHEDULE


@dataclass(frozen=True, slots=True)
class AmendService:
    """Changes the fields given (None leaves one as it is); one fact per real change."""

    id: UUID
    expected_version: int
    name: LocalizedText | None = None
    description: LocalizedText | None = None
    taxonomy_codes: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    service_areas: tuple[str, ...] | None = None
    phones: tuple[Phone, ...] | None = None
    schedule: Schedule | None = None
    eligibility: LocalizedText | None = None
    fees: LocalizedText | None = None
    application_process: LocalizedText | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterLocation:
    """A location at an address, or a virtual one (no address)."""

    id: UUID
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText = NO_TEXT
    address: Address | None = None
    coordinates: Coordinates | None = None
    accessibility: LocalizedText = NO_TEXT


@dataclass(frozen=True, slots=True)
class ChangeLocationAccessibility:
    id: UUID
    expected_version: int
    accessibility: LocalizedText
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class MoveLocation:
    """A new address (and coordinates), or none: the location becomes virtual."""

    id: UUID
    expected_version: int
    address: Address | None
    coordinates: Coordinates | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class LinkServiceToLocation:
    service_id: UUID
    location_id: UUID

    @property
    def id(self) -> UUID:
        return service_at_location_id(self.service_id, self.location_id)


@dataclass(frozen=True, slots=True)
class VerifyRecord:
    """The annual check of any record; `verified_at` when it happened before now."""

    id: UUID
    expected_version: int
    method: VerificationMethod
    confirmed_by: str
    note: str | None = None
    verified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FlagRecordForReview:
    id: UUID
    expected_version: int
    reason: str


@dataclass(frozen=True, slots=True)
class DeactivateRecord:
    id: UUID
    expected_version: int
    reason: str


@dataclass(frozen=True, slots=True)
class ReactivateRecord:
    id: UUID
    expected_version: int
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """The record duplicates `target_id`, an active record of its kind."""

    id: UUID
    expected_version: int
    target_id: UUID
    reason: str | None = None


# What a batch registers: new records, and where services are offered.
Registration = RegisterOrganization | RegisterService | RegisterLocation | LinkServiceToLocation


@dataclass(frozen=True, slots=True)
class Refused:
    """A command of a batch the rules refused: its index in the batch, and why."""

    index: int
    error: InvalidInput


@dataclass(frozen=True, slots=True)
class BatchReceipt:
    """What `register_all` wrote: the log position of its last fact (the position before it
    when it wrote nothing), the ids of the new records in the order given, the indexes of the
    commands whose record was already there (nothing written for them), and those refused."""

    position: int
    new: tuple[UUID, ...]
    existing: tuple[int, ...]
    refused: tuple[Refused, ...]
