"""Services and locations read back from the record view's fields into typed rows: what the
facts hold comes back as the domain's own values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.locations import Location
from domain.records import VerificationMethod
from domain.services import Service
from domain.values import Address, Coordinates, LocalizedText, OpeningHours, Phone, Schedule
from projections.history import FIELDS
from projections.records import kind_of, location_row, owner_of, service_row

AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
NAME = LocalizedText(fr="Dépannage", en="Food bank")
TEXT = LocalizedText(fr="Résidents", en="")


def fields_of(record: Aggregate) -> dict[str, Any]:
    """The fields the record view holds after the record's facts."""
    fields: dict[str, Any] = {}
    for fact in record.collect_events():
        fields.update(FIELDS[type(fact)](fact))
    fields["version"] = record.version
    return fields


def test_a_service_row_holds_what_its_facts_hold() -> None:
    owner = uuid4()
    schedule = Schedule(hours=(OpeningHours(2, "09:00", "16:30"),), closed_on=(date(2026, 6, 24),))
    service = Service.register(
        uuid4(), owner, NAME, TEXT, taxonomy_codes=("BD-1800",), languages=("fr", "en"),
        service_areas=("65005",), eligibility=TEXT, phones=(Phone("4505550199", "voice", "12"),),
        schedule=schedule, actor="edith", at=AT,
    )  # fmt: skip
    service.verify(VerificationMethod.PHONE, "Lise", None, actor="edith", at=AT)

    fields = fields_of(service)
    row = service_row(service.id, fields)

    assert (kind_of(fields), owner_of(fields)) == ("service", owner)
    assert (row.name, row.description, row.eligibility, row.fees) == (
        NAME, TEXT, TEXT, LocalizedText("", ""),
    )  # fmt: skip
    assert (row.taxonomy_codes, row.languages, row.service_areas) == (
        ("BD-1800",), ("fr", "en"), ("65005",),
    )  # fmt: skip
    assert row.phones == (Phone("4505550199", "voice", "12"),)
    assert row.schedule == schedule
    assert (row.status, row.version, row.last_verified_at) == ("active", 2, AT)


def test_a_location_row_is_virtual_without_an_address() -> None:
    owner = uuid4()
    placed = Location.register(
        uuid4(), owner, NAME, address=Address("1 rue A", "Laval", "H7A 0A1"),
        coordinates=Coordinates(45.5, -73.6), actor="edith", at=AT,
    )  # fmt: skip
    online = Location.register(
        uuid4(), owner, NAME, address=None, coordinates=None, actor="edith", at=AT
    )

    at_address = location_row(placed.id, fields_of(placed))
    virtual = location_row(online.id, fields_of(online))

    assert at_address.address == Address("1 rue A", "Laval", "H7A 0A1")
    assert (at_address.coordinates, at_address.virtual) == (Coordinates(45.5, -73.6), False)
    assert (virtual.address, virtual.coordinates, virtual.virtual) == (None, None, True)
    assert virtual.organization_id == owner
