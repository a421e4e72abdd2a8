"""The inputs editors register and change services and locations with, and their parsing into
domain values (each bounded before it is read)."""

from __future__ import annotations

from datetime import date

import strawberry

from api.described import EXPECTED_VERSION
from api.shared import CHANGE_REASON, DESCRIPTION, NAME, LocalizedTextInput
from domain import limits
from domain.limits import at_most
from domain.values import Address, Coordinates, OpeningHours, Phone, Schedule, parse_codes

LOCAL_TIME = "HH:MM on a 24-hour clock, the place's local time."


@strawberry.input(description="A phone number to reach a service.")
class PhoneInput:
    number: str = strawberry.field(
        description=f"As written, like 514 555-1234: 3 to 15 digits are kept. "
        f"{at_most(limits.PHONE_MAX)}"
    )
    kind: str = strawberry.field(default="voice", description="One of voice, fax, text or tty.")
    extension: str | None = strawberry.field(
        default=None, description=f"Digits only. {at_most(limits.EXTENSION_MAX)}"
    )


@strawberry.input(description="When a service is open on one weekday.")
class OpeningHoursInput:
    weekday: int = strawberry.field(description="ISO weekday: 1 is Monday, 7 is Sunday.")
    opens: str = strawberry.field(description=f"Opening time: {LOCAL_TIME}")
    closes: str = strawberry.field(
        description=f"Closing time, after `opens`: {LOCAL_TIME} 24:00 for midnight."
    )


@strawberry.input(description="A service's weekly hours and the days it is closed.")
class ScheduleInput:
    hours: list[OpeningHoursInput] = strawberry.field(
        description=at_most(limits.HOURS_MAX, "entries")
    )
    closed_on: list[date] = strawberry.field(
        default_factory=list,
        description=f"Days closed despite the hours (holidays), as YYYY-MM-DD. "
        f"{at_most(limits.CLOSED_DAYS_MAX, 'days')}",
    )


@strawberry.input(
    description="A street address in Canada: it is stored with the country CA (`AddressType`'s "
    "`country`)."
)
class AddressInput:
    street: str = strawberry.field(
        description=f"Number, street and unit. {at_most(limits.STREET_MAX)}"
    )
    city: str = strawberry.field(description=f"The municipality. {at_most(limits.CITY_MAX)}")
    postal_code: str = strawberry.field(
        description=f"Like H2X 1Y4 (kept in upper case). {at_most(limits.POSTAL_CODE_MAX)}"
    )
    province: str = strawberry.field(
        default="QC", description=f"Like QC. {at_most(limits.REGION_MAX)}"
    )


@strawberry.input(description="A point on the map (WGS 84), kept to 6 decimals.")
class CoordinatesInput:
    latitude: float = strawberry.field(description="Degrees north, -90 to 90.")
    longitude: float = strawberry.field(description="Degrees east, -180 to 180.")


TAXONOMY = at_most(limits.TAXONOMY_MAX, "codes")
LANGUAGES = at_most(limits.LANGUAGES_MAX, "ISO 639 codes")
AREAS = at_most(limits.SERVICE_AREAS_MAX, "territory codes")
PHONES = at_most(limits.PHONES_MAX, "phones")
ORGANIZATION = "The id of the active organization that offers it."


@strawberry.input(description="A new service: only its organization and name are required.")
class RegisterServiceInput:
    organization_id: strawberry.ID = strawberry.field(description=ORGANIZATION)
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
    schedule: ScheduleInput | None = strawberry.field(
        default=None, description="Left out: no hours given."
    )


@strawberry.input(description="A new location: only its organization and name are required.")
class RegisterLocationInput:
    organization_id: strawberry.ID = strawberry.field(description=ORGANIZATION)
    name: LocalizedTextInput = strawberry.field(description=NAME)
    description: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    address: AddressInput | None = strawberry.field(
        default=None, description="Leave out for a virtual location."
    )
    coordinates: CoordinatesInput | None = strawberry.field(
        default=None, description="Where it is on the map, if known; not for a virtual one."
    )
    accessibility: LocalizedTextInput | None = strawberry.field(
        default=None, description=DESCRIPTION
    )


@strawberry.input(description="A service and a location where it is offered.")
class LinkServiceInput:
    service_id: strawberry.ID = strawberry.field(description="The service's id.")
    location_id: strawberry.ID = strawberry.field(description="The location's id.")


@strawberry.input(description="A service's new values: only the fields given change.")
class AmendServiceInput:
    id: strawberry.ID = strawberry.field(description="The service's id.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    name: LocalizedTextInput | None = strawberry.field(default=None, description=NAME)
    description: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    taxonomy_codes: list[str] | None = strawberry.field(default=None, description=TAXONOMY)
    languages: list[str] | None = strawberry.field(default=None, description=LANGUAGES)
    service_areas: list[str] | None = strawberry.field(default=None, description=AREAS)
    phones: list[PhoneInput] | None = strawberry.field(
        default=None, description=f"All of them, replacing the list. {PHONES}"
    )
    schedule: ScheduleInput | None = strawberry.field(
        default=None, description="The whole schedule, replacing it."
    )
    eligibility: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    fees: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    application_process: LocalizedTextInput | None = strawberry.field(
        default=None, description=DESCRIPTION
    )
    reason: str | None = strawberry.field(default=None, description=CHANGE_REASON)


@strawberry.input(description="How people with disabilities reach a location, replaced.")
class ChangeAccessibilityInput:
    id: strawberry.ID = strawberry.field(description="The location's id.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    accessibility: LocalizedTextInput = strawberry.field(description=DESCRIPTION)
    reason: str | None = strawberry.field(default=None, description=CHANGE_REASON)


@strawberry.input(description="A location's new address and map point.")
class MoveLocationInput:
    id: strawberry.ID = strawberry.field(description="The location's id.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    address: AddressInput | None = strawberry.field(
        default=None, description="Leave out to make the location virtual."
    )
    coordinates: CoordinatesInput | None = strawberry.field(
        default=None, description="Its new point on the map; left out: none. Not for a virtual one."
    )
    reason: str | None = strawberry.field(default=None, description=CHANGE_REASON)


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
