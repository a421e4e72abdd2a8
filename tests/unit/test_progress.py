"""The progress bar driven by scripted reports into a captured stream, on a clock the test
moves: shares never go back, each line names its bar once, and the rate is the count over
the time since the bar started."""

from __future__ import annotations

import io
import re

import pytest

from infra.progress import LOG_EVERY, Bar, Phases
from infra.runner import LOADING, Progress
from infra.settings import Settings, SettingsError

LINE = re.compile(r"^(?P<label>.+?): +(?P<share>[\d.]+)% (?P<done>[\d,]+)/(?P<total>[\d,]+) "
                  r"(?P<unit>\w+) \[.*, +(?P<rate>[\d.]+) (?P=unit)/s\]$")  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def lines(stream: io.StringIO) -> list[re.Match[str]]:
    text = stream.getvalue()
    found = [LINE.match(line) for line in text.splitlines()]
    assert all(found), text
    return [match for match in found if match]


def shares_by_label(stream: io.StringIO) -> dict[str, list[float]]:
    shares: dict[str, list[float]] = {}
    for line in lines(stream):
        shares.setdefault(line["label"], []).append(float(line["share"]))
    return shares


def test_a_rebuild_in_two_passes_never_goes_back() -> None:
    """As `projections rebuild interactions` reports: facts loaded in the database over the
    whole log, then the log replayed page by page from the start, pages repeating a position."""
    clock, stream = Clock(), io.StringIO()
    phases = Phases("rebuild interactions", stream=stream, clock=clock)
    reports = [Progress("interactions", at, 50_000, at, LOADING) for at in (20_000, 40_000, 50_000)]
    reports += [Progress("interactions", at, 50_000, 50_000 + at)
                for at in (5_000, 5_000, 30_000, 30_000, 50_000)]  # fmt: skip
    for report in reports:
        clock.now += LOG_EVERY
        phases(report)
    phases.close()

    shares = shares_by_label(stream)
    assert shares == {
        "rebuild interactions (load in database)": [40.0, 80.0, 100.0],
        "rebuild interactions": [10.0, 60.0, 100.0],  # a position repeated is not drawn again
    }


def test_a_grown_total_is_not_drawn_below_the_share_drawn_before() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = Bar("audit verify", "events", stream=stream, clock=clock)
    for done, total in [(50, 100), (60, 100), (60, 400), (100, 400), (300, 400), (400, 400)]:
        clock.now += LOG_EVERY
        bar.update(done, total)
    bar.close()

    shares = shares_by_label(stream)["audit verify"]
    assert shares == sorted(shares)
    assert shares[0] == 50.0
    assert shares[-1] == 100.0
    assert bar.done == 400


def test_each_line_names_its_bar_once() -> None:
    """A replay reports its copies' loading by view, and its pages as one; a report named
    like the command is not named twice."""
    clock, stream = Clock(), io.StringIO()
    phases = Phases("replay", stream=stream, clock=clock)
    for report in [
        Progress("interactions", 10, 10, 10, LOADING),
        Progress("replay", 5, 10, 5),
        Progress("", 10, 10, 10),
    ]:
        clock.now += LOG_EVERY
        phases(report)
    phases.close()

    for line in stream.getvalue().splitlines():
        assert len(re.findall(r"\breplay\b", line)) == 1, line
    assert {line["label"] for line in lines(stream)} == {
        "replay interactions (load in database)", "replay"
    }  # fmt: skip


def test_the_rate_is_the_count_over_the_time_since_the_bar_started() -> None:
    """The first report comes after a long first page: the rate is over that time too, and
    counts positions of the log read, not what was applied before the bar started."""
    clock, stream = Clock(), io.StringIO()
    phases = Phases("replay", stream=stream, clock=clock)
    clock.now += 40.0
    phases(Progress("", 20_000, 80_000, 4_000_000_000))
    clock.now += 40.0
    phases(Progress("", 80_000, 80_000, 4_000_000_000))
    summary = phases.close()

    rates = [float(line["rate"]) for line in lines(stream)]
    assert rates == [pytest.approx(500.0), pytest.approx(1_000.0)]
    assert summary == ["replay: 80,000 events in 80.0s (1,000 events/s)"]


def test_a_bar_counts_from_where_it_started() -> None:
    clock = Clock()
    bar = Bar("demo calls", "contacts", 10_000, stream=io.StringIO(), clock=clock, initial=2_000)
    clock.now += 4.0
    bar.update(6_000)
    assert bar.rate() == pytest.approx(1_000.0)
    assert bar.close() == "demo calls: 4,000 contacts in 4.0s (1,000 contacts/s)"


def test_a_log_gets_a_plain_line_now_and_then_and_one_at_the_end() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = Bar("import", "records", 1_000, stream=stream, clock=clock)
    for done in range(10, 1_001, 10):  # a report every 0.5 s for 50 s
        clock.now += 0.5
        bar.update(done)
    bar.close()

    text = stream.getvalue()
    assert "\r" not in text
    counts = [int(line["done"].replace(",", "")) for line in lines(stream)]
    assert counts[0] == 10
    assert counts[-1] == 1_000
    assert len(counts) == 1 + 50 / LOG_EVERY  # the first report, then one line every LOG_EVERY s


def test_a_terminal_gets_one_line_redrawn_in_place() -> None:
    clock, stream = Clock(), Terminal()
    bar = Bar("export csv", "rows", 300, stream=stream, clock=clock)
    for done in (100, 200, 300):
        clock.now += 1.0
        bar.update(done)
    bar.close()

    text = stream.getvalue()
    assert text.count("\r") == 3
    assert text.count("\n") == 1
    assert text.endswith("\n")
    assert "export csv: 100.0%|" in text


def test_a_bar_of_unknown_size_shows_its_count_and_rate() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = Bar("export csv", "rows", stream=stream, clock=clock)
    clock.now += 2.0
    bar.advance(500)
    assert stream.getvalue() == "export csv: 500 rows [00:02, 250.00 rows/s]\n"


def test_nothing_goes_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    phases = Phases("rebuild search")
    phases(Progress("search", 5, 10, 5))
    phases.close()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "rebuild search:  50.0% 5/10 events" in captured.err


def test_lines_come_as_often_as_set_or_not_at_all() -> None:
    clock, every_report, none = Clock(), io.StringIO(), io.StringIO()
    bars = [
        Bar("replay", "events", 30, stream=every_report, clock=clock, every=0.0),
        Bar("replay", "events", 30, stream=none, clock=clock, every=None),
    ]
    for done in (10, 20, 30):
        clock.now += 0.01
        for bar in bars:
            bar.update(done)
    summaries = [bar.close() for bar in bars]

    assert [int(line["done"]) for line in lines(every_report)] == [10, 20, 30]
    assert none.getvalue() == ""
    assert summaries[1] == "replay: 30 events in 0.0s (1,000 events/s)"


@pytest.mark.parametrize(("raw", "every"), [("", 5.0), ("0", 0.0), ("0.5", 0.5), ("OFF", None)])
def test_how_often_is_a_setting(raw: str, every: float | None) -> None:
    assert Settings.from_environ({"GUICHET_PROGRESS_EVERY": raw}).progress_every == every


@pytest.mark.parametrize("raw", ["-1", "nan", "3601", "never"])
def test_a_wrong_interval_is_named(raw: str) -> None:
    with pytest.raises(SettingsError, match="GUICHET_PROGRESS_EVERY"):
        Settings.from_environ({"GUICHET_PROGRESS_EVERY": raw})
