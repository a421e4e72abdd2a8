"""Exact tallies turned into published figures: shares, labels, and small cells suppressed.

Shares are percentages of the table's whole: contacts for channels, months and regions;
contacts whose answer is known for language, inquirer, age and gender (an unknown answer is
counted but has no share, as in the annual report); needs for needs and categories; unmet
needs for unmet needs and their reasons; referrals for organisations; the region's contacts
for the places inside it.

Public figures go through `projections.disclosure`: small cells are left out, key and all,
with the cells that would give them back. Contacts who gave no address appear only as their
own region, never under a place. Then every count left is randomly rounded to a multiple of 5
(`projections.rounding`), and shares and ratios are of the rounded counts; averages of waiting
and handling times are left out, as one contact more or less would show in them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from projections.disclosure import Protected, protect
from projections.rounding import RandomRounding
from projections.statistics import NONE, UNKNOWN, Cell, Tallies
from projections.statistics_labels import table_label

PERCENT_DIGITS = 2
TABLES = (
    "channel", "month", "language", "gender", "age_band", "inquirer_type", "region", "place",
    "category", "need", "unmet", "unmet_reason", "unmet_need_reason", "organization",
)  # fmt: skip
_KNOWN_ONLY = {"language", "inquirer_type", "age_band", "gender"}
_DENOMINATOR = {
    "channel": "contacts", "month": "contacts", "region": "contacts", "language": "known",
    "inquirer_type": "known", "age_band": "known", "gender": "known", "category": "needs",
    "need": "needs", "unmet": "unmet", "unmet_reason": "unmet", "organization": "referrals",
    "place": "group", "unmet_need_reason": "group",
}  # fmt: skip
_PARENT = {"place": "region", "unmet_need_reason": "unmet"}  # the wholes of "group" shares


@dataclass(frozen=True)
class Figure:
    value: int | None
    suppressed: bool


@dataclass(frozen=True)
class PublishedCell:
    group: str
    key: str
    label: str
    count: int | None
    share: float | None
    suppressed: bool


@dataclass(frozen=True)
class Published:
    exact: bool
    threshold: int
    contacts: Figure
    needs: Figure
    referrals: Figure
    unmet: Figure
    interpreter: Figure
    needs_per_contact: float | None
    referrals_per_contact: float | None
    average_wait_seconds: float | None
    average_handle_seconds: float | None
    tables: dict[str, list[PublishedCell]]


def _share(count: int, whole: int | None) -> float | None:
    # Rounded independently, a part can come out above its whole: it is all of it.
    return round(100 * min(count, whole) / whole, PERCENT_DIGITS) if whole else None


def publish(
    tallies: Tallies,
    *,
    exact: bool,
    threshold: int,
    label: Callable[[str, str], str],
    first: Mapping[str, int],
    rounding: RandomRounding | None = None,
) -> Published:
    """`label(table, key)` names a key; `first` caps the rows of the tables named in it (per
    group for grouped tables). Public figures are protected (see `projections.disclosure`):
    their tables list only the cells the public may see, and with `rounding` every count they
    publish is rounded, shares and ratios being of the rounded counts."""
    if exact:
        shown = {name: _capped(tallies.tables.get(name, []), first.get(name)) for name in TABLES}
        protected = Protected(shown, frozenset(), frozenset())
        rounding = None
    else:
        protected = protect(tallies, threshold, first)
    hidden = protected.hidden

    def rounded(count: int, table: str, group: str, key: str) -> int:
        return count if rounding is None else rounding(count, table, group, key, tallies.contacts)

    exact_totals = {
        "contacts": tallies.contacts, "needs": tallies.needs, "referrals": tallies.referrals,
        "unmet": tallies.unmet, "interpreter": tallies.interpreter,
    }  # fmt: skip
    totals = {
        name: None if name in hidden else rounded(count, "total", "", name)
        for name, count in exact_totals.items()
    }

    def small(count: int) -> bool:
        return not exact and 0 < count < threshold

    def figure(name: str) -> Figure:
        value = totals[name]
        return Figure(None, True) if value is None else Figure(value, False)

    def ratio(part: str) -> float | None:
        counted, contacts = totals[part], totals["contacts"]
        if not contacts or counted is None:
            return None
        return round(counted / contacts, 3)

    tables: dict[str, list[PublishedCell]] = {}
    for name in TABLES:
        cells = [
            replace(cell, count=rounded(cell.count, name, cell.group, cell.key))
            for cell in protected.tables.get(name, [])
        ]
        if rounding is None:
            groups = _sums(tallies.tables.get(name, []))
            known = _sums(c for c in tallies.tables.get(name, []) if c.key not in (UNKNOWN, NONE))
            known_whole: int | None = known.get("", 0)
        else:  # the wholes of shares as published: rounded, and only those shown
            groups = {c.key: c.count or 0 for c in tables.get(_PARENT.get(name, ""), [])}
            unknown = sum(c.count for c in cells if c.key in (UNKNOWN, NONE))
            contacts = totals["contacts"]
            known_whole = None if contacts is None else contacts - unknown
        wholes = {**{kind: totals[kind] for kind in ("contacts", "needs", "unmet", "referrals")},
                  "known": known_whole}  # fmt: skip
        kept: list[PublishedCell] = []
        for cell in cells:
            kind = _DENOMINATOR[name]
            whole = groups.get(cell.group) if kind == "group" else wholes[kind]
            share = _share(cell.count, whole)
            if (name in _KNOWN_ONLY and cell.key in (UNKNOWN, NONE)) or {
                (name, "*"),
                (name, cell.group),
            } & protected.no_share:
                share = None
            kept.append(
                PublishedCell(
                    group=cell.group, key=cell.key, label=label(name, cell.key),
                    count=cell.count, share=share, suppressed=False,
                )
            )  # fmt: skip
        tables[name] = kept
    waited, wait_total = tallies.wait
    handled, handle_total = tallies.handle
    return Published(
        exact=exact,
        threshold=threshold,
        contacts=figure("contacts"),
        needs=figure("needs"),
        referrals=figure("referrals"),
        unmet=figure("unmet"),
        interpreter=figure("interpreter"),
        needs_per_contact=ratio("needs"),
        referrals_per_contact=ratio("referrals"),
        average_wait_seconds=None if rounding else _average(wait_total, waited, small),
        average_handle_seconds=None if rounding else _average(handle_total, handled, small),
        tables=tables,
    )


def _sums(cells: Iterable[Cell]) -> dict[str, int]:
    """The counts of the cells added up by group."""
    sums: dict[str, int] = {}
    for cell in cells:
        sums[cell.group] = sums.get(cell.group, 0) + cell.count
    return sums


def _capped(cells: list[Cell], first: int | None) -> list[Cell]:
    if first is None:
        return cells
    kept, shown = [], dict[str, int]()
    for cell in cells:
        if shown.get(cell.group, 0) < first:
            shown[cell.group] = shown.get(cell.group, 0) + 1
            kept.append(cell)
    return kept


def _average(total: int, count: int, hidden: Callable[[int], bool]) -> float | None:
    if count == 0 or hidden(count):
        return None
    return round(total / count, 1)


CSV_HEADER = ("table", "group", "key", "label", "count", "share_percent", "suppressed")


def to_csv(published: Published, language: str = "fr") -> str:
    """One line per figure: the totals first (table `total`), then every table's cells; the
    totals and averages are named in `language`, the cells as published."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    totals = {
        "contacts": published.contacts, "needs": published.needs,
        "referrals": published.referrals, "unmet_needs": published.unmet,
        "interpreter_used": published.interpreter,
    }  # fmt: skip
    for key, figure in totals.items():
        name = table_label("total", key, language) or ""
        writer.writerow(["total", "", key, name, _blank(figure.value), "", figure.suppressed])
    averages = {
        "needs_per_contact": published.needs_per_contact,
        "referrals_per_contact": published.referrals_per_contact,
        "average_wait_seconds": published.average_wait_seconds,
        "average_handle_seconds": published.average_handle_seconds,
    }
    for key, value in averages.items():
        name = table_label("average", key, language) or ""
        writer.writerow(["average", "", key, name, _blank(value), "", value is None])
    for name, cells in published.tables.items():
        for cell in cells:
            writer.writerow(
                [name, safe_cell(cell.group), safe_cell(cell.key), safe_cell(cell.label),
                 _blank(cell.count), _blank(cell.share), cell.suppressed]
            )  # fmt: skip
    return out.getvalue()


# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: a leading quote before a formula's first
    character. Numbers are written as numbers and never go through this."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _blank(value: object) -> object:
    return "" if value is None else value
