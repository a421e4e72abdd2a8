"""Statistics over contacts: the count of one query, and the report's regions.

A query is a mask over the contacts held in columns (`projections.statistics_columns`, whose
names are also exported here) and a count per value: fast enough over a million contacts for
any period, any territory and any channel, without a cube per combination.

Only completed contacts count. Days are local days in America/Montréal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.interactions import CONFIDENTIAL
from projections.statistics_columns import (
    BLOCK,
    JOINT,
    NONE,
    Columns,
    Contact,
    Grow,
    day_number,
)

__all__ = [
    "BLOCK", "NONE", "UNKNOWN", "Cell", "Columns", "Contact", "Filter",
    "Tallies", "category", "compute", "report_region",
]  # fmt: skip

UNKNOWN = "unknown"

# The regions of the annual report: the three agglomerations of the CMM by their code, the
# rest of the CMM by shore, contacts that gave no address, and elsewhere by administrative
# region (named in `projections.statistics_labels`).
AGGLOMERATIONS = ("TE-66", "TE-65", "TE-58")  # Montréal, Laval, Longueuil
NORTH_SHORE = "CMM-north-shore"
SOUTH_SHORE = "CMM-south-shore"
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


def month_label(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def category(code: str) -> str:
    """The top of a taxonomy code: `BD-1800.2000` → `BD`."""
    return code.split("-", 1)[0]


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
    span = columns.window("rows", start, end)
    rows = _window(columns.rows, span)
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
    joint, months = (column[span] for column in columns.joint())
    sizes = columns.sizes()
    counts = _count(joint, mask, math.prod(sizes)).reshape(sizes)
    for axis, name in enumerate(JOINT):
        others = tuple(other for other in range(len(JOINT)) if other != axis)
        labels = codes[name].labels
        tables[name] = _cells(counts.sum(axis=others)[: len(labels)], labels)
    width = max(len(codes["channel"]), 1)
    by_month = _count(months, mask, (int(rows["month"].max()) + 1) * width if len(months) else 0)
    channel_labels = codes["channel"].labels
    tables["channel"] = _cells(
        by_month.reshape(-1, width).sum(axis=0)[: len(channel_labels)], channel_labels
    )
    tables["month"] = [
        Cell(channel_labels[int(v % width)], int(by_month[v]), month_label(int(v // width)))
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
    code_labels, reason_labels = columns.need_codes.labels, columns.reasons.labels
    # Each need and its reason counted at once; reason 0 is "not unmet" (`Columns.reasons`).
    width = len(reason_labels)
    pairs = _count(columns.need_pairs()[span], chosen, len(code_labels) * width)
    pairs = pairs.reshape(len(code_labels), width)
    tables["need"] = _cells(pairs.sum(axis=1), code_labels)
    by_category: dict[str, int] = {}
    for cell in tables["need"]:
        by_category[category(cell.key)] = by_category.get(category(cell.key), 0) + cell.count
    tables["category"] = sorted(
        (Cell(key, count) for key, count in by_category.items()), key=lambda c: (-c.count, c.key)
    )
    pairs[:, 0] = 0
    tables["unmet"] = _cells(pairs.sum(axis=1), code_labels)
    tables["unmet_reason"] = _cells(pairs.sum(axis=0), reason_labels)
    unmet = int(pairs.sum())
    pairs = pairs.reshape(-1)
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
        unmet=unmet,
        interpreter=int(np.count_nonzero(rows["interpreter"] & mask)),
        wait=(int(np.count_nonzero(timed_wait)), int(wait.sum(where=timed_wait, dtype=np.int64))),
        handle=(
            int(np.count_nonzero(timed_handle)),
            int(handle.sum(where=timed_handle, dtype=np.int64)),
        ),
        tables=tables,
    )
