"""HSDS files no reader can take whole: JSON nested 200,000 deep was a RecursionError traceback
and a CSV cell over 131,072 characters a `_csv.Error`; each is now a PackageError naming the
file, which `guichet import hsds` reports as a clear message with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.hsds.source import PackageError, read_package


def test_json_nested_too_deep_is_reported_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(PackageError, match=r"^deep\.json: not readable JSON \(nested too deeply"):
        read_package(tmp_path)


def test_a_csv_cell_past_the_readers_limit_is_reported_naming_the_file_and_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "services.csv").write_text("id,organization_id,name\ns1,o1,Aide\n")
    (tmp_path / "organizations.csv").write_text(f"id,name\no1,Centre\no2,{'x' * 131_073}\n")
    with pytest.raises(PackageError, match=r"^organizations\.csv line 3: not readable CSV"):
        read_package(tmp_path)


def test_objects_nested_past_hsds_are_ignored_and_the_rest_is_read(tmp_path: Path) -> None:
    # 600 levels of objects: json reads them, flattening them one call a level would not.
    # An organization whose service names the organization again, and so on.
    deepest: dict[str, Any] = {"id": "o-last", "name": "Fin"}
    for level in range(300):
        service = {"id": f"s{level}", "name": "Aide", "organization": deepest}
        deepest = {"id": f"o{level}", "name": "Centre", "services": [service]}
    (tmp_path / "organizations.json").write_text(json.dumps([deepest]))
    package = read_package(tmp_path)
    assert package.rows("organization")[0]["id"] == "o299"
    assert [entry for entry in package.ignored if "nested more than" in entry] != []
