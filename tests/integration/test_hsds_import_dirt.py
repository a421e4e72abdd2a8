"""Real exports' dirt, one fixture package each, imported into PostgreSQL and read back: files
in `data/` not where the descriptor lists them, 12-hour and French hours, dangling references,
and HSDS 1.1 columns."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from domain.directory import Organization
from domain.locations import Location, ServiceAtLocation, service_at_location_id
from domain.records import Status
from domain.services import Service
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.hsds.plan import record_id
from infra.hsds.source import PackageError
from infra.territories import load_reference
from tests.support.hsds_imports import FIXTURES, record, run, service, written

WEEKDAYS = (1, 2, 3, 4, 5)


@pytest.fixture
def directory(container: Container) -> Container:
    load_reference(container.operations, SystemClock())
    return container


def hours(found: Service) -> list[tuple[int, str, str]]:
    return [(h.weekday, h.opens, h.closes) for h in found.schedule.hours]


def test_files_in_data_not_where_the_descriptor_lists_them_are_found_and_reported(
    directory: Container,
) -> None:
    report = run(directory, FIXTURES / "paths_in_data")

    assert written(report, "organization")["new"] == 1
    assert written(report, "service")["new"] == 2
    assert written(report, "location")["new"] == 1
    assert written(report, "service_at_location")["new"] == 2
    assert report.relocated_files == [
        "data/organizations.csv (listed in datapackage.json as organizations.csv)",
        "data/services.csv (listed in datapackage.json as services.csv)",
        "data/locations.csv (listed in datapackage.json as locations.csv)",
        "data/services_at_location.csv (listed in datapackage.json as services_at_location.csv)",
        "tables/regular_schedules.csv (listed in datapackage.json as regular_schedule.csv)",
        "data/physical_address.csv (not listed in datapackage.json)",
    ]
    assert report.ignored_files == ["metadata.csv (listed in datapackage.json, not in the package)"]
    assert "Files found where the descriptor did not list them: data/organizations.csv" in (
        report.render()
    )
    pantry = service(directory, "svc-1")
    assert hours(pantry) == [(1, "09:00", "17:00"), (3, "09:00", "17:00")]
    assert hours(service(directory, "svc-2")) == [(5, "11:30", "13:30")]
    place = record(directory, "location", "loc-1")
    assert isinstance(place, Location)
    assert place.address is not None
    assert (place.address.street, place.address.province) == ("1200 N Meridian St", "IN")


@pytest.mark.parametrize("inside", ["data", "export/data"])
def test_a_zip_with_its_descriptor_inside_a_folder(
    directory: Container, tmp_path: Path, inside: str
) -> None:
    archive = tmp_path / "export.zip"
    package = FIXTURES / "paths_in_data"
    with zipfile.ZipFile(archive, "w") as zip:
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            # Everything in one top folder, the descriptor beside the tables.
            zip.write(path, f"{inside}/{path.name}")

    report = run(directory, archive)

    assert written(report, "service")["new"] == 2
    assert written(report, "service_at_location")["new"] == 2
    assert hours(service(directory, "svc-1")) == [(1, "09:00", "17:00"), (3, "09:00", "17:00")]


def test_a_package_whose_listed_files_are_nowhere_is_refused_naming_them(
    directory: Container, tmp_path: Path
) -> None:
    shutil.copy(FIXTURES / "paths_in_data" / "datapackage.json", tmp_path)
    (tmp_path / "README.csv").write_text("not,hsds\n")
    head = directory.operations.recorder.max_notification_id()

    with pytest.raises(PackageError, match=r"organizations.csv \(listed in datapackage.json"):
        run(directory, tmp_path)

    assert directory.operations.recorder.max_notification_id() == head


def test_12_hour_24_hour_and_french_hours_structured_or_written(directory: Container) -> None:
    report = run(directory, FIXTURES / "hours_12h_fr", language="fr")

    assert hours(service(directory, "svc-12h")) == [
        (1, "09:00", "17:00"),
        (2, "09:00", "12:00"),
        (2, "13:00", "17:00"),
        (3, "12:00", "24:00"),
        (4, "12:00", "24:00"),
        (7, "09:00", "17:00"),
    ]
    assert hours(service(directory, "svc-fr")) == [(1, "09:00", "17:00"), (2, "09:30", "16:30")]
    assert hours(service(directory, "svc-text")) == [
        (day, opens, closes)
        for day in WEEKDAYS
        for opens, closes in (("09:00", "12:00"), ("13:00", "17:00"))
    ]
    # Days from the text when the row has none; the text when the row contradicts itself.
    assert hours(service(directory, "svc-mixed")) == [
        *((day, "09:00", "17:00") for day in (1, 2, 3, 4)),
        (5, "09:00", "17:00"),
        (5, "17:00", "21:00"),
    ]
    # HSDS 3.0 byday and DAILY; hours valid only before or after the import are left out.
    assert hours(service(directory, "svc-3")) == sorted(
        [(day, "07:00", "09:00") for day in range(1, 8)]
        + [(day, "08:30", "16:30") for day in (1, 3, 5)]
    )
    assert ("service", "opening hours not understood, left out") not in report.mapped
    read_from_text = report.mapped[
        ("service", "structured hours incomplete or unreadable, read from the text")
    ]
    assert read_from_text.count == 1
    not_valid = report.mapped[("service", "hours not valid on the import date, left out")]
    assert not_valid.examples == [
        "schedules.csv line 5: valid 2025-06-01 to 2025-12-31",
        "schedules.csv line 6: valid 2027-01-01 to …",
    ]
    assert report.columns_left_out == {}


def test_dangling_references_keep_the_record_under_a_flagged_placeholder(
    directory: Container,
) -> None:
    report = run(directory, FIXTURES / "dangling")
    again = run(directory, FIXTURES / "dangling")

    assert written(report, "service")["new"] == 3
    assert written(report, "location")["new"] == 2
    assert written(report, "placeholder organization")["new"] == 2
    assert report.skipped_count("service") == 1  # no organization_id at all
    links = {reason: t.count for (kind, reason), t in report.skipped.items() if kind != "service"}
    assert links == {
        "its service was not imported and is not active in Guichet": 1,
        "its location was not imported and is not active in Guichet": 1,
    }
    assert written(report, "service_at_location")["new"] == 2
    assert report.flagged == 5  # two placeholders, two services, one location
    assert "2 placeholder organizations" in report.render()
    assert "5 records flagged for review" in report.render()
    assert "Flagged for review:\n       1 location: flagged for review" in (report.render())

    placeholder = record(directory, "organization", "org-404")
    assert isinstance(placeholder, Organization)
    assert placeholder.name.en == "Unknown organization (source id org-404)"
    assert (
        placeholder.name.fr == "Organisation inconnue (source : org-404)"
    )  # whatever the language
    assert placeholder.flagged == (
        "organization 'org-404' is referred to in the HSDS package but is not in it"
    )
    for key in ("svc-2", "svc-3"):
        kept = service(directory, key)
        assert kept.organization_id == placeholder.id
        assert kept.status is Status.ACTIVE
        assert kept.flagged is not None
        assert "placeholder" in kept.flagged
    office = record(directory, "location", "loc-2")
    assert isinstance(office, Location)
    assert office.organization_id == record_id("organization", "org-555")
    link = service_at_location_id(record_id("service", "svc-2"), record_id("location", "loc-2"))
    assert isinstance(directory.operations.repository.get(link), ServiceAtLocation)
    assert service(directory, "svc-1").flagged is None

    assert again.events == 0
    assert written(again, "placeholder organization")["unchanged"] == 2
    assert again.flagged == 0


def test_hsds_1_1_columns_the_model_holds_are_read_and_the_others_named(
    directory: Container,
) -> None:
    report = run(directory, FIXTURES / "v1_columns")

    eviction = service(directory, "1")
    assert eviction.application_process.en == (
        "Call the intake line\nRequired documents: Eviction notice; Photo ID\nWait time: 2 weeks"
    )
    assert eviction.fees.en == "Free"
    assert eviction.languages == ["en", "es", "vi"]
    assert hours(eviction) == [(1, "09:00", "17:00"), (4, "13:00", "19:00")]
    assert eviction.schedule.closed_on == (date(2026, 12, 24), date(2026, 12, 25))
    assert eviction.service_areas == ["RA-13"]
    clinic = service(directory, "2")
    assert clinic.status is Status.INACTIVE
    assert clinic.fees.en == "Sliding scale\nPayments accepted: Cash; Money order"
    assert clinic.languages == []
    interpreters = report.mapped[
        ("service", "interpretation_services not a list of languages, left out")
    ]
    assert interpreters.examples == ["services.csv line 3: Interpreters on request"]
    organization = record(directory, "organization", "1")
    assert isinstance(organization, Organization)
    assert organization.website == "https://www.legalaid.example"
    office = record(directory, "location", "10")
    assert isinstance(office, Location)
    assert office.address is not None
    assert (office.address.street, office.address.city) == ("PO Box 123", "Pittsburgh")
    assert office.accessibility.en == "Wheelchair accessible Ramp at the side door"

    left_out = report.columns_left_out
    assert left_out["organization"] == [
        "alternate_name", "email", "legal_status", "tax_id", "tax_status", "year_incorporated",
    ]  # fmt: skip
    # Not the columns empty in every row (accreditations, alternate_name, licenses).
    assert left_out["service"] == ["email", "program_id", "url"]
    assert left_out["program"] == ["(the whole table)", "name"]
    assert left_out["funding"] == ["(the whole table)", "source"]
    assert left_out["location"] == ["transportation"]
    rendered = report.render()
    assert rendered.count("service: columns left out:") == 1
    assert "funding: columns left out: (the whole table), source" in rendered


def test_an_import_that_keeps_nothing_says_why(directory: Container, tmp_path: Path) -> None:
    (tmp_path / "services.csv").write_text("id,organization_id,name\nsvc-1,,Popote\nsvc-2,,\n")

    report = run(directory, tmp_path)

    assert report.failure() == (
        "nothing imported from 2 rows: every record was skipped "
        "(1 service: no name; 1 service: no organization_id)"
    )
    assert run(directory, FIXTURES / "dangling").failure() is None
    only_phones = tmp_path / "phones"
    only_phones.mkdir()
    (only_phones / "phones.csv").write_text("id,service_id,number\np1,svc-1,514-555-0101\n")
    assert run(directory, only_phones).failure() == (
        "nothing imported: the package holds no organization, service or location"
    )


def test_placeholders_are_named_within_the_bounds_of_a_name(
    directory: Container, tmp_path: Path
) -> None:
    key = "org-" + "x" * 1_000
    (tmp_path / "services.csv").write_text(f"id,organization_id,name\nsvc-1,{key},Popote\n")

    report = run(directory, tmp_path, language="fr")

    assert written(report, "service")["new"] == 1
    placeholder = record(directory, "organization", key)
    assert len(placeholder.name.fr) <= 300
    assert placeholder.name.fr.startswith("Organisation inconnue (source : org-xxx")


def test_ids_are_uuids_when_the_source_has_them(directory: Container, tmp_path: Path) -> None:
    key = "4b1d9c7e-0000-4000-8000-000000000404"
    (tmp_path / "services.csv").write_text(f"id,organization_id,name\nsvc-1,{key},Popote\n")

    run(directory, tmp_path)

    assert isinstance(directory.operations.repository.get(UUID(key)), Organization)


def test_hours_and_phones_of_locations_and_organizations_go_to_their_services(
    directory: Container,
) -> None:
    report = run(directory, FIXTURES / "attached_elsewhere")

    def phones(key: str) -> list[str]:
        return [phone.number for phone in service(directory, key).phones]

    weekdays = [(d, "09:00", "17:00") for d in WEEKDAYS]
    assert (phones("svc-1"), hours(service(directory, "svc-1"))) == (["3175550102"], weekdays)
    assert (phones("svc-2"), hours(service(directory, "svc-2"))) == (["3175550101"], weekdays)
    assert (phones("svc-3"), hours(service(directory, "svc-3"))) == (["3175550103"], [])
    mapped = {key: tally.count for key, tally in report.mapped.items()}
    assert mapped[("service", "no phones of its own, those of its location taken")] == 1
    assert mapped[("service", "no phones of its own, those of its organization taken")] == 1
    assert mapped[("service", "no opening hours of its own, those of its location taken")] == 2
    # The warehouse has no service: its phone and hours are left out, saying so.
    assert mapped[("location", "phones no service takes, left out")] == 1
    assert mapped[("location", "opening hours no service takes, left out")] == 1
    assert "e.g. services.csv line 2: phones.csv line 3" in report.render()
