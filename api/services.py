"""Services and locations in GraphQL: their types and the queries that read them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry

from api import access
from api.consistency import reach
from api.context import Context, Info
from api.described import CONSISTENT_WITH, VERSION, outcomes
from api.errors import EXPECTED, ConsistencyTimeoutError, InvalidInputError, NotFoundError, as_error
from api.nodes import Node
from api.shared import LocalizedTextType, parse_id
from api.taxonomy import TaxonomyTermType
from api.territories import Territory
from domain.errors import NotFound
from infra.tokens import Principal
from projections.records import (
    Fields,
    LocationRow,
    ServiceRow,
    kind_of,
    link_row,
    location_row,
    owner_of,
    service_row,
    status_of,
)

FLAGGED_REASON = "Why the record was flagged for review, until it is verified (editors only)."
LOCAL_TIME = "HH:MM on a 24-hour clock, the place's local time (Montréal)."
STATUS = (
    "One of active, inactive (deactivated) or merged (a duplicate); only editors see the last "
    "two, others are told there is none."
)
TEXT = "In French and English; empty strings when not given."


@strawberry.type(description="A phone number to reach a service.")
class PhoneType:
    number: str = strawberry.field(description="Its digits only, like 5145551234.")
    kind: str = strawberry.field(description="One of voice, fax, text or tty.")
    extension: str | None = strawberry.field(description="Digits to dial after it, if any.")


@strawberry.type(description="When a service is open on one weekday.")
class OpeningHoursType:
    weekday: int = strawberry.field(description="ISO weekday: 1 is Monday, 7 is Sunday.")
    opens: str = strawberry.field(description=f"Opening time, {LOCAL_TIME}")
    closes: str = strawberry.field(description=f"Closing time, {LOCAL_TIME} 24:00 is midnight.")


@strawberry.type(description="A service's weekly hours and the days it is closed.")
class ScheduleType:
    hours: list[OpeningHoursType] = strawberry.field(
        description="The periods it is open, by weekday."
    )
    closed_on: list[date] = strawberry.field(
        description="Days closed despite the hours (holidays), in order, as YYYY-MM-DD."
    )


@strawberry.type(
    description="A street address: in Canada (`country` CA) when written through GraphQL, "
    "whose `AddressInput` has no country; an HSDS import keeps its file's country."
)
class AddressType:
    street: str = strawberry.field(description="Number, street and unit, as written.")
    city: str = strawberry.field(description="The municipality.")
    postal_code: str = strawberry.field(description="Upper case, like H2X 1Y4.")
    province: str = strawberry.field(description="Province or state, like QC.")
    country: str = strawberry.field(
        description="The country's code, like CA (ISO 3166), in upper case; CA unless an HSDS "
        "import gave another."
    )


@strawberry.type(description="A point on the map (WGS 84).")
class CoordinatesType:
    latitude: float = strawberry.field(description="Degrees north, -90 to 90, 6 decimals.")
    longitude: float = strawberry.field(description="Degrees east, -180 to 180, 6 decimals.")


@strawberry.type(description="A place where services are offered: an address, or virtual.")
class Location(Node):
    version: int = strawberry.field(description=f"{VERSION} Pass it as expectedVersion.")
    name: LocalizedTextType = strawberry.field(description="Its name, in French and English.")
    description: LocalizedTextType = strawberry.field(description=f"What it is. {TEXT}")
    accessibility: LocalizedTextType = strawberry.field(
        description=f"How people with disabilities get in and around. {TEXT}"
    )
    address: AddressType | None = strawberry.field(
        description="Where it is; null for a virtual location."
    )
    coordinates: CoordinatesType | None = strawberry.field(
        description="Where it is on the map, when known."
    )
    virtual: bool = strawberry.field(description="True when it has no address (online, by phone).")
    status: str = strawberry.field(description=STATUS)
    flagged_reason: str | None = strawberry.field(description=FLAGGED_REASON)

    @classmethod
    def of(cls, row: LocationRow) -> Location:
        address, point = row.address, row.coordinates
        return cls(
            id=strawberry.ID(str(row.id)),
            version=row.version,
            name=LocalizedTextType.of(row.name),
            description=LocalizedTextType.of(row.description),
            accessibility=LocalizedTextType.of(row.accessibility),
            address=AddressType(
                street=address.street, city=address.city, postal_code=address.postal_code,
                province=address.province, country=address.country,
            ) if address else None,
            coordinates=CoordinatesType(latitude=point.latitude, longitude=point.longitude)
            if point
            else None,
            virtual=row.virtual,
            status=row.status,
            flagged_reason=row.flagged_reason,
        )  # fmt: skip


@strawberry.type(description="What an organization offers people, with who may use it and how.")
class Service(Node):
    version: int = strawberry.field(description=f"{VERSION} Pass it as expectedVersion.")
    organization_id: strawberry.ID = strawberry.field(
        description="The id of the organization that offers it."
    )
    name: LocalizedTextType = strawberry.field(description="Its name, in French and English.")
    description: LocalizedTextType = strawberry.field(description=f"What it offers. {TEXT}")
    eligibility: LocalizedTextType = strawberry.field(description=f"Who may use it. {TEXT}")
    fees: LocalizedTextType = strawberry.field(description=f"What it costs. {TEXT}")
    application_process: LocalizedTextType = strawberry.field(
        description=f"How to apply or be referred. {TEXT}"
    )
    taxonomy_codes: list[str] = strawberry.field(
        description="Its taxonomy codes, like BD-1800.2000 (see `categories` for their names)."
    )
    languages: list[str] = strawberry.field(description="ISO 639 codes.")
    phones: list[PhoneType] = strawberry.field(description="Numbers to call, in their order.")
    schedule: ScheduleType = strawberry.field(description="When it is open.")
    status: str = strawberry.field(description=STATUS)
    last_verified_at: datetime | None = strawberry.field(
        description="When an editor last confirmed it with the organization; null: never."
    )
    flagged_reason: str | None = strawberry.field(description=FLAGGED_REASON)
    area_codes: strawberry.Private[list[str]]

    @strawberry.field(
        description="The taxonomy terms of its codes, with their names; a code without a "
        "defined term is only in taxonomyCodes."
    )
    async def categories(self, info: Info) -> list[TaxonomyTermType]:
        found = await info.context.loaders.taxonomy_term.load_many(self.taxonomy_codes)
        return [term for term in found if term is not None]

    @strawberry.field(description="Territories the service serves.")
    async def service_areas(self, info: Info) -> list[Territory]:
        found = await info.context.loaders.territory.load_many(self.area_codes)
        return [territory for territory in found if territory is not None]

    @strawberry.field(description="Where the service is offered.")
    async def locations(self, info: Info) -> list[Location]:
        container = info.context.container
        links = await info.context.call(container.history.linked, "service_id", UUID(self.id))
        records = await info.context.call(container.history.records, links)
        location_ids = [link_row(id, fields).location_id for id, fields in records.items()]
        found = await info.context.call(container.history.records, location_ids)
        principal = info.context.principal
        return [
            Location.of(location_row(i, found[i]))
            for i in location_ids
            if i in found and not hidden(found[i], principal)
        ]

    @classmethod
    def of(cls, row: ServiceRow) -> Service:
        return cls(
            id=strawberry.ID(str(row.id)),
            version=row.version,
            organization_id=strawberry.ID(str(row.organization_id)),
            name=LocalizedTextType.of(row.name),
            description=LocalizedTextType.of(row.description),
            eligibility=LocalizedTextType.of(row.eligibility),
            fees=LocalizedTextType.of(row.fees),
            application_process=LocalizedTextType.of(row.application_process),
            taxonomy_codes=list(row.taxonomy_codes),
            languages=list(row.languages),
            phones=[
                PhoneType(number=p.number, kind=p.kind, extension=p.extension) for p in row.phones
            ],
            schedule=ScheduleType(
                hours=[
                    OpeningHoursType(weekday=h.weekday, opens=h.opens, closes=h.closes)
                    for h in row.schedule.hours
                ],
                closed_on=list(row.schedule.closed_on),
            ),
            status=row.status,
            last_verified_at=row.last_verified_at,
            flagged_reason=row.flagged_reason,
            area_codes=list(row.service_areas),
        )


ServiceResult = Annotated[
    Service | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("ServiceResult", description=outcomes(
        "The service", NotFoundError, InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip
LocationResult = Annotated[
    Location | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("LocationResult", description=outcomes(
        "The location", NotFoundError, InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip


async def read(info: Info, id: str, kind: str, consistent_with: int | None) -> Fields:
    context = info.context
    record_id = parse_id("id", id)
    await reach(context, ("history",), consistent_with)
    found = await context.call(context.container.history.records, [record_id])
    record = found.get(record_id)
    if record is None or kind_of(record) != kind:
        raise NotFound(kind, record_id)
    return record


def hidden(record: Fields, principal: Principal) -> bool:
    """Inactive services and locations are the directory team's (`access.hides`)."""
    return access.hides(status_of(record), principal.role)


