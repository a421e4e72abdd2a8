"""What the directory figures mean, apart from the database: periods in Montréal days, shares of
the active records, and their lines in the statistics CSV."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

from projections.directory_statistics import DirectoryFigures, KindFigures, bounds, to_csv_lines
from projections.statistics_report import CSV_HEADER


def test_a_period_runs_from_local_midnight_to_the_midnight_after_its_last_day() -> None:
    start, end = bounds(date(2018, 1, 1), date(2018, 12, 31))
    assert start.astimezone(UTC) == datetime(2018, 1, 1, 5, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2019, 1, 1, 5, tzinfo=UTC)
    summer_start, summer_end = bounds(date(2018, 7, 1), date(2018, 7, 1))
    assert summer_start.astimezone(UTC) == datetime(2018, 7, 1, 4, tzinfo=UTC)
    assert (summer_end - summer_start).total_seconds() == 24 * 3600


def test_shares_are_of_the_records_active_at_the_end() -> None:
    counts = {"active": 3, "added": 4, "added_active": 2, "updated": 3, "updated_active": 3,
              "verified": 1, "verified_active": 0, "deactivated": 2}  # fmt: skip
    figures = KindFigures.of("organization", counts)
    assert (figures.added.count, figures.added.share) == (4, 66.7)
    assert (figures.updated.count, figures.updated.share) == (3, 100.0)
    assert (figures.verified.count, figures.verified.share) == (1, 0.0)
    assert (figures.active, figures.deactivated) == (3, 2)
    none = KindFigures.of("location", {})
    assert (none.active, none.added.count, none.added.share) == (0, 0, None)


def test_each_figure_is_a_line_of_the_statistics_csv() -> None:
    kinds = (KindFigures.of("service", {"active": 2, "updated": 1, "updated_active": 1}),)
    text = to_csv_lines(DirectoryFigures(date(2018, 1, 1), date(2018, 12, 31), None, 9, kinds))
    rows = list(csv.DictReader(text.splitlines(), fieldnames=CSV_HEADER))
    assert [(r["table"], r["group"], r["key"], r["count"], r["share_percent"]) for r in rows] == [
        ("directory", "service", "active", "2", ""),
        ("directory", "service", "added", "0", "0.0"),
        ("directory", "service", "updated", "1", "50.0"),
        ("directory", "service", "verified", "0", "0.0"),
        ("directory", "service", "deactivated", "0", ""),
    ]
