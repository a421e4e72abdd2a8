"""Reading the cells of an HSDS package's rows: cleaned, cut to the domain's bounds, and each
child row found by the record it points to. What is cut or dropped goes to the report."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, TypeVar

from domain.text import forbidden_character, without_forbidden
from domain.values import LocalizedText
from infra.hsds.columns import NESTED, SOURCES
from infra.hsds.report import Report
from infra.hsds.source import Package, Row
from projections.search_query import fold_text

T = TypeVar("T")


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold_text(text)).split())


class Cells:
    def __init__(self, package: Package, report: Report, language: str) -> None:
        self.package = package
        self.report = report
        self.language = language
        self.children: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
        self.own_files: dict[str, bool] = {}

    def clean(self) -> None:
        """A cell with a NUL, another control character or a lone surrogate would make a fact
        no view can store: the characters become spaces, and the report says where."""
        for table, rows in self.package.tables.items():
            for row in rows:
                for column, value in row.items():
                    if column.startswith("_") or not isinstance(value, str):
                        continue
                    problem = forbidden_character(value)
                    if problem is not None:
                        row[column] = without_forbidden(value).strip()
                        self.report.note(
                            table, "control characters removed", row["_where"],
                            f"{column} contained {problem}",
                        )  # fmt: skip

    def cut(self, kind: str, where: str, name: str, value: str, limit: int) -> str:
        if len(value) > limit:
            self.report.note(kind, f"{name} longer than {limit:,} characters, cut", where)
            return value[:limit].strip()
        return value

    def most(self, kind: str, where: str, name: str, items: list[T], limit: int) -> list[T]:
        if len(items) > limit:
            self.report.note(kind, f"more than {limit:,} {name}, the rest left out", where)
            return items[:limit]
        return items

    def text(
        self, kind: str, where: str, name: str, value: Any, limit: int, multiline: bool = False
    ) -> LocalizedText:
        raw = str(value or "")
        if multiline:
            cleaned = "\n".join(" ".join(line.split()) for line in raw.splitlines()).strip()
        else:
            cleaned = " ".join(raw.split())
        if len(cleaned) > limit:
            self.report.note(kind, f"{name} longer than {limit:,} characters, cut", where)
            cleaned = cleaned[:limit]
        return (
            LocalizedText(fr=cleaned, en="")
            if self.language == "fr"
            else LocalizedText(fr="", en=cleaned)
        )

    def unique(self, table: str, kind: str) -> dict[str, Row]:
        """Rows by id; a repeated id keeps the first row (nested copies of one object are fine)."""
        rows: dict[str, Row] = {}
        for row in self.package.rows(table):
            key = str(row.get("id") or "").strip()
            if not key:
                self.report.skip(kind, "no id", row["_where"])
                continue
            first = rows.get(key)
            if first is None:
                rows[key] = row
            elif not (row.get("_nested") and _same(first, row)):
                self.report.skip(
                    kind, "duplicate id", row["_where"], f"{key!r}, first at {first['_where']}"
                )
        return rows

    def index_children(self) -> None:
        for table in (
            "phone",
            "schedule",
            "holiday_schedule",
            "language",
            "service_area",
            "service_taxonomy",
            "attribute",
            "address",
            "postal_address",
            "accessibility",
            "eligibility",
            "required_document",
            "payment_accepted",
        ):
            for row in self.package.rows(table):
                for pointer in (
                    "service_id", "location_id", "service_at_location_id", "link_id",
                    "organization_id",
                ):  # fmt: skip
                    key = str(row.get(pointer) or "").strip()
                    if key:
                        self.children[(table, pointer, key)].append(row)

    def rows_of(self, table: str, pointer: str, key: str) -> list[Row]:
        return self.children.get((table, pointer, key), [])

    def attached(self, table: str, key: str, links: list[str]) -> list[Row]:
        """Rows of a service's own, then those of its services at locations."""
        rows = list(self.rows_of(table, "service_id", key))
        for link in links:
            rows.extend(self.rows_of(table, "service_at_location_id", link))
        return rows

    def unnested(self, table: str) -> bool:
        """Whether the package has rows of `table` from a file of their own (not nested)."""
        if table not in self.own_files:
            self.own_files[table] = any(not r.get("_nested") for r in self.package.rows(table))
        return self.own_files[table]

    def absent(self, kind: str, row: Row) -> frozenset[str]:
        """The fields of `kind` the package does not hold for this row: no source column in
        its table (or key in its JSON object), and no child table in the package (or nested
        list in the object, or file of its own)."""
        keys = row.get("_keys")  # a JSON object's fields; a CSV row holds every column

        def held(source: str) -> bool:
            if source.startswith("filled:"):
                return bool(str(row.get(source.removeprefix("filled:")) or "").strip())
            table = source.removeprefix("table:")
            if table == source:
                return source in (row if keys is None else keys)
            if keys is None:
                return bool(self.package.rows(table))
            return NESTED.get(table) in keys or self.unnested(table)

        return frozenset(
            field for field, sources in SOURCES[kind].items() if not any(map(held, sources))
        )


def _same(first: Row, second: Row) -> bool:
    def content(row: Row) -> dict[str, Any]:
        return {k: v for k, v in row.items() if not k.startswith("_")}

    return content(first) == content(second)
