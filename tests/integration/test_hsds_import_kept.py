"""What Guichet holds is kept when a package holds less: a package of only some tables, an
HSDS API page without its nested lists, and Guichet's own CSV export imported back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from uuid import uuid4

import pytest

from domain.directory import Organization
from domain.handlers.directory import RegisterOrganization, RegisterService
from domain.locations import Location
from domain.values import LocalizedText
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.hsds.export import read_snapshot
from infra.hsds.export_csv import write_package
from infra.territories import load_reference
from tests.support.hsds_imports import AT, FIXTURES, record, run, service, written


@pytest.fixture
def directory(container: Container) -> Container:
    load_reference(container.operations, SystemClock())
    return container


def test_a_partial_package_leaves_what_guichet_holds_and_a_child_table_replaces_it(
    directory: Container, tmp_path: Path
) -> None:
    full = FIXTURES / "v2_tabular"
    run(directory, full, "fr")
    before = service(directory, "svc-1")
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(full / "services.csv", only)
    shutil.copy(full / "locations.csv", only)

    report = run(directory, only, "fr")

    assert report.events == 0, report.render()
    assert written(report, "service") == {"new": 0, "changed": 0, "unchanged": 3}
    kept = service(directory, "svc-1")
    assert (kept.phones, kept.schedule, kept.languages) == (
        before.phones, before.schedule, before.languages,
    )  # fmt: skip
    assert (kept.service_areas, kept.taxonomy_codes) == (
        before.service_areas, before.taxonomy_codes,
    )  # fmt: skip
    place = record(directory, "location", "loc-1")
    assert isinstance(place, Location)
    assert place.address is not None
    # Real organizations Guichet holds are no placeholders; the one still placed is.
    assert (report.placeholders("new"), report.placeholders("unchanged")) == (0, 1)
    assert "1 placeholder organizations" in report.render()
    phones = (full / "phones.csv").read_text().replace("514-555-0199", "514-555-0123")
    (only / "phones.csv").write_text(phones)

    again = run(directory, only, "fr")

    assert written(again, "service")["changed"] == 1
    assert [p.number for p in service(directory, "svc-1").phones] == ["5145550123"]


def test_guichets_own_csv_export_imports_back_unchanged(
    directory: Container, tmp_path: Path
) -> None:
    handler = directory.directory_handler
    organization = uuid4()
    handler.register_organization(
        RegisterOrganization(
            organization, LocalizedText(fr="=Entraide", en=""), LocalizedText(fr="-5 %", en="")
        ),
        actor="ed", at=AT,
    )  # fmt: skip
    handler.register_service(
        RegisterService(uuid4(), organization, LocalizedText(fr="@Popote", en="")),
        actor="ed", at=AT,
    )  # fmt: skip
    for name in ("history", "territories", "taxonomy"):
        directory.runners[name].bring_up_to_date()
    snapshot = read_snapshot(directory.history, directory.territories, "fr", directory.taxonomy)
    write_package(tmp_path / "package", snapshot)
    assert "'=Entraide" in (tmp_path / "package" / "organizations.csv").read_text()

    report = run(directory, tmp_path / "package", "fr")

    assert report.events == 0, report.render()
    assert written(report, "organization") == {"new": 0, "changed": 0, "unchanged": 1}
    held = record(directory, "organization", str(organization))
    assert isinstance(held, Organization)
    assert (held.name.fr, held.description.fr) == ("=Entraide", "-5 %")
    # The package's own metadata table is known, and named once as not used.
    assert report.tables_not_used == ["metadata"]
    assert "metadata" not in " ".join(report.ignored_files)


def test_an_api_page_of_services_without_their_parts_changes_nothing(
    directory: Container, tmp_path: Path
) -> None:
    run(directory, FIXTURES / "v3_json", "fr")
    services = json.loads((FIXTURES / "v3_json" / "services.json").read_text(encoding="utf-8"))
    # As the HSDS API lists services: their own fields, without the nested lists.
    listed = [{k: v for k, v in item.items() if not isinstance(v, list)} for item in services]
    page = tmp_path / "services.json"
    page.write_text(json.dumps({"page_number": 1, "contents": listed}), encoding="utf-8")
    held = {key: service(directory, key) for key in (s["id"] for s in services)}

    report = run(directory, page, "fr")

    assert report.events == 0, report.render()
    assert written(report, "service")["unchanged"] == 4  # one of the five repeats another
    for key, before in held.items():
        after = service(directory, key)
        assert (after.phones, after.schedule, after.languages) == (
            before.phones, before.schedule, before.languages,
        )  # fmt: skip
