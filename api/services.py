"""Services, locations and where services are offered, in GraphQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, cast
from uuid import UUID

import strawberry

from api import access
from api.consistency import reach
from api.context import Context, Info
from api.directory import (
    DESCRIPTION,
    NAME,
    LocalizedTextInput,
    LocalizedTextType,
    Receipt,
    localized,
    parse_id,
)
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
    at_input,
)
from api.node import Node
from api.records import REASON, Change, EditResult, edit, reason_of
from api.territories import Territory
from domain import limits
from domain.errors import NotFound
from domain.limits import at_most
from domain.locations import Location as LocationRecord
from domain.records import DESCRIPTION_MAX, NAME_MAX
from domain.services import Service as ServiceRecord
from domain.values import (
    Address,
    Coordinates,
    LocalizedText,
    OpeningHours,
    Phone,
    Schedule,
    parse_codes,
    parse_languages,
    parse_taxonomy,
)
from infra.tokens import Principal, Role

Fields = dict[str, Any]


def text(record: Fields, name: str) -> LocalizedTextType:
    return LocalizedTextType(fr=record.get(f"{name}.fr") or "", en=record.get(f"{name}.en") or "")


@strawberry.type
class PhoneType:
    number: str
    kind: str
    extension: str | None


@strawberry.type
class OpeningHoursType:
    weekday: int = strawberry.field(description="ISO weekday: 1 is Monday, 7 is Sunday.")
    opens: str
    closes: str


@strawberry.type
class ScheduleType:
    hours: list[OpeningHoursType]
    closed_on: list[date]


@strawberry.type
class AddressType:
    street: str
    city: str
    postal_code: str
    province: str
    country: str


@strawberry.type
class CoordinatesType:
    latitude: float
    longitude: float


@strawberry.type
class Location(Node):
    version: int
    name: LocalizedTextType
    description: LocalizedTextType
    accessibility: LocalizedTextType
    address: AddressType | None
    coordinates: CoordinatesType | None
    virtual: bool
    status: str

    @classmethod
    def from_fields(cls, id: UUID, record: Fields) -> Location:
        address, point = record.get("address"), record.get("coordinates")
        return cls(
            id=strawberry.ID(str(id)),
            version=int(record["version"]),
            name=text(record, "name"),
            description=text(record, "description"),
            accessibility=text(record, "accessibility"),
            address=AddressType(**address) if address else None,
            coordinates=CoordinatesType(**point) if point else None,
            virtual=address is None,
            status=str(record["status"]),
        )


@strawberry.type
class Service(Node):
    version: int
    organization_id: strawberry.ID
    name: LocalizedTextType
    description: LocalizedTextType
    eligibility: LocalizedTextType
    fees: LocalizedTextType
    application_process: LocalizedTextType
    taxonomy_codes: list[str]
    languages: list[str] = strawberry.field(description="ISO 639 codes.")
    phones: list[PhoneType]
    schedule: ScheduleType
    status: str
    last_verified_at: datetime | None
    area_codes: strawberry.Private[list[str]]

    @strawberry.field(description="Territories the service serves.")
    async def service_areas(self, info: Info) -> list[Territory]:
        found = await info.context.loaders.territory.load_many(self.area_codes)
        return [territory for territory in found if territory is not None]

    @strawberry.field(description="Where the service is offered.")
    async def locations(self, info: Info) -> list[Location]:
        container = info.context.container
        links = await info.context.call(container.history.linked, "service_id", UUID(self.id))
        records = await info.context.call(container.history.records, links)
        location_ids = [UUID(str(r["location_id"])) for r in records.values()]
        found = await info.context.call(container.history.records, location_ids)
        principal = info.context.principal
        return [
            Location.from_fields(i, found[i])
            for i in location_ids
            if i in found and not hidden(found[i], principal)
        ]

    @classmethod
    def from_fields(cls, id: UUID, record: Fields) -> Service:
        schedule = record.get("schedule") or {"hours": [], "closed_on": []}
        verified = record.get("last_verified_at")
        return cls(
            id=strawberry.ID(str(id)),
            version=int(record["version"]),
            organization_id=strawberry.ID(str(record["organization_id"])),
            name=text(record, "name"),
            description=text(record, "description"),
            eligibility=text(record, "eligibility"),
            fees=text(record, "fees"),
            application_process=text(record, "application_process"),
            taxonomy_codes=list(record.get("taxonomy_codes") or []),
            languages=list(record.get("languages") or []),
            phones=[PhoneType(**phone) for phone in record.get("phones") or []],
            schedule=ScheduleType(
                hours=[OpeningHoursType(**hours) for hours in schedule["hours"]],
                closed_on=[date.fromisoformat(day) for day in schedule["closed_on"]],
            ),
            status=str(record["status"]),
            last_verified_at=datetime.fromisoformat(verified) if verified else None,
            area_codes=list(record.get("service_areas") or []),
        )


@strawberry.input
class PhoneInput:
    number: str = strawberry.field(description=at_most(limits.PHONE_MAX))
    kind: str = strawberry.field(default="voice", description="voice, fax, text or tty.")
    extension: str | None = strawberry.field(
        default=None, description=f"Digits only. {at_most(limits.EXTENSION_MAX)}"
    )


@strawberry.input
class OpeningHoursInput:
    weekday: int
    opens: str
    closes: str


@strawberry.input
class ScheduleInput:
    hours: list[OpeningHoursInput] = strawberry.field(
        description=at_most(limits.HOURS_MAX, "entries")
    )
    closed_on: list[date] = strawberry.field(
        default_factory=list, description=at_most(limits.CLOSED_DAYS_MAX, "days")
    )


@strawberry.input
class AddressInput:
    street: str = strawberry.field(description=at_most(limits.STREET_MAX))
    city: str = strawberry.field(description=at_most(limits.CITY_MAX))
    postal_code: str = strawberry.field(description=at_most(limits.POSTAL_CODE_MAX))
    province: str = strawberry.field(default="QC", description=at_most(limits.REGION_MAX))


@strawberry.input
class CoordinatesInput:
    latitude: float
    longitude: float


TAXONOMY = at_most(limits.TAXONOMY_MAX, "codes")
LANGUAGES = at_most(limits.LANGUAGES_MAX, "ISO 639 codes")
AREAS = at_most(limits.SERVICE_AREAS_MAX, "territory codes")
PHONES = at_most(limits.PHONES_MAX, "phones")


@strawberry.input
class RegisterServiceInput:
    organization_id: strawberry.ID
    name: LocalizedTextInput = strawberry.field(description=NAME)
    description: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    taxonomy_codes: list[str] = strawberry.field(default_factory=list, description=TAXONOMY)
    languages: list[str] = strawberry.field(default_factory=list, description=LANGUAGES)
    service_areas: list[str] = strawberry.field(default_factory=list, description=AREAS)
    eligibility: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    fees: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    application_process: LocalizedTextInput | None = strawberry.field(
        default=None, description=DESCRIPTION
    )
    phones: list[PhoneInput] = strawberry.field(default_factory=list, description=PHONES)
    schedule: ScheduleInput | None = None


@strawberry.input
class RegisterLocationInput:
    organization_id: strawberry.ID
    name: LocalizedTextInput = strawberry.field(description=NAME)
    description: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    address: AddressInput | None = strawberry.field(
        default=None, description="Leave out for a virtual location."
    )
    coordinates: CoordinatesInput | None = None
    accessibility: LocalizedTextInput | None = strawberry.field(
        default=None, description=DESCRIPTION
    )


@strawberry.input
class LinkServiceInput:
    service_id: strawberry.ID
    location_id: strawberry.ID


@strawberry.input
class AmendServiceInput:
    id: strawberry.ID
    expected_version: int
    name: LocalizedTextInput | None = strawberry.field(default=None, description=NAME)
    description: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    taxonomy_codes: list[str] | None = strawberry.field(default=None, description=TAXONOMY)
    languages: list[str] | None = strawberry.field(default=None, description=LANGUAGES)
    service_areas: list[str] | None = strawberry.field(default=None, description=AREAS)
    phones: list[PhoneInput] | None = strawberry.field(default=None, description=PHONES)
    schedule: ScheduleInput | None = None
    eligibility: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    fees: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    application_process: LocalizedTextInput | None = strawberry.field(
        default=None, description=DESCRIPTION
    )
    reason: str | None = strawberry.field(default=None, description=REASON)


@strawberry.input
class ChangeAccessibilityInput:
    id: strawberry.ID
    expected_version: int
    accessibility: LocalizedTextInput = strawberry.field(description=DESCRIPTION)
    reason: str | None = strawberry.field(default=None, description=REASON)


@strawberry.input
class MoveLocationInput:
    id: strawberry.ID
    expected_version: int
    address: AddressInput | None = strawberry.field(
        default=None, description="Leave out to make the location virtual."
    )
    coordinates: CoordinatesInput | None = None
    reason: str | None = strawberry.field(default=None, description=REASON)


WriteResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("RegisterRecordResult"),
]
ServiceResult = Annotated[
    Service | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("ServiceResult"),
]
LocationResult = Annotated[
    Location | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("LocationResult"),
]


def optional_text(field: str, value: LocalizedTextInput | None) -> LocalizedText:
    return localized(field, value, required=False, limit=DESCRIPTION_MAX, multiline=True)


def areas(field: str, given: list[str]) -> tuple[str, ...]:
    return tuple(parse_codes(field, given, limits.SERVICE_AREAS_MAX))


def phones(field: str, given: list[PhoneInput]) -> tuple[Phone, ...]:
    limits.bounded(field, given, limits.PHONES_MAX)
    return tuple(
        Phone.parse(f"{field}[{i}]", p.number, p.kind, p.extension) for i, p in enumerate(given)
    )


def schedule(field: str, given: ScheduleInput | None) -> Schedule:
    if given is None:
        return Schedule()
    limits.bounded(f"{field}.hours", given.hours, limits.HOURS_MAX)
    limits.bounded(f"{field}.closedOn", given.closed_on, limits.CLOSED_DAYS_MAX)
    hours = tuple(
        OpeningHours.parse(f"{field}.hours[{i}]", h.weekday, h.opens, h.closes)
        for i, h in enumerate(given.hours)
    )
    return Schedule(hours=hours, closed_on=tuple(sorted(set(given.closed_on))))


async def read(info: Info, id: str, kind: str, consistent_with: int | None) -> Fields:
    context = info.context
    record_id = parse_id("id", id)
    await reach(context, ("history",), consistent_with)
    found = await context.call(context.container.history.records, [record_id])
    record = found.get(record_id)
    if record is None or record.get("kind") != kind:
        raise NotFound(kind, record_id)
    return record


def hidden(record: Fields, principal: Principal) -> bool:
    """Inactive services and locations are the directory team's (`access.hides`)."""
    return access.hides(str(record["status"]), principal.role)


