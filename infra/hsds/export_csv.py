"""The directory as an HSDS 3.0 tabular data package: one CSV per table and a
`datapackage.json` listing them with their columns.

The objects are those of the JSON export (`infra.hsds.export.documents`), taken apart into
tables. Every text cell a spreadsheet would read as a formula is made inert as in the
statistics CSV; number columns are written as numbers. The package is written in a folder
beside the target and moved into place whole, so a failure leaves no half package.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.hsds.export import Document, Snapshot, documents, term_documents
from infra.hsds.folder import check_folder
from infra.hsds.tabular import TABLES, Table
from projections.statistics_report import safe_cell

PACKAGE = "datapackage.json"
# Fields of the JSON objects that hold other objects, written in tables of their own.
_NESTED = {
    "organization", "locations", "metadata", "addresses", "accessibility", "phones",
    "schedules", "languages", "service_areas", "attributes", "taxonomy_term",
    "service_at_locations", "location",
}  # fmt: skip

Progress = Callable[[str, int, int], None]  # table written, rows written, rows in all


def tables(snapshot: Snapshot) -> dict[str, list[Document]]:
    """Every row of every table, from the JSON export's objects."""
    organizations, services = documents(snapshot)
    rows: dict[str, list[Document]] = {table.name: [] for table in TABLES}
    for organization in organizations:
        rows["organization"].append(organization)
        rows["metadata"] += organization["metadata"]
        for place in organization["locations"]:
            rows["location"].append(place)
            rows["address"] += place.get("addresses", [])
            rows["accessibility"] += place.get("accessibility", [])
            rows["metadata"] += place["metadata"]
    for service in services:
        rows["service"].append(service)
        for field, table in (
            ("phones", "phone"), ("schedules", "schedule"), ("languages", "language"),
            ("service_areas", "service_area"), ("attributes", "attribute"),
        ):  # fmt: skip
            rows[table] += service[field]
        for link in service["service_at_locations"]:
            rows["service_at_location"].append(link)
            rows["metadata"] += link["metadata"]
        rows["metadata"] += service["metadata"]
    rows["taxonomy_term"] = term_documents(snapshot)
    return rows


def cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return safe_cell(text)


def row_maker(table: Table) -> Callable[[Document], list[Any]]:
    """The cells of a row of `table`, its columns looked up once."""
    columns = [(column.name, column.type) for column in table.columns]
    known = _NESTED | set(table.names)

    def cells(row: Document) -> list[Any]:
        if not row.keys() <= known:
            # A field the JSON export gained would be lost here without a word.
            unknown = sorted(set(row) - known)
            raise ValueError(f"{table.name}: no HSDS 3.0 column for {unknown}")
        return [cell(row.get(name), kind) for name, kind in columns]

    return cells


def descriptor() -> dict[str, Any]:
    return {
        "name": "guichet_directory",
        "title": "Guichet directory (HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": "3.0.0",
        "resources": [table.descriptor() for table in TABLES],
    }


def write_package(folder: Path, snapshot: Snapshot, progress: Progress | None = None) -> int:
    """Writes the package into `folder` (created, or replacing a package written before);
    returns how many rows. Nothing of it is there until every file is written."""
    _check_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent)
    )
    try:
        written = _write_tables(staging, tables(snapshot), progress)
        (staging / PACKAGE).write_text(
            json.dumps(descriptor(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        _swap(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _write_tables(staging: Path, rows: dict[str, list[Document]], progress: Progress | None) -> int:
    written, total = 0, sum(len(rows[table.name]) for table in TABLES)
    for table in TABLES:
        with (staging / table.path).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(table.names)
            writer.writerows(map(row_maker(table), rows[table.name]))
        written += len(rows[table.name])
        if progress is not None:
            progress(table.name, written, total)
    return written


def _ours(folder: Path) -> bool:
    """A package this export wrote: only its files, and a descriptor it named. Another
    tool's HSDS package has the same file names; replacing it would lose a partner's data."""
    names = {path.name for path in folder.iterdir()}
    if PACKAGE not in names or not names <= {PACKAGE, *(table.path for table in TABLES)}:
        return False
    try:
        found = json.loads((folder / PACKAGE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(found, dict) and found.get("name") == descriptor()["name"]


def _check_folder(folder: Path) -> None:
    check_folder(folder, _ours)


def _swap(staging: Path, folder: Path) -> None:
    """Moves the written package into place: a rename when the folder is new or empty; a
    package written before is renamed aside first and removed once the new one is there."""
    if not folder.exists():
        staging.rename(folder)
        return
    _check_folder(folder)  # it may have changed while the package was written
    if not any(folder.iterdir()):
        folder.rmdir()
        staging.rename(folder)
        return
    previous = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
    previous.rmdir()
    folder.rename(previous)
    try:
        staging.rename(folder)
    except BaseException:
        previous.rename(folder)
        raise
    shutil.rmtree(previous, ignore_errors=True)
