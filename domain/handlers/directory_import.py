"""Importing a directory kept elsewhere: each record registered when Guichet lacks it and
amended when Guichet holds it, by the directory handler's rules, many records a transaction.

The source fills one language; the other language Guichet holds is kept. Records are known by
their ids, so importing the same records again records nothing, and an interrupted import is
completed by running it again. A record the rules refuse is left out whole (never half-written)
and the others go on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.directory import Organization
from domain.errors import InvalidInput
from domain.handlers.directory import (
    DirectoryHandler,
    LinkServiceToLocation,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    Registration,
)
from domain.locations import Location, ServiceAtLocation
from domain.records import Record, Status, VerificationMethod
from domain.services import Service
from domain.values import LocalizedText, parse_territory_codes


class ServiceState(Enum):
    """What the source says of a service's availability."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    TEMPORARILY_CLOSED = "temporarily closed"


@dataclass(frozen=True, slots=True)
class ImportService:
    """A service as the source has it: its fields, its state, and when the source last had it
    confirmed (`assured_on`, by `assurer`)."""

    service: RegisterService
    state: ServiceState = ServiceState.ACTIVE
    assured_on: datetime | None = None
    assurer: str | None = None
    # Fields the source does not hold (their table or column is not in it): see `Partial`.
    absent: frozenset[str] = frozenset()

    @property
    def id(self) -> UUID:
        return self.service.id


@dataclass(frozen=True, slots=True)
class Partial:
    """An organization or a location of which the source holds only some fields.

    `absent` names the fields the source does not hold at all (a file or column not in it, an
    object without the key), not those it holds empty: a record Guichet holds keeps its value
    of each (a package of only `services.csv` leaves its phones), a new one gets them empty."""

    record: RegisterOrganization | RegisterLocation
    absent: frozenset[str] = frozenset()

    @property
    def id(self) -> UUID:
        return self.record.id


@dataclass(frozen=True, slots=True)
class PlaceholderOrganization:
    """An organization the source's records refer to and the source does not hold.

    When Guichet lacks it, it is registered under `name` and flagged for review with `reason`,
    and so is each record newly registered under it; when Guichet holds it, it is left as it is
    (never renamed to the placeholder)."""

    id: UUID
    name: LocalizedText
    reason: str


# A record as the source has it.
SourceRecord = (
    RegisterOrganization
    | Partial
    | PlaceholderOrganization
    | RegisterLocation
    | ImportService
    | LinkServiceToLocation
)