async def concealed(context: Context, record: Fields) -> bool:
    """`hidden`, or offered by an organization that is: a service or location of a deactivated
    or merged organization is no more the public's than the organization itself."""
    principal = context.principal
    if hidden(record, principal):
        return True
    owner = record.get("organization_id")
    if owner is None or not access.hides("inactive", principal.role):
        return False
    owner_id = UUID(str(owner))
    found = (await context.call(context.container.history.records, [owner_id])).get(owner_id)
    return found is not None and hidden(found, principal)


@strawberry.type
class ServiceQuery:
    @strawberry.field(description="A service's current state.")
    async def service(
        self, info: Info, id: strawberry.ID, consistent_with: int | None = None
    ) -> ServiceResult:
        try:
            record = await read(info, id, "service", consistent_with)
            if await concealed(info.context, record):
                raise NotFound("service", UUID(id))
            return Service.from_fields(UUID(id), record)
        except EXPECTED as error:
            return cast(ServiceResult, as_error(error))

    @strawberry.field(description="A location's current state.")
    async def location(
        self, info: Info, id: strawberry.ID, consistent_with: int | None = None
    ) -> LocationResult:
        try:
            record = await read(info, id, "location", consistent_with)
            if await concealed(info.context, record):
                raise NotFound("location", UUID(id))
            return Location.from_fields(UUID(id), record)
        except EXPECTED as error:
            return cast(LocationResult, as_error(error))


