"""The directory figures of the annual report ("100 % of organization records updated in 2018",
"296 new organizations"): for a period, by kind of record, what was added, updated, verified and
deactivated, read from the field-level history of every record (`projections.history`).

- added: registered in the period;
- updated: at least one field changed in the period by a fact other than the record's
  registration, verification, flagging and change of status (an editor's or an import's
  change; a verification alone is not an update);
- verified: verified in the period; deactivated: deactivated in the period;
- active: active at the end of the period (registered before it ends, not deactivated or merged
  as of then).

A share is the percent of the records active at the end of the period that had it: "100 %
updated" is every active record changed in the period. Counts include records deactivated
since.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from projections.interactions import MONTREAL
from projections.statistics_labels import directory_label
from projections.statistics_report import safe_cell

KINDS = ("organization", "service", "location")
# Facts that change fields without being an update of what the record says.
NOT_UPDATES = (
    "Registered", "Verified", "FlaggedForReview", "Deactivated", "Reactivated", "MergedInto",
)  # fmt: skip
FIGURES = ("added", "updated", "verified")


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first instant and the instant after it: local days, `end` included."""
    return (
        datetime.combine(start, time(), MONTREAL),
        datetime.combine(end + timedelta(days=1), time(), MONTREAL),
    )


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Figure:
    count: int
    share: float | None = None


@dataclass(frozen=True)
class KindFigures:
    kind: str
    active: int
    added: Figure
    updated: Figure
    verified: Figure
    deactivated: int

    @classmethod
    def of(cls, kind: str, counts: dict[str, int]) -> KindFigures:
        """From the counts of a query: `active`, `deactivated`, and for each figure its count
        and its count among the active (`<figure>_active`)."""
        active = counts.get("active", 0)
        figures = {
            name: Figure(counts.get(name, 0), share(counts.get(f"{name}_active", 0), active))
            for name in FIGURES
        }
        return cls(kind=kind, active=active, deactivated=counts.get("deactivated", 0), **figures)


@dataclass(frozen=True)
class DirectoryFigures:
    start: date
    end: date
    territory: str | None
    position: int
    kinds: tuple[KindFigures, ...]

    def of_kind(self, kind: str) -> KindFigures:
        return next(figures for figures in self.kinds if figures.kind == kind)


def to_csv_lines(figures: DirectoryFigures, language: str = "fr") -> str:
    """The figures as lines of the statistics CSV (`statistics_report.CSV_HEADER`, without
    it): table `directory`, the kind as group, the figure as key, both named in `language`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for kind in figures.kinds:
        lines = [("active", kind.active, None)]
        lines += [(name, getattr(kind, name).count, getattr(kind, name).share) for name in FIGURES]
        lines.append(("deactivated", kind.deactivated, None))
        for key, count, percent in lines:
            writer.writerow(
                ["directory", safe_cell(kind.kind), safe_cell(key),
                 safe_cell(directory_label(kind.kind, key, language)), count,
                 "" if percent is None else percent, False]
            )  # fmt: skip
    return out.getvalue()