class Outcome(Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Result:
    """What became of one record: `refused` says why it was left out; `left_out`, a value the
    rules refused while the record itself was written (an assured date in the future);
    `flagged`, why the import flagged it for review."""

    outcome: Outcome
    refused: InvalidInput | None = None
    left_out: InvalidInput | None = None
    flagged: str | None = None  # why the record was flagged for review by this import


@dataclass(frozen=True, slots=True)
class ImportReceipt:
    """The log position after the batch, the facts written, and one result per record."""

    position: int
    facts: int
    results: tuple[Result, ...]


# A service's parts the source holds in child tables, each replaced whole or left as it is.
_SERVICE_PARTS = ("phones", "schedule", "taxonomy_codes", "languages")
_KINDS: dict[type, type[Aggregate]] = {
    RegisterOrganization: Organization,
    PlaceholderOrganization: Organization,
    RegisterLocation: Location,
    ImportService: Service,
    LinkServiceToLocation: ServiceAtLocation,
}


class _Remembering(DirectoryHandler):
    """The directory handler, remembering for one import the records it built and those it
    read as references, so that a later batch refers to them without reading them again."""

    def __init__(self, directory: DirectoryHandler) -> None:
        self.read = directory.current
        self.known: dict[UUID, Aggregate] = {}
        # Ids the current batch found no record of; register_all need not look for them again.
        self.absent: set[UUID] = set()
        super().__init__(directory.operations, self._references)

    def held(self, ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
        """The records among `ids` that exist; those not remembered are read, not remembered
        (an import reads every record it holds, most of them never referred to again)."""
        found = {id: self.known[id] for id in ids if id in self.known}
        missing = [id for id in ids if id not in found and id not in self.absent]
        if missing:
            found.update(self.read(missing))
        return found

    def _references(self, ids: Sequence[UUID]) -> Mapping[UUID, Aggregate]:
        found = self.held(ids)
        self.known.update((id, r) for id, r in found.items() if isinstance(r, Record))
        return found

    def _build(self, command: Registration, *, actor: str, at: datetime) -> Aggregate:
        # register_all saves what it builds or raises: a record built here is a record stored.
        aggregate = super()._build(command, actor=actor, at=at)
        if isinstance(aggregate, Record):
            self.known[aggregate.id] = aggregate
        return aggregate


class DirectoryImport:
    """The directory handler's rules applied to records from another system, in batches; one
    instance per import (it remembers the records the import built and referred to)."""

    def __init__(self, directory: DirectoryHandler, *, source: str) -> None:
        self.handler = _Remembering(directory)
        self.operations = directory.operations
        self.source = source
        # Placeholder organizations of this import (new, or held still as placed) → why.
        self.placeholders: dict[UUID, str] = {}

    def import_all(
        self, records: Sequence[SourceRecord], *, language: str, actor: str, at: datetime
    ) -> ImportReceipt:
        """`language` ("fr" or "en") is the one the source's text is in.

        Amends the records Guichet holds, then registers those it lacks by
        `DirectoryHandler.register_all`, so with its rules (active references, known service
        areas); a record refused is left out whole and the others go on."""
        absent = [_absent(record) for record in records]
        records = [record.record if isinstance(record, Partial) else record for record in records]
        current = self.handler.held([record.id for record in records])
        results: dict[int, Result] = {}
        changed: list[Aggregate] = []
        for index, record in enumerate(records):
            found = current.get(record.id)
            if found is None:
                continue
            try:
                left_out = self._amend(
                    record, found, absent[index], language=language, actor=actor, at=at
                )
            except InvalidInput as error:
                self.handler.known.pop(record.id, None)  # holds changes never to be stored
                results[index] = Result(Outcome.REFUSED, refused=error)
                continue
            outcome = Outcome.CHANGED if found.pending_events else Outcome.UNCHANGED
            results[index] = Result(outcome, left_out=left_out)
            if found.pending_events:
                changed.append(found)
        facts = sum(len(aggregate.pending_events) for aggregate in changed)
        # Saved first: a service deactivated here is no longer one to offer at a location.
        position = self.operations.save_in_chunks(changed) if changed else 0
        new = [i for i, record in enumerate(records) if record.id not in current]
        if not new:  # a re-import's usual batch
            return ImportReceipt(position, facts, tuple(results[i] for i in range(len(records))))
        self.handler.absent = {records[i].id for i in new}
        try:
            registered = self.handler.register_all(
                [_registration(records[i]) for i in new], actor=actor, at=at
            )
        finally:
            self.handler.absent = set()
        facts += len(registered.new)
        for refused in registered.refused:
            results[new[refused.index]] = Result(Outcome.REFUSED, refused=refused.error)
        for index in registered.existing:  # a repeat, or written by another writer meanwhile
            results[new[index]] = Result(Outcome.UNCHANGED)
        # A new service's state and assured date are facts of their own, after its registration.
        following: list[Aggregate] = []
        created = [i for i in new if i not in results]
        # As built (remembered by _build), or read again should the handler build otherwise.
        built = self.handler.held([records[i].id for i in created if _follows(records[i])])
        for index in created:
            record, left_out = records[index], None
            aggregate = built.get(record.id)
            flagged = self._placed(record)
            if isinstance(aggregate, Record) and flagged is not None:
                aggregate.flag_for_review(flagged, actor=actor, at=at)
            # After the placeholder's flag: a re-import finds the state's flag and keeps it.
            if isinstance(record, ImportService) and isinstance(aggregate, Service):
                left_out = self._state(aggregate, record, actor=actor, at=at)
            if isinstance(aggregate, Record) and aggregate.pending_events:
                following.append(aggregate)
            results[index] = Result(Outcome.NEW, left_out=left_out, flagged=flagged)
        facts += sum(len(aggregate.pending_events) for aggregate in following)
        position = max(position, registered.position)
        if following:
            position = self.operations.save_in_chunks(following)
        return ImportReceipt(position, facts, tuple(results[i] for i in range(len(records))))

    def _placed(self, record: SourceRecord) -> str | None:
        """Why a newly registered record is flagged for review, if it is a placeholder or
        placed under one."""
        if isinstance(record, PlaceholderOrganization):
            self.placeholders[record.id] = record.reason
            return record.reason
        owner = (
            record.service.organization_id if isinstance(record, ImportService)
            else record.organization_id if isinstance(record, RegisterLocation)
            else None
        )  # fmt: skip
        reason = self.placeholders.get(owner) if owner is not None else None
        return None if reason is None else f"{reason}; imported under a placeholder organization"

    # -- records Guichet holds -------------------------------------------------------------

    def _amend(
        self,
        record: SourceRecord,
        found: Aggregate,
        absent: frozenset[str],
        *,
        language: str,
        actor: str,
        at: datetime,
    ) -> InvalidInput | None:
        """Applies the source's record to the one Guichet holds; raises, leaving `found` to be
        thrown away, when the rules refuse any part of it. A field in `absent` is one the
        source does not hold: it is left as Guichet holds it."""
        expected = _KINDS[type(record)]
        if not isinstance(found, expected):
            held = getattr(found, "kind", type(found).__name__)
            raise InvalidInput("id", f"{record.id} is a record of another kind in Guichet ({held})")
        if isinstance(found, Record) and found.status is Status.MERGED:
            raise InvalidInput("id", f"{record.id} was merged in Guichet into {found.merged_into}")
        reason = f"imported from {self.source} data"

        def text(held: LocalizedText, given: LocalizedText, name: str = "") -> LocalizedText:
            if name in absent:
                return held
            if language == "fr":
                return LocalizedText(fr=given.fr, en=held.en)
            return LocalizedText(fr=held.fr, en=given.en)

        if isinstance(record, PlaceholderOrganization):
            if isinstance(found, Organization) and _placed_name(found.name, record.name):
                self.placeholders[record.id] = record.reason
        elif isinstance(record, RegisterOrganization) and isinstance(found, Organization):
            website = found.website if "website" in absent else record.website
            found.amend(
                name=text(found.name, record.name),
                description=text(found.description, record.description, "description"),
                website=website, clear_website=website is None,
                reason=reason, actor=actor, at=at,
            )  # fmt: skip
        elif isinstance(record, RegisterLocation) and isinstance(found, Location):
            found.rename(text(found.name, record.name), reason=reason, actor=actor, at=at)
            found.describe(
                text(found.description, record.description, "description"),
                reason=reason, actor=actor, at=at,
            )  # fmt: skip
            address = found.address if "address" in absent else record.address
            coordinates = found.coordinates if "coordinates" in absent else record.coordinates
            if address is None and coordinates is not None:  # the source's pair, not half of it
                address, coordinates = record.address, record.coordinates
            found.move(address, coordinates, reason=reason, actor=actor, at=at)
            found.change_accessibility(
                text(found.accessibility, record.accessibility, "accessibility"),
                reason=reason, actor=actor, at=at,
            )  # fmt: skip
        elif isinstance(record, ImportService) and isinstance(found, Service):
            given = record.service
            # None: left as Guichet holds it.
            held = {f: None if f in absent else getattr(given, f) for f in _SERVICE_PARTS}
            areas = None
            if "service_areas" not in absent:
                areas = parse_territory_codes("service_areas", given.service_areas)
                self.operations.require_territories(areas, "service_areas")
            found.amend(
                name=text(found.name, given.name),
                description=text(found.description, given.description, "description"),
                service_areas=areas, **held,
                eligibility=text(found.eligibility, given.eligibility, "eligibility"),
                fees=text(found.fees, given.fees, "fees"),
                application_process=text(
                    found.application_process, given.application_process, "application_process"
                ),
                reason=reason, actor=actor, at=at,
            )  # fmt: skip
            return self._state(found, record, actor=actor, at=at)
        return None

    def _state(
        self, service: Service, record: ImportService, *, actor: str, at: datetime
    ) -> InvalidInput | None:
        """The service's state as the source has it (as Guichet has it when the source has no
        status); an assured date the rules refuse is left out, and the rest of the record kept."""
        closed = f"temporarily closed in the imported {self.source} data"
        state = None if "status" in record.absent else record.state
        if state is ServiceState.INACTIVE and service.status is Status.ACTIVE:
            service.deactivate(f"inactive in the imported {self.source} data", actor=actor, at=at)
        elif state not in (None, ServiceState.INACTIVE) and service.status is Status.INACTIVE:
            service.reactivate(f"active in the imported {self.source} data", actor=actor, at=at)
        if state is ServiceState.TEMPORARILY_CLOSED and service.flagged != closed:
            service.flag_for_review(closed, actor=actor, at=at)
        assured = record.assured_on
        if assured is None or (service.verified_at is not None and assured <= service.verified_at):
            return None
        try:
            service.verify(
                VerificationMethod.IMPORTED,
                record.assurer or f"{self.source} assured_date",
                f"assured_date of the imported {self.source} data",
                actor=actor,
                at=at,
                occurred_at=assured,
            )
        except InvalidInput as error:
            return error
        return None


def _placed_name(held: LocalizedText, placed: LocalizedText) -> bool:
    """Whether an organization still bears its placeholder's name (not yet named by an
    editor), in both languages or, as earlier imports named them, in one."""
    return held in (placed, LocalizedText(fr=placed.fr, en=""), LocalizedText(fr="", en=placed.en))


def _absent(record: SourceRecord) -> frozenset[str]:
    return record.absent if isinstance(record, Partial | ImportService) else frozenset()


def _registration(record: SourceRecord) -> Registration:
    if isinstance(record, PlaceholderOrganization):
        return RegisterOrganization(record.id, record.name)
    if isinstance(record, Partial):
        return record.record
    return record.service if isinstance(record, ImportService) else record


def _follows(record: SourceRecord) -> bool:
    """Whether a new record may have facts of its own after its registration."""
    return not isinstance(record, RegisterOrganization | LinkServiceToLocation)