def address(given: AddressInput | None) -> Address | None:
    if given is None:
        return None
    return Address.parse(
        "input.address", given.street, given.city, given.postal_code, given.province
    )


def coordinates(given: CoordinatesInput | None) -> Coordinates | None:
    if given is None:
        return None
    return Coordinates.parse("input.coordinates", given.latitude, given.longitude)


@strawberry.type
class ServiceMutation:
    @strawberry.mutation(description="Changes a service's fields; one fact per real change.")
    async def amend_service(self, info: Info, input: AmendServiceInput) -> EditResult:
        def prepare() -> Change:
            name = input.name and localized("input.name", input.name, required=True, limit=NAME_MAX)
            description = input.description and optional_text(
                "input.description", input.description
            )
            taxonomy = input.taxonomy_codes
            languages = input.languages
            areas = input.service_areas
            fields: dict[str, Any] = {
                "name": name or None,
                "description": description or None,
                "taxonomy_codes": parse_taxonomy("input.taxonomyCodes", taxonomy)
                if taxonomy is not None
                else None,
                "languages": parse_languages("input.languages", languages)
                if languages is not None
                else None,
                "service_areas": tuple(
                    parse_codes("input.serviceAreas", areas, limits.SERVICE_AREAS_MAX)
                )
                if areas is not None
                else None,
                "phones": phones("input.phones", input.phones)
                if input.phones is not None
                else None,
                "schedule": schedule("input.schedule", input.schedule)
                if input.schedule is not None
                else None,
                **{
                    field: optional_text(f"input.{name}", value) if value is not None else None
                    for field, name, value in (
                        ("eligibility", "eligibility", input.eligibility),
                        ("fees", "fees", input.fees),
                        ("application_process", "applicationProcess", input.application_process),
                    )
                },
            }
            reason = reason_of(input.reason)
            operations = info.context.container.operations

            def change(service: ServiceRecord, actor: str, at: datetime) -> None:
                if fields["service_areas"] is not None:
                    operations.require_territories(fields["service_areas"], "input.serviceAreas")
                service.amend(**fields, reason=reason, actor=actor, at=at)

            return change

        return await edit(info, ServiceRecord, input.id, input.expected_version, prepare)

    @strawberry.mutation(description="Says how people with disabilities reach a location.")
    async def change_location_accessibility(
        self, info: Info, input: ChangeAccessibilityInput
    ) -> EditResult:
        def prepare() -> Change:
            text = optional_text("input.accessibility", input.accessibility)
            reason = reason_of(input.reason)
            return lambda location, actor, at: location.change_accessibility(
                text, reason=reason, actor=actor, at=at
            )

        return await edit(info, LocationRecord, input.id, input.expected_version, prepare)

    @strawberry.mutation(description="Moves a location to a new address (or makes it virtual).")
    async def move_location(self, info: Info, input: MoveLocationInput) -> EditResult:
        def prepare() -> Change:
            new_address, point = address(input.address), coordinates(input.coordinates)
            reason = reason_of(input.reason)
            return lambda location, actor, at: location.move(
                new_address, point, reason=reason, actor=actor, at=at
            )

        return await edit(info, LocationRecord, input.id, input.expected_version, prepare)

    @strawberry.mutation(description="Registers a service of an active organization.")
    async def register_service(self, info: Info, input: RegisterServiceInput) -> WriteResult:
        context = info.context
        try:
            actor = context.require(Role.EDITOR).name
            receipt = await context.call(
                context.container.operations.register_service,
                context.container.new_id(),
                parse_id("input.organizationId", input.organization_id),
                localized("input.name", input.name, required=True, limit=NAME_MAX),
                optional_text("input.description", input.description),
                service_areas=areas("input.serviceAreas", input.service_areas),
                taxonomy_codes=parse_taxonomy("input.taxonomyCodes", input.taxonomy_codes),
                languages=parse_languages("input.languages", input.languages),
                eligibility=optional_text("input.eligibility", input.eligibility),
                fees=optional_text("input.fees", input.fees),
                application_process=optional_text(
                    "input.applicationProcess", input.application_process
                ),
                phones=phones("input.phones", input.phones),
                schedule=schedule("input.schedule", input.schedule),
                actor=actor,
                at=context.container.clock.now(),
            )
            return Receipt.of(receipt)
        except EXPECTED as error:
            return cast(WriteResult, as_error(at_input(error)))

    @strawberry.mutation(description="Registers a location (an address, or virtual).")
    async def register_location(self, info: Info, input: RegisterLocationInput) -> WriteResult:
        context = info.context
        try:
            actor = context.require(Role.EDITOR).name
            receipt = await context.call(
                context.container.operations.register_location,
                context.container.new_id(),
                parse_id("input.organizationId", input.organization_id),
                localized("input.name", input.name, required=True, limit=NAME_MAX),
                description=optional_text("input.description", input.description),
                address=address(input.address),
                coordinates=coordinates(input.coordinates),
                accessibility=optional_text("input.accessibility", input.accessibility),
                actor=actor,
                at=context.container.clock.now(),
            )
            return Receipt.of(receipt)
        except EXPECTED as error:
            return cast(WriteResult, as_error(at_input(error)))

    @strawberry.mutation(description="Records that a service is offered at a location.")
    async def link_service_to_location(self, info: Info, input: LinkServiceInput) -> WriteResult:
        context = info.context
        try:
            actor = context.require(Role.EDITOR).name
            receipt = await context.call(
                context.container.operations.link_service_to_location,
                parse_id("input.serviceId", input.service_id),
                parse_id("input.locationId", input.location_id),
                actor=actor,
                at=context.container.clock.now(),
            )
            return Receipt.of(receipt)
        except EXPECTED as error:
            return cast(WriteResult, as_error(at_input(error)))
