"""Reading an HSDS package into plain tables, whatever its form.

Accepted: HSDS 3.0 JSON (one file or a folder; lists, paginated `contents`, or single objects,
with nested objects), and tabular data packages (a folder or a zip of CSV files, with a
`datapackage.json` or without), using the table and column names of HSDS 3.0, 2.0 and 1.1.
Every row keeps where it came from, so the report can point at it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from infra.hsds.unpack import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    JsonObjects,
    PackageError,
    Sizes,
    folder_files,
    read_file,
    zip_files,
)
from projections.statistics_report import FORMULA_STARTS

__all__ = ["MAX_ROWS", "Package", "PackageError", "Row", "read_package", "table_name"]

Row = dict[str, Any]

# Canonical HSDS 3.0 table names, and the names older versions and exporters use.
_TABLES = {
    "organization": ("organizations",),
    "service": ("services",),
    "location": ("locations",),
    "service_at_location": (
        "service_at_locations",
        "services_at_location",
        "services_at_locations",
    ),
    "address": ("addresses", "physical_address", "physical_addresses"),
    "postal_address": ("postal_addresses",),
    "phone": ("phones",),
    "schedule": ("schedules", "regular_schedule", "regular_schedules"),
    "holiday_schedule": ("holiday_schedules",),
    "language": ("languages",),
    "service_area": ("service_areas",),
    "taxonomy_term": ("taxonomy_terms", "taxonomies"),
    "service_taxonomy": ("services_taxonomy", "service_taxonomies"),
    "attribute": ("attributes",),
    "accessibility": ("accessibility_for_disabilities", "accessibilities"),
    "eligibility": ("eligibilities",),
    # Tables the model has no place for; read so that the report can name them.
    "program": ("programs",),
    "funding": ("fundings",),
    "required_document": ("required_documents",),
    "payment_accepted": ("payments_accepted", "payment_accepteds"),
    "contact": ("contacts",),
    # What describes the package itself (HSDS 3.0 tabular): known, and not the directory's.
    "metadata": ("meta",),
}
_CANONICAL = {alias: name for name, aliases in _TABLES.items() for alias in (name, *aliases)}


# HSDS 3.0 nests objects a few levels deep (organization, service, service at location,
# location, address); deeper is a hostile file, not a directory.
NESTING_MAX = 16


@dataclass
class Package:
    tables: dict[str, list[Row]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    # Files read from another place than the descriptor lists them at.
    relocated: list[str] = field(default_factory=list)

    read: int = 0  # rows read so far, of every table
    cells: int = 0

    def add(self, table: str, row: Row) -> None:
        self.tables.setdefault(table, []).append(row)

    def count(self, where: str, cells: int = 1) -> None:
        """One more row read, of `cells` cells; past `MAX_ROWS` rows or `MAX_CELLS` cells the
        package is refused before it fills memory."""
        self.read += 1
        self.cells += cells
        if self.read > MAX_ROWS:
            raise PackageError(f"{where}: more than {MAX_ROWS:,} rows in the package; split it")
        if self.cells > MAX_CELLS:
            raise PackageError(f"{where}: more than {MAX_CELLS:,} cells in the package; split it")

    def rows(self, table: str) -> list[Row]:
        return self.tables.get(table, [])


def table_name(stem: str, rows: list[Row] | None = None) -> str | None:
    name = stem.strip().lower().replace("-", "_").replace(" ", "_")
    if name == "taxonomy":
        # HSDS 1.1 called its terms `taxonomy`; in 3.0 that table describes the taxonomy itself.
        columns = set(rows[0]) if rows else set()
        is_terms = bool(columns & {"parent_id", "parent_name", "vocabulary", "term", "code"})
        return "taxonomy_term" if is_terms else None
    return _CANONICAL.get(name)


def read_package(path: Path) -> Package:
    if not path.exists():
        raise PackageError(f"{path}: no such file or folder")
    if path.is_dir():
        return _read_files(folder_files(path), str(path))
    suffix = path.suffix.lower()
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                return _read_files(zip_files(archive), str(path))
        except zipfile.BadZipFile:
            raise PackageError(f"{path}: not a readable zip file") from None
    if suffix == ".json":
        package = Package()
        _read_json(package, path.name, read_file(path, path.name, Sizes(str(path))))
        return package
    if suffix == ".csv":
        package = Package()
        _read_csv(package, path.name, read_file(path, path.name, Sizes(str(path))), None)
        return package
    raise PackageError(f"{path}: expected a .json or .csv file, a .zip, or a folder")


def _read_files(files: Iterable[tuple[str, bytes]], origin: str) -> Package:
    contents = dict(files)
    package = Package()
    descriptors = [n for n in contents if PurePosixPath(n).name == "datapackage.json"]
    if descriptors:
        # The shallowest descriptor describes the package; a zip often wraps it in a folder.
        descriptor = min(descriptors, key=lambda n: (len(PurePosixPath(n).parts), n))
        _read_datapackage(package, descriptor, contents)
    else:
        csvs = [name for name in contents if name.lower().endswith(".csv")]
        for name in csvs:
            _read_csv(package, name, contents[name], None)
        if not csvs:
            for name, data in contents.items():
                _read_json(package, name, data)
    if not package.tables:
        missing = f": {', '.join(package.ignored[:3])}" if package.ignored else ""
        raise PackageError(f"{origin}: no HSDS tables or JSON records found{missing}")
    return package


def _read_datapackage(package: Package, descriptor: str, contents: dict[str, bytes]) -> None:
    base = PurePosixPath(descriptor).parent
    try:
        meta = json.loads(contents[descriptor])
        resources = meta["resources"]
        if not isinstance(resources, list):
            raise TypeError("resources is not a list")
    except (ValueError, KeyError, TypeError, RecursionError):
        raise PackageError(f"{descriptor}: not a data package descriptor with resources") from None
    used: set[str] = set()
    for resource in resources:
        if not isinstance(resource, dict):
            continue
        paths = resource.get("path")
        name = resource.get("name") if isinstance(resource.get("name"), str) else None
        for relative in paths if isinstance(paths, list) else [paths]:
            if not isinstance(relative, str):
                continue
            listed = _join(base, relative)
            found = _locate(base, relative, name, contents, used)
            if found is None:
                package.ignored.append(f"{listed} (listed in {descriptor}, not in the package)")
                continue
            used.add(found)
            if found != listed:
                package.relocated.append(f"{found} (listed in {descriptor} as {relative})")
            _read_csv(package, found, contents[found], name)
    # Tables the descriptor does not list, under their usual names, are read all the same.
    for found in sorted(contents, key=lambda n: (len(PurePosixPath(n).parts), n)):
        path = PurePosixPath(found)
        table = table_name(path.stem) if path.suffix.lower() == ".csv" else None
        if found in used or table is None or table in package.tables:
            continue
        used.add(found)
        package.relocated.append(f"{found} (not listed in {descriptor})")
        _read_csv(package, found, contents[found], None)


def _join(base: PurePosixPath, relative: str) -> str:
    name = PurePosixPath(relative.replace("\\", "/").removeprefix("./"))
    return (base / name).as_posix() if str(base) != "." else name.as_posix()


def _locate(
    base: PurePosixPath,
    relative: str,
    resource: str | None,
    contents: dict[str, bytes],
    used: set[str],
) -> str | None:
    """Where a listed file is: where it is listed, then at the package's root, then in `data/`,
    then under the table's usual names in any folder (exports often move files into `data/`
    without changing the descriptor)."""
    name = PurePosixPath(relative.replace("\\", "/").removeprefix("./")).name
    for candidate in (
        _join(base, relative),
        relative,
        _join(base / "data", name),
        f"data/{name}",
    ):
        if candidate in contents:
            return candidate
    table = table_name(resource or PurePosixPath(name).stem)
    if table is None:
        return None
    usual = [
        found for found in contents
        if found not in used and PurePosixPath(found).suffix.lower() == ".csv"
        and table_name(PurePosixPath(found).stem) == table
    ]  # fmt: skip
    return min(usual, key=lambda n: (len(PurePosixPath(n).parts), n), default=None)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet exports from Windows are often in cp1252.
        return data.decode("cp1252", errors="replace")


def _read_csv(package: Package, name: str, data: bytes, resource: str | None) -> None:
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    try:
        # One lowered name a column, shared by every row (not a new string a cell).
        columns = {key: (key or "").strip().lower() for key in reader.fieldnames or ()}
        if len(columns) > MAX_COLUMNS:
            raise PackageError(f"{name}: more than {MAX_COLUMNS} columns; not an HSDS table")
        for line, raw in enumerate(reader, start=2):
            package.count(name, len(columns))
            row: Row = {
                columns[key]: (_unguarded(value).strip() if isinstance(value, str) else "")
                for key, value in raw.items()
                if key is not None
            }
            row["_where"] = f"{name} line {line}"
            rows.append(row)
    except csv.Error as error:
        # A cell past the reader's limit (131,072 characters), a stray quote: the file cannot
        # be read as the exporter meant it, so nothing of the package is imported.
        line = reader.line_num + 1  # the line being read when it failed
        raise PackageError(f"{name} line {line}: not readable CSV ({error})") from None
    table = table_name(resource or PurePosixPath(name).stem, rows)
    if table is None:
        package.ignored.append(name)
        return
    for row in rows:
        package.add(table, row)


def _unguarded(cell: str) -> str:
    """A CSV cell as written before the export's guard: a spreadsheet reads a cell starting
    with `= + - @`, a tab or a carriage return as a formula, so Guichet's CSV export (as the
    statistics CSV) writes a `'` before it (`=x` becomes `'=x`). Dropping that `'` is the
    guard's inverse, so that the export imported back is the directory it came from."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _read_json(package: Package, name: str, data: bytes) -> None:
    try:
        document = json.loads(_decode(data), object_pairs_hook=JsonObjects(name))
    except ValueError as error:
        raise PackageError(f"{name}: not valid JSON ({error})") from None
    except RecursionError:
        raise PackageError(f"{name}: not readable JSON (nested too deeply)") from None
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        document = document["contents"]  # an HSDS API page
    items = document if isinstance(document, list) else [document]
    hint = table_name(PurePosixPath(name).stem)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            package.ignored.append(f"{name}[{index}] (not an object)")
            continue
        kind = hint or _shape(item)
        where = f"{name}[{index}]" if isinstance(document, list) else name
        _flatten(package, kind, item, where, {}, nested=False, depth=0)