async def concealed(context: Context, record: Fields) -> bool:
    """`hidden`, or offered by an organization that is: a service or location of a deactivated
    or merged organization is no more the public's than the organization itself."""
    principal = context.principal
    if hidden(record, principal):
        return True
    owner_id = owner_of(record)
    if owner_id is None or not access.hides("inactive", principal.role):
        return False
    found = (await context.call(context.container.history.records, [owner_id])).get(owner_id)
    return found is not None and hidden(found, principal)


@strawberry.type
class ServiceQuery:
    @strawberry.field(
        description="A service's current state; an inactive one (or one of an inactive "
        "organization) for editors only. Anyone."
    )
    async def service(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The service's id.")],
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> ServiceResult:  # fmt: skip
        try:
            record = await read(info, id, "service", consistent_with)
            if await concealed(info.context, record):
                raise NotFound("service", UUID(id))
            return Service.of(service_row(UUID(id), record))
        except EXPECTED as error:
            return cast(ServiceResult, as_error(error))

    @strawberry.field(
        description="A location's current state; an inactive one (or one of an inactive "
        "organization) for editors only. Anyone."
    )
    async def location(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The location's id.")],
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> LocationResult:  # fmt: skip
        try:
            record = await read(info, id, "location", consistent_with)
            if await concealed(info.context, record):
                raise NotFound("location", UUID(id))
            return Location.of(location_row(UUID(id), record))
        except EXPECTED as error:
            return cast(LocationResult, as_error(error))
