"""A hostile package is refused before it fills memory or reads what is not its own."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from infra.hsds import unpack
from infra.hsds.source import PackageError, read_package

ORGANIZATIONS = "id,name\n1,Entraide\n"


def test_a_link_to_a_file_outside_the_package_is_refused(tmp_path: Path) -> None:
    private = tmp_path / "private.csv"
    private.write_text("id,name\n9,SECRET\n", encoding="utf-8")
    package = tmp_path / "package"
    package.mkdir()
    (package / "services.csv").write_text("id,name,organization_id\n1,Popote,1\n")
    (package / "organizations.csv").symlink_to(private)

    with pytest.raises(PackageError, match=r"organizations\.csv: a link to a file outside"):
        read_package(package)


def test_a_link_within_the_package_is_read(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "organizations.csv").write_text(ORGANIZATIONS, encoding="utf-8")
    (tmp_path / "organizations.csv").symlink_to(tmp_path / "data" / "organizations.csv")

    assert len(read_package(tmp_path / "organizations.csv").rows("organization")) == 1


def test_a_zip_of_many_short_rows_is_refused_past_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unpack, "MAX_ROWS", 1_000)
    monkeypatch.setattr("infra.hsds.source.MAX_ROWS", 1_000)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organizations.csv", "id,name\n" + "x,y\n" * 5_000)

    with pytest.raises(PackageError, match="more than 1,000 rows"):
        read_package(bomb)


def test_a_zip_member_larger_than_the_bound_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unpack, "MAX_FILE_BYTES", 10_000)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organizations.csv", "id,name\n" + " " * 50_000)

    with pytest.raises(PackageError, match=r"organizations\.csv: larger than"):
        read_package(bomb)


def test_a_descriptor_nested_too_deeply_is_a_clear_refusal(tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text(
        '{"resources": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8"
    )
    (tmp_path / "organizations.csv").write_text(ORGANIZATIONS, encoding="utf-8")

    with pytest.raises(PackageError, match=r"datapackage\.json: not a data package descriptor"):
        read_package(tmp_path)


def test_a_wide_header_over_short_rows_is_refused_by_its_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("infra.hsds.source.MAX_CELLS", 10_000)
    wide = tmp_path / "wide.zip"
    with zipfile.ZipFile(wide, "w", zipfile.ZIP_DEFLATED) as archive:
        header = ",".join(f"c{n}" for n in range(400))
        archive.writestr("services.csv", header + "\n" + "s\n" * 100)

    with pytest.raises(PackageError, match="more than 10,000 cells"):
        read_package(wide)


def test_a_table_of_too_many_columns_is_not_hsds(tmp_path: Path) -> None:
    header = ",".join(f"c{n}" for n in range(unpack.MAX_COLUMNS + 1))
    (tmp_path / "services.csv").write_text(header + "\ns\n", encoding="utf-8")

    with pytest.raises(PackageError, match=r"services\.csv: more than 500 columns"):
        read_package(tmp_path / "services.csv")


def test_json_objects_are_counted_while_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unpack, "MAX_JSON_OBJECTS", 1_000)
    (tmp_path / "services.json").write_text("[" + ",".join(["{}"] * 5_000) + "]")

    with pytest.raises(PackageError, match="more than 1,000 JSON objects"):
        read_package(tmp_path / "services.json")


def test_a_single_json_file_is_bounded_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unpack, "MAX_JSON_BYTES", 1_000)
    (tmp_path / "services.json").write_text('[{"name": "' + "x" * 2_000 + '"}]')

    with pytest.raises(PackageError, match=r"services\.json: larger than"):
        read_package(tmp_path / "services.json")


def test_a_hard_link_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "private.csv"
    outside.write_text("id,name\n9,SECRET\n", encoding="utf-8")
    package = tmp_path / "package"
    package.mkdir()
    (package / "organizations.csv").hardlink_to(outside)

    with pytest.raises(PackageError, match=r"organizations\.csv: a file with other names"):
        read_package(package)


def test_an_encrypted_member_is_a_clear_refusal_naming_it(tmp_path: Path) -> None:
    locked = tmp_path / "locked.zip"
    with zipfile.ZipFile(locked, "w") as archive:
        archive.writestr("organizations.csv", ORGANIZATIONS)
    data = bytearray(locked.read_bytes())
    # Set the "encrypted" flag in the local and central headers, as an encrypting tool does.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01
    locked.write_bytes(bytes(data))

    with pytest.raises(PackageError, match=r"organizations\.csv: cannot be unpacked"):
        read_package(locked)


def test_a_saved_page_of_organizations_without_websites_is_read_as_organizations(
    tmp_path: Path,
) -> None:
    page = {"contents": [{"id": "o1", "name": "Entraide", "description": "Aide"}]}
    (tmp_path / "page.json").write_text(json.dumps(page), encoding="utf-8")

    package = read_package(tmp_path / "page.json")

    assert [row["name"] for row in package.rows("organization")] == ["Entraide"]
    assert package.rows("service") == []
