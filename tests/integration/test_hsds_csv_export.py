"""`guichet export csv`: the directory as an HSDS 3.0 tabular package that Guichet imports back
to the same services, with the specification's column names and no cell a spreadsheet would
run as a formula."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.handlers.directory import RegisterOrganization, RegisterService
from domain.values import LocalizedText, Phone
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.hsds.export import Snapshot, read_snapshot, write_documents
from infra.hsds.export_csv import cell, write_package
from infra.hsds.folder import FolderInUse
from infra.hsds.importer import ImportContext, import_package
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.e2e.test_command import GUICHET, clean_env

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# The column names of the HSDS 3.0 tabular `datapackage.json` (openreferral/specification).
HSDS_3_COLUMNS = {
    "organizations.csv": "id name alternate_name description email website year_incorporated "
    "legal_status logo uri parent_organization_id",
    "services.csv": "id organization_id program_id name alternate_name description url email "
    "status interpretation_services application_process fees_description accreditations "
    "eligibility_description minimum_age maximum_age assured_date assurer_email alert",
    "locations.csv": "id location_type url organization_id name alternate_name description "
    "transportation latitude longitude external_identifier external_identifier_type",
    "service_at_location.csv": "id service_id location_id description",
    "addresses.csv": "id location_id attention address_1 address_2 city region state_province "
    "postal_code country address_type",
    "phones.csv": "id location_id service_id organization_id contact_id service_at_location_id "
    "number extension type description",
    "schedules.csv": "id service_id location_id service_at_location_id valid_from valid_to "
    "dtstart timezone until count wkst freq interval byday byweekno bymonthday byyearday "
    "description opens_at closes_at schedule_link attending_type notes",
    "service_areas.csv": "id service_id name description extent extent_type uri",
    "languages.csv": "id service_id location_id phone_id name code note",
    "accessibility.csv": "id location_id description details url",
    "attributes.csv": "id link_id taxonomy_term_id link_type link_entity value",
    "taxonomy_terms.csv": "id code name description parent_id taxonomy language taxonomy_id "
    "term_uri",
    "metadata.csv": "id resource_id resource_type last_action_date last_action_type field_name "
    "previous_value replacement_value updated_by",
}


def snapshot(container: Container) -> Snapshot:
    for name in ("history", "territories", "taxonomy"):
        container.runners[name].bring_up_to_date()
    return read_snapshot(container.history, container.territories, "fr", container.taxonomy)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def services(container: Container) -> set[tuple[Any, ...]]:
    """What a caller finds of each service, without the ids an import gives anew."""
    found = snapshot(container)
    names = {id: found.text(record, "name") for id, record in found.records.items()}
    return {
        (
            names[id], names[UUID(str(record["organization_id"]))],
            json.dumps(record["phones"], sort_keys=True),
            *(json.dumps(record[field], sort_keys=True) for field in (
                "schedule", "languages", "service_areas", "taxonomy_codes", "status",
            )),
        )
        for id, record in found.of_kind("service")
    }  # fmt: skip


@pytest.fixture
def demo(container: Container) -> Container:
    load_reference(container.operations, SystemClock())
    load_taxonomy(container.taxonomy_handler, AT)
    load_demo(container.directory_handler, AT)
    return container


def test_the_demo_directory_comes_back_from_its_csv_package(
    demo: Container,
    make_container: Callable[[dict[str, str]], Container],
    environ: dict[str, str],
    tmp_path: Path,
) -> None:
    folder = tmp_path / "package"
    write_package(folder, snapshot(demo))
    schema = environ["GUICHET_DATABASE_SCHEMA"] + "_csv"
    copy = make_container({**environ, "GUICHET_DATABASE_SCHEMA": schema})
    load_reference(copy.operations, SystemClock())

    report = import_package(ImportContext(copy.directory_handler, "importer", AT, "fr"), folder)

    assert report.skipped == {}
    original = services(demo)
    assert len(original) > 20
    assert services(copy) == original
    assert len(rows(folder / "service_at_location.csv")) > 0
    # The categories come with their names, and the copy learns them from the package.
    codes = sorted({row["code"] for row in rows(folder / "taxonomy_terms.csv")})
    named = demo.taxonomy.names(codes, "fr")
    assert len(named) == len(codes) > 5
    assert {row["code"]: row["name"] for row in rows(folder / "taxonomy_terms.csv")} == named
    copy.runners["taxonomy"].bring_up_to_date()
    assert copy.taxonomy.names(codes, "fr") == named


def test_the_columns_are_those_of_hsds_3_tabular(demo: Container, tmp_path: Path) -> None:
    folder = tmp_path / "package"
    write_package(folder, snapshot(demo))

    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    listed = {
        resource["path"]: " ".join(field["name"] for field in resource["schema"]["fields"])
        for resource in package["resources"]
    }
    assert listed == HSDS_3_COLUMNS
    for path, columns in HSDS_3_COLUMNS.items():
        with (folder / path).open(encoding="utf-8", newline="") as file:
            assert next(csv.reader(file)) == columns.split(), path
    assert sorted(p.name for p in folder.iterdir()) == sorted([*HSDS_3_COLUMNS, "datapackage.json"])


HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)"]


def test_hostile_text_comes_out_inert(container: Container, tmp_path: Path) -> None:
    handler = container.directory_handler
    organization = uuid4()
    handler.register_organization(
        RegisterOrganization(
            organization, LocalizedText(fr=HOSTILE[0], en=HOSTILE[1]),
            LocalizedText(fr=HOSTILE[2], en=""),
        ),
        actor="=cmd|' /C calc'!A0", at=AT,
    )  # fmt: skip
    handler.register_service(
        RegisterService(
            uuid4(), organization, LocalizedText(fr=HOSTILE[3], en=""),
            taxonomy_codes=("BD-1800",), phones=(Phone("5145551234"),),
        ),
        actor="importer", at=AT,
    )  # fmt: skip
    folder = tmp_path / "package"
    write_package(folder, snapshot(container))

    (org,) = rows(folder / "organizations.csv")
    assert org["name"] == "'" + HOSTILE[0]
    assert org["description"] == "'" + HOSTILE[2]
    (service,) = rows(folder / "services.csv")
    assert service["name"] == "'" + HOSTILE[3]
    updated_by = {row["updated_by"] for row in rows(folder / "metadata.csv")}
    assert "'=cmd|' /C calc'!A0" in updated_by
    for path in HSDS_3_COLUMNS:
        for row in rows(folder / path):
            for value in row.values():
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (path, value)


def test_tab_and_carriage_return_first_are_inert_and_numbers_stay_numbers() -> None:
    assert cell("\t=1+1", "string") == "'\t=1+1"
    assert cell("\r=1+1", "string") == "'\r=1+1"
    assert cell(-73.56, "number") == -73.56
    assert cell("-73", "number") == "'-73"
    assert cell(None, "string") == ""


def test_a_failed_export_leaves_the_previous_package_whole(
    demo: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "package"
    write_package(folder, snapshot(demo))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(_: Any, __: str) -> str:
        raise OSError("disk full")

    monkeypatch.setattr("infra.hsds.export_csv.cell", broken)
    with pytest.raises(OSError, match="disk full"):
        write_package(folder, snapshot(demo))

    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["package"]


def test_a_package_that_cannot_be_moved_in_puts_the_previous_one_back(
    demo: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "package"
    write_package(folder, snapshot(demo))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rename = Path.rename

    def refused(self: Path, target: Any) -> Path:
        if self.name.endswith(".partial"):
            raise OSError("device busy")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", refused)
    with pytest.raises(OSError, match="device busy"):
        write_package(folder, snapshot(demo))

    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["package"]


def test_a_folder_of_other_files_is_refused(demo: Container, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FolderInUse, match="other files"):
        write_package(tmp_path, snapshot(demo))
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_command_writes_the_package_in_the_language_asked(
    demo: Container, environ: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "package"
    command = [GUICHET, "export", "csv", str(folder), "--language", "en"]
    done = subprocess.run(command, env=clean_env(**environ), capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert "HSDS 3.0 tabular package of" in done.stdout
    assert re.search(r"export csv: 100.0% [\d,]+/[\d,]+ rows", done.stderr), done.stderr
    names = {row["name"] for row in rows(folder / "services.csv")}
    assert any("Emergency food aid" in name for name in names), names
    assert not any("Dépannage alimentaire" in name for name in names), names
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    refused = subprocess.run(
        [GUICHET, "export", "csv", str(tmp_path / "other")], env=clean_env(**environ),
        capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "holds other files" in refused.stderr


def test_every_term_comes_with_its_ancestors(demo: Container, tmp_path: Path) -> None:
    """Each `parent_id` of a term points at a row of the package: the CSV's
    taxonomy_terms.csv, the JSON package's taxonomy_terms.json and its embedded terms."""
    found = snapshot(demo)
    write_package(tmp_path / "csv", found)
    write_documents(tmp_path / "json", found)
    terms = rows(tmp_path / "csv" / "taxonomy_terms.csv")
    codes = {row["code"] for row in terms}
    assert {"BD-1800.2000", "BD-1800", "BD", "B"} <= codes
    ids = {row["id"] for row in terms}
    assert {row["parent_id"] for row in terms if row["parent_id"]} <= ids
    listed = json.loads((tmp_path / "json" / "taxonomy_terms.json").read_text("utf-8"))
    assert {term["code"] for term in listed} == codes
    listed_ids = {term["id"] for term in listed}
    embedded = [
        attribute["taxonomy_term"]
        for service in json.loads((tmp_path / "json" / "services.json").read_text("utf-8"))
        for attribute in service["attributes"]
    ]
    assert {t["parent_id"] for t in [*listed, *embedded] if "parent_id" in t} <= listed_ids
    assert {t["id"] for t in embedded} <= listed_ids
