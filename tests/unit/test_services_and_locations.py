"""Given/When/Then on services, locations and the links between them."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.errors import InvalidInput
from domain.locations import Location, ServiceAtLocation, service_at_location_id
from domain.records import Status
from domain.services import Service
from domain.values import (
    NO_TEXT,
    Address,
    Coordinates,
    LocalizedText,
    OpeningHours,
    Phone,
    parse_languages,
    parse_taxonomy,
    taxonomy_ancestors,
)

AT = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def service() -> Service:
    registered = Service.register(
        uuid4(), uuid4(), LocalizedText("Aide aux devoirs", "Homework help"), NO_TEXT,
        taxonomy_codes=("HH-0500",), languages=("fr",), service_areas=("65005",),
        actor="edith", at=AT,
    )  # fmt: skip
    registered.collect_events()
    return registered


def test_amending_a_service_records_only_real_changes() -> None:
    help_ = service()

    help_.amend(
        languages=("fr",),
        service_areas=("CMM",),
        phones=(Phone.parse("phones[0]", "450 555-0101", "voice", None),),
        reason="extended to the CMM",
        actor="ada",
        at=AT,
    )

    facts = help_.collect_events()
    assert [type(f).__name__ for f in facts] == ["PhoneChanged", "ServiceAreaChanged"]
    assert help_.service_areas == ["CMM"]
    assert help_.phones == [Phone("4505550101")]


def test_a_service_shares_the_record_lifecycle() -> None:
    help_ = service()
    help_.deactivate("summer break", actor="ada", at=AT)
    assert help_.status is Status.INACTIVE
    [fact] = help_.collect_events()
    assert isinstance(fact, Service.Deactivated)
    assert fact.TOPIC == "guichet.Service.Deactivated"


def test_a_virtual_location_has_no_coordinates() -> None:
    with pytest.raises(InvalidInput) as raised:
        Location.register(
            uuid4(), uuid4(), LocalizedText("En ligne", "Online"), address=None,
            coordinates=Coordinates(45.5, -73.6), actor="edith", at=AT,
        )  # fmt: skip
    assert raised.value.field == "coordinates"


def test_moving_a_location_is_one_fact() -> None:
    site = Location.register(
        uuid4(), uuid4(), LocalizedText("Site", "Site"),
        address=Address("1 rue A", "Laval", "H7A 0A1"), coordinates=Coordinates(45.6, -73.7),
        actor="edith", at=AT,
    )  # fmt: skip
    site.collect_events()

    site.move(Address("2 rue B", "Laval", "H7B 0B2"), None, reason="moved", actor="ada", at=AT)

    [fact] = site.collect_events()
    assert isinstance(fact, Location.AddressMoved)
    assert site.address == Address("2 rue B", "Laval", "H7B 0B2")
    assert site.coordinates is None


def test_a_link_has_an_id_that_follows_from_its_ends() -> None:
    service_id, location_id = uuid4(), uuid4()
    link = ServiceAtLocation.link(service_id, location_id, actor="edith", at=AT)
    assert link.id == service_at_location_id(service_id, location_id)
    link.unlink("closed there", actor="ada", at=AT)
    with pytest.raises(InvalidInput):
        link.unlink(None, actor="ada", at=AT)


def test_opening_hours_close_after_they_open() -> None:
    assert OpeningHours.parse("h", 2, "09:00", "17:00") == OpeningHours(2, "09:00", "17:00")
    with pytest.raises(InvalidInput, match="closes") as raised:
        OpeningHours.parse("hours[0]", 1, "17:00", "09:00")
    assert raised.value.field == "hours[0].closes"


@pytest.mark.parametrize(
    ("raw", "field"),
    [("12", "phones[0].number"), ("514 555 1234 99999999", "phones[0].number")],
)
def test_a_bad_phone_names_its_field(raw: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        Phone.parse("phones[0]", raw, "voice", None)
    assert raised.value.field == field


def test_codes_are_checked_and_normalised() -> None:
    assert parse_languages("languages", ["FR", "en", "fr"]) == ("fr", "en")
    assert parse_taxonomy("taxonomy", ["bd-1800.2000"]) == ("BD-1800.2000",)
    assert taxonomy_ancestors("BD-1800.2000-620") == ["BD-1800.2000", "BD-1800", "BD", "B"]
    with pytest.raises(InvalidInput) as language:
        parse_languages("languages", ["fr", "français"])
    with pytest.raises(InvalidInput) as taxonomy:
        parse_taxonomy("taxonomy", ["food"])
    assert language.value.field == "languages[1]"
    assert taxonomy.value.field == "taxonomy[0]"
