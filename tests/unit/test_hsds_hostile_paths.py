"""Descriptors that point anywhere: a listed path is looked for only among the package's own
files, whatever it says (`../`, an absolute path, a list, not a string), and one that names
nothing readable is refused naming it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from infra.hsds.source import PackageError, read_package


def descriptor(folder: Path, *resources: object) -> None:
    (folder / "datapackage.json").write_text(json.dumps({"resources": list(resources)}))


def test_paths_outside_the_package_are_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "organizations.csv"
    outside.write_text("id,name\nsecret,Outside\n")
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    (package / "data" / "services.csv").write_text("id,organization_id,name\ns1,o1,Aide\n")
    descriptor(
        package,
        {"name": "organizations", "path": "../organizations.csv"},
        {"name": "organizations", "path": str(outside)},
        {"name": "services", "path": ["../../services.csv", 7, None]},
        "not a resource",
        {"name": "x", "path": {"nested": "object"}},
    )

    read = read_package(package)

    assert read.rows("organization") == []
    assert [row["id"] for row in read.rows("service")] == ["s1"]
    assert read.relocated == [
        "data/services.csv (listed in datapackage.json as ../../services.csv)"
    ]
    assert "../organizations.csv (listed in datapackage.json, not in the package)" in read.ignored


def test_a_zip_naming_files_above_its_root_reads_only_its_own(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zip:
        zip.writestr(
            "export/datapackage.json",
            json.dumps({"resources": [{"name": "services", "path": "../../etc/services.csv"}]}),
        )
        zip.writestr("export/data/services.csv", "id,organization_id,name\ns1,o1,Aide\n")

    read = read_package(archive)

    assert [row["_where"] for row in read.rows("service")] == ["export/data/services.csv line 2"]


@pytest.mark.parametrize("resources", [[], [{"name": "services", "path": "services.csv"}]])
def test_a_descriptor_naming_nothing_there_is_refused(
    tmp_path: Path, resources: list[object]
) -> None:
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": resources}))
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")

    with pytest.raises(PackageError, match="no HSDS tables or JSON records found"):
        read_package(tmp_path)


def test_resources_not_a_list_are_refused(tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": {"path": "x.csv"}}))

    with pytest.raises(PackageError, match="not a data package descriptor with resources"):
        read_package(tmp_path)
