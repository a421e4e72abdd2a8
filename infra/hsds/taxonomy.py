"""A package's own taxonomy: its `taxonomy_term` rows become terms with names, defined through
the taxonomy handler.

A term already in the log is left as it is, so names an editor changed survive any number of
imports. HSDS has one language a package: the name goes to that language, the other is empty
until an editor fills it. A row whose code Guichet cannot hold is left out without a note of
its own: services carry codes by the same rule, so a service naming it is already reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.errors import InvalidInput
from domain.handlers.taxonomy import DefineTerms, TaxonomyHandler, TermSpec
from domain.limits import CODE_MAX
from domain.operations import Operations
from domain.taxonomy import TaxonomyTerm, code_parent, parse_code
from infra.hsds.report import Report
from infra.hsds.source import Package, Row

VOCABULARY = "hsds"


def define_package_terms(
    operations: Operations, package: Package, report: Report, *, actor: str, at: datetime,
    language: str,
) -> None:  # fmt: skip
    """Defines the package's terms not yet in the log, parents first; counts each term as
    new or unchanged."""
    rows = package.rows("taxonomy_term")
    if not rows:
        return
    specs = [
        spec for spec in term_specs(rows, language) if _valid(spec, actor=actor, at=at)
    ]  # fmt: skip
    defined = TaxonomyHandler(operations).define_all(
        DefineTerms(tuple(parents_first(specs))), actor=actor, at=at
    )
    report.written[("taxonomy_term", "new")] += defined.new
    report.written[("taxonomy_term", "unchanged")] += defined.known
    report.events += defined.new


def term_specs(rows: Sequence[Row], language: str) -> list[TermSpec]:
    """One spec a term, the first row of each code; its parent by `parent_id` (a term id or
    code of the package), else the code's own parent."""
    codes = {_key(row): _code(row) for row in rows if _key(row)}
    specs: dict[str, TermSpec] = {}
    for row in rows:
        code = codes.get(_key(row))
        if code is None or code in specs:
            continue
        name = str(row.get("name") or row.get("term") or "").strip()
        parent_key = str(row.get("parent_id") or "").strip()
        parent = codes.get(parent_key) or _parsed(parent_key)
        vocabulary = str(row.get("taxonomy") or row.get("vocabulary") or "").strip()
        specs[code] = TermSpec(
            code=code,
            name_fr=name if language == "fr" else "",
            name_en=name if language != "fr" else "",
            parent_code=parent if parent != code else None,
            vocabulary=vocabulary if 0 < len(vocabulary) <= CODE_MAX else VOCABULARY,
        )
    return list(specs.values())


def parents_first(specs: Sequence[TermSpec]) -> list[TermSpec]:
    parents: Mapping[str, str | None] = {
        spec.code: spec.parent_code or code_parent(spec.code) for spec in specs
    }

    depths: dict[str, int] = {}

    def depth(code: str) -> int:
        """How many of the package's terms lie above `code`; each chain is walked once, so a
        long chain of parents costs its length, not its square (a cycle counts as a chain)."""
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = code
        while current is not None and current not in depths and current not in on_path:
            path.append(current)
            on_path.add(current)
            parent = parents.get(current)
            current = parent if parent in parents else None
        known = depths.get(current, -1) if current is not None else -1
        for found in reversed(path):
            known += 1
            depths[found] = known
        return depths[code]

    return sorted(specs, key=lambda spec: depth(spec.code))


def _key(row: Row) -> str:
    return str(row.get("id") or "").strip()


def _code(row: Row) -> str | None:
    """HSDS 1.1 and 2.0 terms often have no code: their id is the code."""
    return _parsed(str(row.get("code") or "").strip() or _key(row))


def _parsed(code: str) -> str | None:
    if not code:
        return None
    try:
        return parse_code("code", code)
    except InvalidInput:
        return None


def _valid(spec: TermSpec, *, actor: str, at: datetime) -> bool:
    try:
        TaxonomyTerm.define(spec, actor=actor, at=at)
    except InvalidInput:
        return False
    return True
