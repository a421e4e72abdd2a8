"""The one handler that applies the directory's rules to its commands
(`domain.handlers.directory_commands`), whoever asks: the API, the CLI, imports, demo loaders.

Errors name the domain's fields (`organization_id`, `service_areas[2]`); the API names them as
its input paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Protocol, TypeGuard, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from domain.directory import Organization
from domain.errors import InvalidInput, NotFound
from domain.handlers.directory_commands import (
    AmendOrganization,
    AmendService,
    BatchReceipt,
    ChangeLocationAccessibility,
    DeactivateRecord,
    FlagRecordForReview,
    LinkServiceToLocation,
    MergeRecord,
    MoveLocation,
    ReactivateRecord,
    Refused,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    Registration,
    RenameOrganization,
    VerifyRecord,
)
from domain.locations import Location, ServiceAtLocation
from domain.operations import SAVE_CHUNK, Operations, Receipt
from domain.records import Record, Status
from domain.services import Service
from domain.values import parse_territory_codes

R = TypeVar("R", bound=Record)

# The commands are importable from here, beside the handler that applies them.
__all__ = [
    "AmendOrganization",
    "AmendService",
    "BatchReceipt",
    "ChangeLocationAccessibility",
    "CurrentRecords",
    "DeactivateRecord",
    "DirectoryHandler",
    "FlagRecordForReview",
    "LinkServiceToLocation",
    "MergeRecord",
    "MoveLocation",
    "ReactivateRecord",
    "Refused",
    "RegisterLocation",
    "RegisterOrganization",
    "RegisterService",
    "Registration",
    "RenameOrganization",
    "VerifyRecord",
]


class CurrentRecords(Protocol):
    """Reads the current state of many aggregates at once (those that exist), for batches."""

    def __call__(self, ids: Sequence[UUID]) -> Mapping[UUID, Aggregate]: ...


# -- the handler ---------------------------------------------------------------------------

# A record a command refers to: its kind, its id, and the field that gave it.
Reference = tuple[type[Record], UUID, str]


class DirectoryHandler:
    """Every write to the directory, whoever asks: the API, the CLI, imports, demo loaders."""

    def __init__(self, operations: Operations, current: CurrentRecords | None = None) -> None:
        self.operations = operations
        self.current = current or self._one_by_one

    # -- organizations ---------------------------------------------------------------------

    def register_organization(
        self, command: RegisterOrganization, *, actor: str, at: datetime
    ) -> Receipt:
        return self._register(command, actor=actor, at=at)

    def rename_organization(
        self, command: RenameOrganization, *, actor: str, at: datetime
    ) -> Receipt:
        return self._edit(
            Organization,
            command.id,
            command.expected_version,
            lambda org: org.rename(command.name, reason=command.reason, actor=actor, at=at),
        )

    def amend_organization(
        self, command: AmendOrganization, *, actor: str, at: datetime
    ) -> Receipt:
        return self._edit(
            Organization,
            command.id,
            command.expected_version,
            lambda org: org.amend(
                name=command.name, description=command.description, website=command.website,
                clear_website=command.clear_website, reason=command.reason, actor=actor, at=at,
            ),
        )  # fmt: skip

    # -- services and locations ------------------------------------------------------------

    def register_service(self, command: RegisterService, *, actor: str, at: datetime) -> Receipt:
        return self._register(command, actor=actor, at=at)

    def amend_service(self, command: AmendService, *, actor: str, at: datetime) -> Receipt:
        areas = command.service_areas
        if areas is not None:
            areas = parse_territory_codes("service_areas", areas)
            self.operations.require_territories(areas, "service_areas")
        return self._edit(
            Service,
            command.id,
            command.expected_version,
            lambda service: service.amend(
                name=command.name, description=command.description,
                taxonomy_codes=command.taxonomy_codes, languages=command.languages,
                service_areas=areas, phones=command.phones, schedule=command.schedule,
                eligibility=command.eligibility, fees=command.fees,
                application_process=command.application_process, reason=command.reason,
                actor=actor, at=at,
            ),
        )  # fmt: skip

    def register_location(self, command: RegisterLocation, *, actor: str, at: datetime) -> Receipt:
        return self._register(command, actor=actor, at=at)

    def change_location_accessibility(
        self, command: ChangeLocationAccessibility, *, actor: str, at: datetime
    ) -> Receipt:
        return self._edit(
            Location,
            command.id,
            command.expected_version,
            lambda location: location.change_accessibility(
                command.accessibility, reason=command.reason, actor=actor, at=at
            ),
        )

    def move_location(self, command: MoveLocation, *, actor: str, at: datetime) -> Receipt:
        return self._edit(
            Location,
            command.id,
            command.expected_version,
            lambda location: location.move(
                command.address, command.coordinates, reason=command.reason, actor=actor, at=at
            ),
        )

    def link_service_to_location(
        self, command: LinkServiceToLocation, *, actor: str, at: datetime
    ) -> Receipt:
        return self._register(command, actor=actor, at=at)

    # -- the life of any record ------------------------------------------------------------

    def verify_record(self, command: VerifyRecord, *, actor: str, at: datetime) -> Receipt:
        return self._edit(
            Record,
            command.id,
            command.expected_version,
            lambda record: record.verify(
                command.method, command.confirmed_by, command.note,
                actor=actor, at=at, occurred_at=command.verified_at,
            ),
        )  # fmt: skip

    def flag_record_for_review(
        self, command: FlagRecordForReview, *, actor: str, at: datetime
    ) -> Receipt:
        return self._edit(
            Record,
            command.id,
            command.expected_version,
            lambda record: record.flag_for_review(command.reason, actor=actor, at=at),
        )

    def deactivate_record(self, command: DeactivateRecord, *, actor: str, at: datetime) -> Receipt:
        return self._edit(
            Record,
            command.id,
            command.expected_version,
            lambda record: record.deactivate(command.reason, actor=actor, at=at),
        )

    def reactivate_record(self, command: ReactivateRecord, *, actor: str, at: datetime) -> Receipt:
        def reactivate(record: Record) -> None:
            record.reactivate(command.reason, actor=actor, at=at)
            self._require_organization_active(record, "id")

        return self._edit(Record, command.id, command.expected_version, reactivate)

    def merge_record(self, command: MergeRecord, *, actor: str, at: datetime) -> Receipt:
        target = self.operations.load(Record, command.target_id, None)

        def merge(record: Record) -> None:
            record.merge_into(target, command.reason, actor=actor, at=at)
            self._require_organization_active(target, "targetId")

        return self._edit(Record, command.id, command.expected_version, merge)

    # -- many at once ----------------------------------------------------------------------

    def register_all(
        self, commands: Sequence[Registration], *, actor: str, at: datetime
    ) -> BatchReceipt:
        """Registers many records as the commands one by one would, SAVE_CHUNK a transaction.

        A record that exists already is left as it is; a command the rules refuse is left out
        and the others go on. A record may refer to one registered earlier in the same batch.
        After an interruption, running the same batch again completes it.
        """
        active: dict[UUID, type[Record]] = {}
        new: list[UUID] = []
        written_ids: set[UUID] = set()
        existing: list[int] = []
        refused: list[Refused] = []
        position = self.operations.current_position()
        for start in range(0, len(commands), SAVE_CHUNK):
            chunk = commands[start : start + SAVE_CHUNK]
            wanted = {command.id for command in chunk}
            wanted.update(id for c in chunk for _, id, _ in _references(c) if id not in active)
            found = self.current(list(wanted))
            owners = {o for r in found.values() if (o := _organization(r)) is not None}
            owned = {**found, **self.current(list(owners - found.keys() - active.keys()))}
            opened = {
                id for id, r in owned.items()
                if isinstance(r, Organization) and r.status is Status.ACTIVE
            }  # fmt: skip
            organization_active = partial(_organization_in, active, opened)
            for id, record in found.items():
                if _in_service(record, organization_active):
                    active.setdefault(id, type(record))
            written: list[Aggregate] = []
            for index, command in enumerate(chunk, start):
                if command.id in found or command.id in active or command.id in written_ids:
                    existing.append(index)
                    continue
                try:
                    for cls, id, field in _references(command):
                        if not issubclass(active.get(id, Aggregate), cls):
                            referred = found.get(id)
                            if isinstance(referred, cls) and referred.status is Status.ACTIVE:
                                raise _organization_not_active(referred, field)
                            raise _not_active(cls, id, field, exists=isinstance(referred, cls))
                    aggregate = self._build(command, actor=actor, at=at)
                except InvalidInput as error:
                    refused.append(Refused(index, error))
                    continue
                written.append(aggregate)
                new.append(aggregate.id)
                written_ids.add(aggregate.id)
                if isinstance(aggregate, Record):
                    active[aggregate.id] = type(aggregate)
            if written:
                position = self.operations.save_in_chunks(written)
        return BatchReceipt(position, tuple(new), tuple(existing), tuple(refused))

    # -- the rules every command shares ----------------------------------------------------

    def _register(self, command: Registration, *, actor: str, at: datetime) -> Receipt:
        for cls, id, field in _references(command):
            self._require_active(cls, id, field)
        return self.operations.save_record(self._build(command, actor=actor, at=at), 0)

    def _build(self, command: Registration, *, actor: str, at: datetime) -> Aggregate:
        """The new record, once every rule but its references is checked."""
        if isinstance(command, RegisterOrganization):
            return Organization.register(
                command.id, command.name, command.description, command.website,
                actor=actor, at=at,
            )  # fmt: skip
        if isinstance(command, RegisterService):
            # Bounded before each code is looked up.
            areas = parse_territory_codes("service_areas", command.service_areas)
            self.operations.require_territories(areas, "service_areas")
            return Service.register(
                command.id, command.organization_id, command.name, command.description,
                taxonomy_codes=command.taxonomy_codes, languages=command.languages,
                service_areas=areas, eligibility=command.eligibility, fees=command.fees,
                application_process=command.application_process, phones=command.phones,
                schedule=command.schedule, actor=actor, at=at,
            )  # fmt: skip
        if isinstance(command, RegisterLocation):
            return Location.register(
                command.id, command.organization_id, command.name,
                address=command.address, coordinates=command.coordinates,
                description=command.description, accessibility=command.accessibility,
                actor=actor, at=at,
            )  # fmt: skip
        return ServiceAtLocation.link(command.service_id, command.location_id, actor=actor, at=at)

    def _edit(
        self, cls: type[R], id: UUID, expected_version: int, change: Callable[[R], None]
    ) -> Receipt:
        """Applies a command to the version the editor saw; a stale version writes nothing."""
        record = self.operations.load(cls, id, expected_version)
        change(record)
        return self.operations.save_record(record, expected_version)

    def _require_active(self, cls: type[Record], id: UUID, field: str) -> None:
        """A record another one refers to; a missing or inactive one is the caller's input error."""
        try:
            record = self.operations.load(cls, id, None)
        except NotFound:
            raise _not_active(cls, id, field, exists=False) from None
        if record.status is not Status.ACTIVE:
            raise _not_active(cls, id, field, exists=True)
        self._require_organization_active(record, field)

    def _require_organization_active(self, record: Record, field: str) -> None:
        """A service or location is in service only while its organization is active: the
        rule of registering one, and of linking, reactivating or merging into one."""
        if not _in_service(record, self._organization_active):
            raise _organization_not_active(record, field)

    def _organization_active(self, id: UUID) -> bool:
        try:
            organization: object = self.operations.repository.get(id)
        except AggregateNotFoundError:
            return False
        return isinstance(organization, Organization) and organization.status is Status.ACTIVE

    def _one_by_one(self, ids: Sequence[UUID]) -> Mapping[UUID, Aggregate]:
        found: dict[UUID, Aggregate] = {}
        for id in ids:
            if id in self.operations.repository:
                found[id] = self.operations.repository.get(id)
        return found


