"""Registering and changing services and locations, and where services are offered."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

import strawberry

from api.context import Info
from api.errors import (
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
)
from api.handling import written
from api.records import EditResult
from api.shared import (
    DESCRIPTION,
    NAME,
    REASON,
    LocalizedTextInput,
    Receipt,
    long_text,
    name_of,
    parse_id,
    reason_of,
)
from domain import limits
from domain.handlers.directory import (
    AmendService,
    ChangeLocationAccessibility,
    LinkServiceToLocation,
    MoveLocation,
    RegisterLocation,
    RegisterService,
)
from domain.limits import at_most
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


def service_areas(field: str, given: list[str]) -> tuple[str, ...]:
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
        def prepare() -> AmendService:
            def text(name: str, value: LocalizedTextInput | None) -> LocalizedText | None:
                return None if value is None else long_text(f"input.{name}", value)

            taxonomy, languages, areas = input.taxonomy_codes, input.languages, input.service_areas
            return AmendService(
                parse_id("input.id", input.id),
                input.expected_version,
                name=name_of("input.name", input.name) if input.name else None,
                description=text("description", input.description),
                taxonomy_codes=None
                if taxonomy is None
                else parse_taxonomy("input.taxonomyCodes", taxonomy),
                languages=None
                if languages is None
                else parse_languages("input.languages", languages),
                service_areas=None if areas is None else service_areas("input.serviceAreas", areas),
                phones=None if input.phones is None else phones("input.phones", input.phones),
                schedule=None
                if input.schedule is None
                else schedule("input.schedule", input.schedule),
                eligibility=text("eligibility", input.eligibility),
                fees=text("fees", input.fees),
                application_process=text("applicationProcess", input.application_process),
                reason=reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(info, info.context.container.directory_handler.amend_service, prepare),
        )

    @strawberry.mutation(description="Says how people with disabilities reach a location.")
    async def change_location_accessibility(
        self, info: Info, input: ChangeAccessibilityInput
    ) -> EditResult:
        def prepare() -> ChangeLocationAccessibility:
            return ChangeLocationAccessibility(
                parse_id("input.id", input.id),
                input.expected_version,
                long_text("input.accessibility", input.accessibility),
                reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(
                info,
                info.context.container.directory_handler.change_location_accessibility,
                prepare,
            ),
        )

    @strawberry.mutation(description="Moves a location to a new address (or makes it virtual).")
    async def move_location(self, info: Info, input: MoveLocationInput) -> EditResult:
        def prepare() -> MoveLocation:
            return MoveLocation(
                parse_id("input.id", input.id),
                input.expected_version,
                address(input.address),
                coordinates(input.coordinates),
                reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(info, info.context.container.directory_handler.move_location, prepare),
        )

    @strawberry.mutation(description="Registers a service of an active organization.")
    async def register_service(self, info: Info, input: RegisterServiceInput) -> WriteResult:
        def prepare() -> RegisterService:
            return RegisterService(
                info.context.container.new_id(),
                parse_id("input.organizationId", input.organization_id),
                name_of("input.name", input.name),
                long_text("input.description", input.description),
                service_areas=service_areas("input.serviceAreas", input.service_areas),
                taxonomy_codes=parse_taxonomy("input.taxonomyCodes", input.taxonomy_codes),
                languages=parse_languages("input.languages", input.languages),
                eligibility=long_text("input.eligibility", input.eligibility),
                fees=long_text("input.fees", input.fees),
                application_process=long_text(
                    "input.applicationProcess", input.application_process
                ),
                phones=phones("input.phones", input.phones),
                schedule=schedule("input.schedule", input.schedule),
            )

        return cast(
            WriteResult,
            await written(info, info.context.container.directory_handler.register_service, prepare),
        )

    @strawberry.mutation(description="Registers a location (an address, or virtual).")
    async def register_location(self, info: Info, input: RegisterLocationInput) -> WriteResult:
        def prepare() -> RegisterLocation:
            return RegisterLocation(
                info.context.container.new_id(),
                parse_id("input.organizationId", input.organization_id),
                name_of("input.name", input.name),
                description=long_text("input.description", input.description),
                address=address(input.address),
                coordinates=coordinates(input.coordinates),
                accessibility=long_text("input.accessibility", input.accessibility),
            )

        return cast(
            WriteResult,
            await written(
                info, info.context.container.directory_handler.register_location, prepare
            ),
        )

    @strawberry.mutation(description="Records that a service is offered at a location.")
    async def link_service_to_location(self, info: Info, input: LinkServiceInput) -> WriteResult:
        def prepare() -> LinkServiceToLocation:
            return LinkServiceToLocation(
                parse_id("input.serviceId", input.service_id),
                parse_id("input.locationId", input.location_id),
            )

        return cast(
            WriteResult,
            await written(
                info, info.context.container.directory_handler.link_service_to_location, prepare
            ),
        )