def _shape(item: Row) -> str:
    """Which HSDS object a JSON object is, from its fields."""
    if "location_type" in item or "addresses" in item:
        return "location"
    if isinstance(item.get("location"), dict) and "service_id" in item:
        return "service_at_location"
    if "services" in item or "organization_identifiers" in item or "website" in item:
        return "organization"
    if "organization_id" not in item and "status" not in item:
        return "organization"  # HSDS 3.0 requires both of a service, neither of an organization
    return "service"


# Nested arrays of each HSDS 3.0 object: field → (table, the key linking the child back).
_CHILDREN = {
    "organization": {
        "services": ("service", "organization_id"),
        "locations": ("location", "organization_id"),
        "phones": ("phone", "organization_id"),
    },
    "service": {
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "languages": ("language", "service_id"),
        "attributes": ("attribute", "link_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "required_documents": ("required_document", "service_id"),
        "funding": ("funding", "service_id"),
        "contacts": ("contact", "service_id"),
    },
    "service_at_location": {
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
        "service_areas": ("service_area", "service_at_location_id"),
    },
    "location": {
        "addresses": ("address", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
        "languages": ("language", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "attributes": ("attribute", "link_id"),
    },
}
# Nested single objects: field → (table, the key of the parent that points at it).
_ONE = {
    "service": {"organization": ("organization", "organization_id")},
    "service_at_location": {"location": ("location", "location_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
}


def _flatten(
    package: Package, table: str, item: Row, where: str, links: Row, *, nested: bool, depth: int
) -> None:
    if depth > NESTING_MAX:
        package.ignored.append(f"{where} (nested more than {NESTING_MAX} levels)")
        return
    row: Row = {key: value for key, value in item.items() if not isinstance(value, dict | list)}
    row["_keys"] = frozenset(item)  # what the object holds, even empty: see Cells.absent
    read = set(_CHILDREN.get(table, {})) | set(_ONE.get(table, {}))
    # Nested fields no table reads ("program", "cost_options"): the report names them.
    row["_unread"] = [k for k, v in item.items() if isinstance(v, dict | list) and k not in read]
    for key, value in links.items():
        row.setdefault(key, value)
    for key, (child_table, pointer) in _ONE.get(table, {}).items():
        child = item.get(key)
        if isinstance(child, dict):
            _flatten(
                package, child_table, child, f"{where}.{key}", {}, nested=True, depth=depth + 1
            )
            if child.get("id") is not None:
                row.setdefault(pointer, child["id"])
    if table == "attribute":
        row.setdefault("link_entity", links.get("_entity", ""))
    row.pop("_entity", None)
    row["_where"] = where
    row["_nested"] = nested
    package.count(where)
    package.add(table, row)
    for key, (child_table, pointer) in _CHILDREN.get(table, {}).items():
        children = item.get(key)
        if not isinstance(children, list):
            continue
        for index, child in enumerate(children):
            if isinstance(child, dict):
                link = {pointer: item.get("id"), "_entity": table}
                _flatten(
                    package,
                    child_table,
                    child,
                    f"{where}.{key}[{index}]",
                    link,
                    nested=True,
                    depth=depth + 1,
                )