def _references(command: Registration) -> tuple[Reference, ...]:
    """The records a new one refers to, which must be active."""
    if isinstance(command, RegisterService | RegisterLocation):
        return ((Organization, command.organization_id, "organization_id"),)
    if isinstance(command, LinkServiceToLocation):
        return (
            (Service, command.service_id, "service_id"),
            (Location, command.location_id, "location_id"),
        )
    return ()


def _organization(record: object) -> UUID | None:
    """The organization a service or location belongs to (an organization belongs to none)."""
    return record.organization_id if isinstance(record, Service | Location) else None


def _in_service(record: object, organization_active: Callable[[UUID], bool]) -> TypeGuard[Record]:
    """Active, and for a service or location, of an organization that is active too."""
    if not isinstance(record, Record) or record.status is not Status.ACTIVE:
        return False
    owner = _organization(record)
    return owner is None or organization_active(owner)


def _organization_in(active: Mapping[UUID, type[Aggregate]], opened: set[UUID], id: UUID) -> bool:
    """In a batch: an organization known active (`active`) or read active for this chunk."""
    return issubclass(active.get(id, Aggregate), Organization) or id in opened


def _organization_not_active(record: Record, field: str) -> InvalidInput:
    return InvalidInput(
        field,
        f"the organization {_organization(record)} of {record.kind} {record.id} is not active",
    )


def _not_active(cls: type[Record], id: UUID, field: str, *, exists: bool) -> InvalidInput:
    if exists:
        return InvalidInput(field, f"{id} is not an active {cls.kind}")
    return InvalidInput(field, f"no {cls.kind} has the id {id}")
