"""A hostile package is refused before it fills memory or reads what is not its own."""

from __future__ import annotations

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
