"""Statistical disclosure control of public figures: the threshold rule with complementary
suppression, as in the ESSnet Handbook on Statistical Disclosure Control (Hundepool et al.,
2010, chapter 5, "Magnitude and frequency tables": threshold rule, secondary suppression).

Primary suppression: a cell counting 1 to threshold - 1 contacts is not published at all,
neither its count nor its key, so its absence cannot be told from a zero; a total (contacts,
needs, referrals, unmet needs, interpreters) below the threshold, 0 included, is published as
hidden, so a zero cannot be told from a small count either.

Complementary suppression: every published whole is the sum of parts (a table's cells add up
to the contacts, the needs, the unmet needs or the referrals; the months of a channel to that
channel; the places of a region to the region; the needs of a category to the category; the
reasons of an unmet need to that need and the needs of a reason to that reason). For each such
relation, what is left once the published parts are taken from the published whole must be 0
or at least the threshold, so it can never be a small group; when it is not, the smallest
published part is hidden too, and so on until every relation holds. A part whose whole is
hidden is hidden with it, and a share is left out where it would give a hidden whole back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from projections.statistics import NONE, UNKNOWN, Cell, Tallies, category

Whole = tuple[int | None, int]  # as published (None: hidden), as counted
_WHOLE = {
    "channel": "contacts", "language": "contacts", "gender": "contacts",
    "age_band": "contacts", "inquirer_type": "contacts", "region": "contacts",
    "category": "needs", "need": "needs", "unmet": "unmet", "unmet_reason": "unmet",
    "organization": "referrals",
}  # fmt: skip
# Tables whose cells add up, in groups, to the cells of another: (whole, parts, which whole a
# part belongs to).
_NESTED: tuple[tuple[str, str, Callable[[Cell], str]], ...] = (
    ("channel", "month", lambda c: c.key),
    ("region", "place", lambda c: c.group),
    ("category", "need", lambda c: category(c.key)),
    ("unmet", "unmet_need_reason", lambda c: c.group),
    ("unmet_reason", "unmet_need_reason", lambda c: c.key),
)
KNOWN_ONLY = ("language", "inquirer_type", "age_band", "gender")


@dataclass(frozen=True)
class Protected:
    """What the public may see: the cells left in each table, the totals hidden, and the tables
    (or groups of a table) whose shares are left out."""

    tables: dict[str, list[Cell]]
    hidden: frozenset[str]
    no_share: frozenset[tuple[str, str]]  # (table, group); group "*" for the whole table


def protect(tallies: Tallies, threshold: int, first: Mapping[str, int]) -> Protected:
    """`first` caps the rows of the tables named in it (per group), before the relations are
    checked: rows left out by the cap are as unknown to the public as suppressed ones."""

    def small(count: int) -> bool:
        return 0 < count < threshold

    totals = {
        "contacts": tallies.contacts, "needs": tallies.needs, "referrals": tallies.referrals,
        "unmet": tallies.unmet, "interpreter": tallies.interpreter,
    }  # fmt: skip
    # A total of 0 is hidden like one of 1 to threshold - 1: published, the 0 would tell that a
    # figure hidden the next time counts a contact logged since.
    hidden = {name for name, count in totals.items() if count < threshold}
    # Interpreters or not: a two-cell table whose whole is the contacts.
    if small(tallies.contacts - tallies.interpreter) or "contacts" in hidden:
        hidden.add("interpreter")
    shown: dict[str, list[Cell]] = {}
    for name in {*tallies.tables, *_WHOLE, *(child for _, child, _ in _NESTED)}:
        cells = tallies.tables.get(name, [])
        kept, per_group = [], dict[str, int]()
        for cell in cells:
            if cell.count < threshold:
                continue
            if name in first:
                if per_group.get(cell.group, 0) >= first[name]:
                    continue
                per_group[cell.group] = per_group.get(cell.group, 0) + 1
            kept.append(cell)
        shown[name] = kept

    def settle(table: str, of: Callable[[Cell], str], wholes: Mapping[str, Whole]) -> bool:
        """Makes every sum of the table's parts, grouped by `of`, hold against its whole;
        True when it hid something."""
        groups: dict[str, list[Cell]] = {}
        for cell in shown[table]:
            groups.setdefault(of(cell), []).append(cell)
        hide: set[int] = set()
        for key, parts in groups.items():
            published, exact = wholes.get(key, (None, 0))
            if published is None:  # parts of a hidden whole go with it
                hide.update(id(cell) for cell in parts)
            elif small(exact - sum(cell.count for cell in parts)):
                hide.add(id(min(parts, key=lambda cell: cell.count)))
        if hide:
            shown[table] = [cell for cell in shown[table] if id(cell) not in hide]
        return bool(hide)

    def relations() -> bool:
        changed = False
        for table, total in _WHOLE.items():
            whole = None if total in hidden else totals[total]
            changed |= settle(table, lambda _: "", {"": (whole, totals[total])})
        for parent, child, of in _NESTED:
            published = {cell.key: cell.count for cell in shown[parent]}
            wholes = {
                c.key: (published.get(c.key), c.count) for c in tallies.tables.get(parent, [])
            }
            changed |= settle(child, of, wholes)
        return changed

    while relations():
        pass
    return Protected(shown, frozenset(hidden), frozenset(_no_share(tallies, shown)))


def _no_share(tallies: Tallies, shown: dict[str, list[Cell]]) -> set[tuple[str, str]]:
    left_out: set[tuple[str, str]] = set()
    for table in KNOWN_ONLY:
        # Shares are of the known answers: with the unknown ones hidden, they would tell them.
        unknown = {c.key for c in tallies.tables.get(table, []) if c.key in (UNKNOWN, NONE)}
        if unknown - {c.key for c in shown.get(table, [])}:
            left_out.add((table, "*"))
    for table, parent in (("place", "region"), ("unmet_need_reason", "unmet")):
        groups: dict[str, int] = {}
        for cell in tallies.tables.get(table, []):
            groups[cell.group] = groups.get(cell.group, 0) + cell.count
        published = {c.key: c.count for c in shown.get(parent, [])}
        for group, count in groups.items():
            if published.get(group) != count:
                left_out.add((table, group))
    return left_out
