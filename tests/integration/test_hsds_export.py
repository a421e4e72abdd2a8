"""`guichet export hsds`: HSDS 3.0 JSON that validates, with metadata from the facts, and that
Guichet itself imports back to the same directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.handlers.directory import AmendService, VerifyRecord
from domain.records import VerificationMethod
from domain.services import Service
from domain.values import LocalizedText
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.hsds.export import Snapshot, documents, read_snapshot, write_documents
from infra.hsds.importer import ImportContext, import_package
from infra.hsds.plan import record_id
from infra.territories import load_reference
from tests.support.hsds_schema import validator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 4, 1, 14, 0, tzinfo=UTC)


def imported(container: Container, *packages: str) -> Container:
    load_reference(container.operations, SystemClock())
    for package in packages:
        context = ImportContext(container.directory_handler, "importer", AT, "fr")
        import_package(context, FIXTURES / package)
    return container


def snapshot(container: Container, language: str = "fr") -> Snapshot:
    for name in ("history", "territories"):
        container.runners[name].bring_up_to_date()
    return read_snapshot(container.history, container.territories, language)


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


@pytest.fixture
def directory(container: Container) -> Container:
    return imported(container, "v3_json", "v2_tabular")


def test_every_exported_object_validates_against_hsds_3(directory: Container) -> None:
    organizations, services = documents(snapshot(directory))

    # Each fixture has a service whose organization is missing: kept under a placeholder.
    assert len(organizations) == 6
    assert len(services) == 7
    for name, items in (("organization", organizations), ("service", services)):
        check = validator(name)
        for item in items:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(item)]
            assert errors == [], item["name"]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda s: s.pop("status"), "'status' is a required property"),
        (lambda s: s.update(id="svc-1"), "is not a 'uuid'"),
        (lambda s: s.update(status="open"), "is not one of"),
        (lambda s: s["phones"].append({"id": s["id"]}), "'number' is a required property"),
        (lambda s: s.update(hours="9-5"), "Additional properties are not allowed"),
    ],
)
def test_the_schema_refuses_what_hsds_refuses(
    directory: Container, change: Callable[[dict[str, Any]], object], complaint: str
) -> None:
    _, services = documents(snapshot(directory))
    service = services[0]
    change(service)
    messages = [error.message for error in validator("service").iter_errors(service)]
    assert any(complaint in message for message in messages), messages


def test_services_carry_their_details_and_field_metadata(directory: Container) -> None:
    id = record_id("service", "svc-1")
    service: object = directory.operations.repository.get(id)
    assert isinstance(service, Service)
    directory.directory_handler.amend_service(
        AmendService(
            id,
            service.version,
            name=LocalizedText(fr="Popote du Nord", en="Meals on wheels"),
            reason="new name on the flyer",
        ),
        actor="editor:marie",
        at=LATER,
    )
    service = directory.operations.repository.get(id)
    assert isinstance(service, Service)
    directory.directory_handler.verify_record(
        VerifyRecord(id, service.version, VerificationMethod.PHONE, "Paul"),
        actor="editor:marie",
        at=LATER,
    )

    _, services = documents(snapshot(directory))
    exported = by_id(services)[str(id)]

    assert exported["name"] == "Popote du Nord"
    assert exported["status"] == "active"
    assert exported["assured_date"] == "2026-04-01"
    assert exported["organization"]["name"] == "Centre d'action bénévole Ahuntsic"
    assert [(p["number"], p["type"], p.get("extension")) for p in exported["phones"]] == [
        ("5145550199", "voice", 12)
    ]
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in exported["schedules"]] == [
        (day, "09:00", "17:00") for day in ("MO", "TU", "WE", "TH", "FR")
    ]
    assert [(a["name"], a["uri"]) for a in exported["service_areas"]] == [
        ("Ahuntsic-Cartierville", "urn:guichet:territory:ARR-66023-ahuntsic-cartierville")
    ]
    assert [language["code"] for language in exported["languages"]] == ["fr", "en"]
    assert [a["taxonomy_term"]["code"] for a in exported["attributes"]] == ["BD-5000.6500"]
    [place] = exported["service_at_locations"]
    assert place["location"]["addresses"][0]["city"] == "Montréal"
    renamed = [m for m in exported["metadata"] if m["field_name"] == "name.fr"]
    assert [(m["previous_value"], m["replacement_value"], m["updated_by"]) for m in renamed] == [
        ("", "Popote roulante", "importer"),
        ("Popote roulante", "Popote du Nord", "editor:marie"),
    ]
    assert renamed[1]["last_action_type"] == "Renamed"
    assert renamed[1]["last_action_date"] == LATER.isoformat()
    english = by_id(documents(snapshot(directory, "en"))[1])[str(id)]
    assert english["name"] == "Meals on wheels"
    assert english["description"] == "Repas chauds livrés aux aînés"  # no English: French


def test_organizations_keep_locations_without_services(directory: Container) -> None:
    organizations, _ = documents(snapshot(directory))
    elders = by_id(organizations)["0b8e3c1a-2f4d-4e6a-8c1b-9d7e6f5a4b02"]
    assert [(loc["name"], loc["location_type"]) for loc in elders["locations"]] == [
        ("En ligne", "virtual")
    ]


def test_an_export_imports_back_to_the_same_directory(
    directory: Container,
    make_container: Callable[[dict[str, str]], Container],
    environ: dict[str, str],
    tmp_path: Path,
) -> None:
    folder = tmp_path / "export"
    write_documents(folder, snapshot(directory))
    schema = environ["GUICHET_DATABASE_SCHEMA"] + "_copy"
    copy = imported(make_container({**environ, "GUICHET_DATABASE_SCHEMA": schema}))
    report = import_package(ImportContext(copy.directory_handler, "importer", AT, "fr"), folder)

    assert report.skipped == {}
    original_organizations, original_services = documents(snapshot(directory))
    copied_organizations, copied_services = documents(snapshot(copy))

    def comparable(items: list[dict[str, Any]]) -> Any:
        def strip(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if k != "metadata"}
            if isinstance(value, list):
                return [strip(item) for item in value]
            return value

        return strip(by_id(items))

    assert comparable(copied_services) == comparable(original_services)
    assert comparable(copied_organizations) == comparable(original_organizations)
    assert json.loads((folder / "services.json").read_text())[0]["id"] in by_id(copied_services)


def test_a_partial_file_is_never_left_behind(directory: Container, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    counts = write_documents(folder, snapshot(directory))
    assert counts == (6, 7)  # with the placeholders of the fixtures' dangling references
    assert sorted(p.name for p in folder.iterdir()) == [
        "guichet-export.txt", "organizations.json", "services.json", "taxonomy_terms.json",
    ]  # fmt: skip
    assert UUID(json.loads((folder / "organizations.json").read_text())[0]["id"])


def test_an_evening_check_in_montreal_is_dated_that_day_and_imports_back_as_nothing_new(
    directory: Container, tmp_path: Path
) -> None:
    id = record_id("service", "svc-1")
    service: object = directory.operations.repository.get(id)
    assert isinstance(service, Service)
    evening = datetime(2026, 4, 2, 1, 30, tzinfo=UTC)  # 21:30 on April 1st in Montréal
    directory.directory_handler.verify_record(
        VerifyRecord(id, service.version, VerificationMethod.PHONE, "Paul"),
        actor="editor:marie",
        at=evening,
    )
    folder = tmp_path / "export"
    write_documents(folder, snapshot(directory))
    assert by_id(documents(snapshot(directory))[1])[str(id)]["assured_date"] == "2026-04-01"

    later = evening.replace(hour=2)  # the same evening: noon UTC is not yet
    report = import_package(
        ImportContext(directory.directory_handler, "importer", later, "fr"), folder
    )

    assert not [key for key in report.mapped if "assured_date" in key[1]]
    assert report.events == 0
