"""Statistics over contacts, computed from columns held in arrays.

The contacts view is read into one array per attribute, indexed by the row's stable number,
with needs and referrals as arrays of entries pointing at their row. A query is then a mask
over the rows and a count per value: fast enough over a million contacts for any period,
any territory and any channel, without a cube per combination.

Only completed contacts count. Days are local days in America/Montréal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.interactions import CONFIDENTIAL, Disposition

EPOCH = date(1970, 1, 1)
COUNTED = Disposition.COMPLETED.value
UNKNOWN = "unknown"
NONE = ""

# The regions of the annual report: the three agglomerations of the CMM by their code, the
# rest of the CMM by shore, contacts that gave no address, and elsewhere by administrative
# region.
AGGLOMERATIONS = {"TE-66": "Montréal", "TE-65": "Laval", "TE-58": "Agglomération de Longueuil"}
NORTH_SHORE = "CMM-north-shore"
SOUTH_SHORE = "CMM-south-shore"
REGION_LABELS = {
    **AGGLOMERATIONS,
    NORTH_SHORE: "Couronne Nord",
    SOUTH_SHORE: "Couronne Sud",
    CONFIDENTIAL: "Adresses confidentielles",
    UNKNOWN: "Territoire non précisé",
}
_NORTH_REGIONS = {"RA-14", "RA-15"}  # Lanaudière, Laurentides
_SOUTH_REGIONS = {"RA-16"}  # Montérégie


def report_region(code: str, ancestors: Sequence[str]) -> str:
    if code == CONFIDENTIAL:
        return CONFIDENTIAL
    chain = [code, *ancestors]
    for place in chain:
        if place in AGGLOMERATIONS:
            return place
    if "CMM" in chain:
        if _NORTH_REGIONS.intersection(chain):
            return NORTH_SHORE
        if _SOUTH_REGIONS.intersection(chain):
            return SOUTH_SHORE
    return next((place for place in chain if place.startswith("RA-")), UNKNOWN)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_label(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def category(code: str) -> str:
    """The top of a taxonomy code: `BD-1800.2000` → `BD`."""
    return code.split("-", 1)[0]


class Codes:
    """Values of one attribute as small integers, in order of first appearance."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self._index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.labels)

    def code(self, label: str | None) -> int:
        key = label if label is not None else NONE
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.labels)
            self.labels.append(key)
        return found

    def find(self, label: str) -> int | None:
        return self._index.get(label)


class Grow:
    """An array with room to grow, for columns that are appended to."""

    def __init__(self, dtype: npt.DTypeLike, fill: int = 0) -> None:
        self.data = np.full(1024, fill, dtype=dtype)
        self.fill = fill
        self.size = 0

    def reserve(self, size: int) -> None:
        if size > len(self.data):
            grown = np.full(max(size, 2 * len(self.data)), self.fill, dtype=self.data.dtype)
            grown[: len(self.data)] = self.data
            self.data = grown
        self.size = max(self.size, size)

    def view(self) -> npt.NDArray[Any]:
        return self.data[: self.size]


ROW_COLUMNS = (
    "position", "counted", "day", "month", "channel", "language", "interpreter",
    "inquirer_type", "age_band", "gender", "territory", "wait", "handle",
)  # fmt: skip
CODED = ("channel", "language", "inquirer_type", "age_band", "gender", "territory")


@dataclass
class Contact:
    """What statistics need of one contact row."""

    row_id: int
    position: int
    disposition: str | None
    day: date
    channel: str
    language: str
    interpreter: bool
    inquirer_type: str
    age_band: str
    gender: str
    territory: str | None
    wait_seconds: int | None
    handle_seconds: int | None
    need_codes: Sequence[str]
    need_unmet: Sequence[str]
    referral_organizations: Sequence[str]


