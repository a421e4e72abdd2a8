"""Contacts held in columns: one array per attribute, indexed by the row's stable number.

Needs and referrals are arrays of entries pointing at their row, each carrying what a query
filters them by, so that `projections.statistics` counts any period, territory and channel
with masks over the arrays instead of a cube per combination.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.interactions import Disposition

EPOCH = date(1970, 1, 1)
COUNTED = Disposition.COMPLETED.value
NONE = ""


def day_number(day: date) -> int:
    return (day - EPOCH).days


def month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


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
# Attributes of few values, counted together (`Columns.joint`).
JOINT = ("language", "inquirer_type", "age_band", "gender")


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
    _joint: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None = None
    _pairs: npt.NDArray[np.intp] | None = None

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
        self._joint = self._pairs = None
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

    def sizes(self) -> tuple[int, ...]:
        """The number of values of each of `JOINT`, as `joint` combines them."""
        return tuple(max(len(self.codes[name]), 1) for name in JOINT)

    def joint(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Each row's values of `JOINT` as one number (row-major over `sizes`), and its month
        and channel as one (`month * channels + channel`): a query counts these two instead of
        each attribute on its own, and adds the counts up by attribute after."""
        if self._joint is None:
            rows = self.rows
            joint = np.zeros(self.size, np.intp)
            for name, size in zip(JOINT, self.sizes(), strict=True):
                joint *= size
                joint += rows[name].view()
            width = max(len(self.codes["channel"]), 1)
            months = rows["month"].view().astype(np.intp) * width + rows["channel"].view()
            self._joint = (joint, months)
        return self._joint

    def need_pairs(self) -> npt.NDArray[np.intp]:
        """Each need entry's code and reason as one number (`code * reasons + reason`)."""
        if self._pairs is None:
            needs = self.needs
            self._pairs = needs["code"].view() * len(self.reasons) + needs["reason"].view()
        return self._pairs

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