@dataclass
class Columns:
    """Every contact's attributes, one array each, indexed by row number."""

    codes: dict[str, Codes] = field(default_factory=lambda: {name: Codes() for name in CODED})
    need_codes: Codes = field(default_factory=Codes)
    reasons: Codes = field(default_factory=Codes)
    organizations: Codes = field(default_factory=Codes)
    rows: dict[str, Grow] = field(default_factory=dict)
    needs: dict[str, Grow] = field(default_factory=dict)
    referrals: dict[str, Grow] = field(default_factory=dict)
    _live: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None = None
    _bounds: dict[str, tuple[npt.NDArray[Any], npt.NDArray[Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        wide = {"position"}
        flags = {"counted", "interpreter"}
        for name in ROW_COLUMNS:
            # Coded values as the platform's index type: counting them needs no conversion.
            dtype = (np.int64 if name in wide else np.bool_ if name in flags
                     else np.intp if name in CODED else np.int32)  # fmt: skip
            self.rows[name] = Grow(dtype, -1 if name in ("wait", "handle", "day") else 0)
        # Entries carry their contact's day, channel, territory and whether it counts, as of
        # the contact's version they belong to: a query then reads them in order instead of
        # looking each one's contact up.
        for entries, value in ((self.needs, "code"), (self.needs, "reason"),
                               (self.referrals, "organization")):  # fmt: skip
            entries[value] = Grow(np.intp)
        for entries in (self.needs, self.referrals):
            entries.update(row=Grow(np.int32), position=Grow(np.int64), day=Grow(np.int32),
                           channel=Grow(np.intp), territory=Grow(np.intp),
                           counted=Grow(np.bool_))  # fmt: skip
        self.reasons.code(NONE)  # code 0: the need was not unmet

    @property
    def size(self) -> int:
        return self.rows["position"].size

    def add(self, contacts: Iterable[Contact]) -> int:
        """Writes new and rewritten contacts; entries of a rewritten contact's older version stay
        in the arrays but no longer match its position, so they stop counting."""
        batch = list(contacts)
        if not batch:
            return 0
        top = max(contact.row_id for contact in batch) + 1
        for column in self.rows.values():
            column.reserve(top)
        ids = np.fromiter((c.row_id for c in batch), np.int64, len(batch))
        values: dict[str, list[Any]] = {name: [] for name in ROW_COLUMNS}
        needs: dict[str, list[Any]] = {name: [] for name in self.needs}
        referrals: dict[str, list[Any]] = {name: [] for name in self.referrals}
        coded = self.codes
        for c in batch:
            counted, day = c.disposition == COUNTED, day_number(c.day)
            values["position"].append(c.position)
            values["counted"].append(counted)
            values["day"].append(day)
            values["month"].append(month_number(c.day))
            values["interpreter"].append(c.interpreter)
            values["wait"].append(-1 if c.wait_seconds is None else c.wait_seconds)
            values["handle"].append(-1 if c.handle_seconds is None else c.handle_seconds)
            for name in CODED:
                values[name].append(coded[name].code(getattr(c, name)))
            shared = {"row": c.row_id, "position": c.position, "day": day,
                      "channel": values["channel"][-1], "territory": values["territory"][-1],
                      "counted": counted}  # fmt: skip
            for code, reason in zip(c.need_codes, c.need_unmet, strict=True):
                for name, value in shared.items():
                    needs[name].append(value)
                needs["code"].append(self.need_codes.code(code))
                needs["reason"].append(self.reasons.code(reason))
            for organization in c.referral_organizations:
                for name, value in shared.items():
                    referrals[name].append(value)
                referrals["organization"].append(self.organizations.code(organization))
        for name, column in self.rows.items():
            column.data[ids] = values[name]
        _append(self.needs, **needs)
        _append(self.referrals, **referrals)
        self._live = None
        self._bounds = {}
        return len(batch)

    def live(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Which need and referral entries count: of a completed contact, and of its current
        version."""
        if self._live is None:
            position = self.rows["position"].view()
            needs, referrals = (
                (e["position"].view() == position[e["row"].view()]) & e["counted"].view()
                for e in (self.needs, self.referrals)
            )
            self._live = (needs, referrals)
        return self._live

    def window(self, kind: str, start: int, end: int) -> slice:
        """The rows (or entries) that can hold days from `start` to `end`.

        Contacts are mostly logged in the order they happen, so the arrays are nearly in day
        order: blocks whose days all fall outside the period are left out of the count.
        """
        columns = {"rows": self.rows, "needs": self.needs, "referrals": self.referrals}[kind]
        day = columns["day"].view()
        if not len(day):
            return slice(0, 0)
        bounds = self._bounds.get(kind)
        if bounds is None:
            starts = np.arange(0, len(day), BLOCK)
            lowest = np.minimum.reduceat(np.where(day < 0, np.iinfo(day.dtype).max, day), starts)
            bounds = self._bounds[kind] = (lowest, np.maximum.reduceat(day, starts))
        lowest, highest = bounds
        hit = np.flatnonzero((highest >= start) & (lowest <= end))
        if not len(hit):
            return slice(0, 0)
        return slice(int(hit[0]) * BLOCK, min((int(hit[-1]) + 1) * BLOCK, len(day)))


BLOCK = 1 << 14


def _append(columns: dict[str, Grow], **values: list[Any]) -> None:
    count = len(next(iter(values.values())))
    if not count:
        return
    for name, column in columns.items():
        start = column.size
        column.reserve(start + count)
        column.data[start : start + count] = values[name]


@dataclass(frozen=True)
class Filter:
    start: date
    end: date  # included
    channel: str | None = None
    territories: frozenset[str] | None = None  # the place asked and every place inside it
    until: int | None = None  # only contacts as of this log position


@dataclass(frozen=True)
class Cell:
    key: str
    count: int
    group: str = ""


@dataclass(frozen=True)
class Tallies:
    """Exact figures for one query; `publish` turns them into what a role may see."""

    contacts: int
    needs: int
    referrals: int
    unmet: int
    interpreter: int
    wait: tuple[int, int]  # contacts with the time, seconds in all
    handle: tuple[int, int]
    tables: dict[str, list[Cell]]


def _cells(counts: npt.NDArray[Any], labels: Sequence[str], group: str = "") -> list[Cell]:
    order = np.argsort(-counts, kind="stable")
    return [Cell(labels[i], int(counts[i]), group) for i in order if counts[i]]


def _count(values: npt.NDArray[Any], mask: npt.NDArray[np.bool_], size: int) -> npt.NDArray[Any]:
    """How many rows of `mask` have each value.

    A few rows are copied out and counted; when most are chosen, the others are counted under
    `size` and cut instead, which reads the column in order without copying.
    """
    if np.count_nonzero(mask) * 4 < len(mask):
        return np.bincount(values[mask], minlength=size)
    return np.bincount(np.where(mask, values, size), minlength=size + 1)[:size]


Window = dict[str, npt.NDArray[Any]]


def _window(columns: dict[str, Grow], span: slice) -> Window:
    return {name: column.view()[span] for name, column in columns.items()}


def _chosen(
    entries: Window,
    live: npt.NDArray[np.bool_],
    start: int,
    end: int,
    channel: int | None,
    allowed: npt.NDArray[np.bool_] | None,
    until: int | None,
) -> npt.NDArray[np.bool_]:
    day = entries["day"]
    chosen = live & (day >= start) & (day <= end)
    if until is not None:
        chosen &= entries["position"] <= until
    if channel is not None:
        chosen &= entries["channel"] == channel
    if allowed is not None:
        chosen &= allowed[entries["territory"]]
    return chosen


def compute(columns: Columns, query: Filter, regions: Mapping[str, str]) -> Tallies:
    """Counts the contacts of the query; `regions` gives each territory code its report region."""
    codes = columns.codes
    start, end = day_number(query.start), day_number(query.end)
    rows = _window(columns.rows, columns.window("rows", start, end))
    day = rows["day"]
    mask = rows["counted"] & (day >= start) & (day <= end)
    if query.until is not None:
        # A contact corrected after `until` is left out until then, with all its entries.
        mask &= rows["position"] <= query.until
    channel: int | None = None
    if query.channel is not None:
        found_channel = codes["channel"].find(query.channel)
        channel = -1 if found_channel is None else found_channel
        mask &= rows["channel"] == channel
    territory_labels = codes["territory"].labels
    allowed: npt.NDArray[np.bool_] | None = None
    if query.territories is not None:
        allowed = np.fromiter(
            (label in query.territories for label in territory_labels), np.bool_,
            len(territory_labels),
        )  # fmt: skip
        mask &= allowed[rows["territory"]] if len(allowed) else False
    tables: dict[str, list[Cell]] = {}
    for name in ("channel", "language", "inquirer_type", "age_band", "gender"):
        labels = codes[name].labels
        tables[name] = _cells(_count(rows[name], mask, len(labels)), labels)
    width = max(len(codes["channel"]), 1)
    month = rows["month"]
    first = int(month[mask].min()) if mask.any() else 0
    slots = (int(month.max()) - first + 1) * width if mask.any() else 0
    by_month = _count((month - first).astype(np.intp) * width + rows["channel"], mask
                      & (month >= first), slots)  # fmt: skip
    tables["month"] = [
        Cell(codes["channel"].labels[int(v % width)], int(by_month[v]),
             month_label(first + int(v // width)))
        for v in np.flatnonzero(by_month)
    ]  # fmt: skip
    places = _count(rows["territory"], mask, len(territory_labels))
    region_of = [regions.get(label, UNKNOWN) if label else UNKNOWN for label in territory_labels]
    by_region: dict[str, int] = {}
    tables["place"] = []
    for index in np.argsort(-places, kind="stable"):
        if places[index]:
            label, region = territory_labels[index], region_of[index]
            by_region[region] = by_region.get(region, 0) + int(places[index])
            if label and label != CONFIDENTIAL:
                tables["place"].append(Cell(label, int(places[index]), region))
    tables["region"] = sorted(
        (Cell(region, count) for region, count in by_region.items()), key=lambda c: -c.count
    )
    need_live, referral_live = columns.live()
    span = columns.window("needs", start, end)
    needs = _window(columns.needs, span)
    chosen = _chosen(needs, need_live[span], start, end, channel, allowed, query.until)
    code_labels = columns.need_codes.labels
    need_counts = _count(needs["code"], chosen, len(code_labels))
    tables["need"] = _cells(need_counts, code_labels)
    by_category: dict[str, int] = {}
    for cell in tables["need"]:
        by_category[category(cell.key)] = by_category.get(category(cell.key), 0) + cell.count
    tables["category"] = sorted(
        (Cell(key, count) for key, count in by_category.items()), key=lambda c: (-c.count, c.key)
    )
    reasons = needs["reason"]
    unmet = chosen & (reasons != 0)
    unmet_codes, unmet_reasons = needs["code"][unmet], reasons[unmet]
    tables["unmet"] = _cells(np.bincount(unmet_codes, minlength=len(code_labels)), code_labels)
    reason_labels = columns.reasons.labels
    tables["unmet_reason"] = _cells(
        np.bincount(unmet_reasons, minlength=len(reason_labels)), reason_labels
    )
    width = len(reason_labels)
    pairs = np.bincount(unmet_codes * width + unmet_reasons, minlength=len(code_labels) * width)
    tables["unmet_need_reason"] = sorted(
        (
            Cell(reason_labels[int(v % width)], int(pairs[v]), code_labels[int(v // width)])
            for v in np.flatnonzero(pairs)
        ),
        key=lambda c: (c.group, -c.count, c.key),
    )
    span = columns.window("referrals", start, end)
    referrals = _window(columns.referrals, span)
    chosen_referrals = _chosen(
        referrals, referral_live[span], start, end, channel, allowed, query.until
    )
    organization_labels = columns.organizations.labels
    tables["organization"] = _cells(
        _count(referrals["organization"], chosen_referrals, len(organization_labels)),
        organization_labels,
    )
    wait, handle = rows["wait"], rows["handle"]
    timed_wait, timed_handle = mask & (wait >= 0), mask & (handle >= 0)
    return Tallies(
        contacts=int(np.count_nonzero(mask)),
        needs=int(np.count_nonzero(chosen)),
        referrals=int(np.count_nonzero(chosen_referrals)),
        unmet=int(np.count_nonzero(unmet)),
        interpreter=int(np.count_nonzero(rows["interpreter"] & mask)),
        wait=(int(np.count_nonzero(timed_wait)), int(wait.sum(where=timed_wait, dtype=np.int64))),
        handle=(
            int(np.count_nonzero(timed_handle)),
            int(handle.sum(where=timed_handle, dtype=np.int64)),
        ),
        tables=tables,
    )
