"""Progress as an operator's log sees it: the commands run as processes with standard error
captured (not a terminal), a line at every report."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from infra.bootstrap import Container
from tests.e2e.test_command import GUICHET, clean_env

LINE = re.compile(r"^(?P<label>.+?): +(?P<share>[\d.]+)% (?P<done>[\d,]+)/(?P<total>[\d,]+) "
                  r"(?P<unit>\w+) \[.*, +(?P<rate>[\d.]+) (?P=unit)/s\]$")  # fmt: skip
# No rate above this is true here: the old bar printed 4,014,848,399 events/s.
FASTEST = 10_000_000


def progress(stderr: str) -> dict[str, list[re.Match[str]]]:
    """The progress lines by label; every line of standard error that names a share is one."""
    bars: dict[str, list[re.Match[str]]] = {}
    for line in stderr.splitlines():
        if "%" in line:
            match = LINE.match(line)
            assert match, line
            bars.setdefault(match["label"], []).append(match)
    return bars


def number(text: str) -> int:
    return int(text.replace(",", ""))


def check(bars: dict[str, list[re.Match[str]]], unit: str) -> None:
    for label, lines in bars.items():
        shares = [float(line["share"]) for line in lines]
        assert shares == sorted(shares), (label, shares)
        assert shares[-1] == 100.0, (label, shares)
        for line in lines:
            assert line["unit"] == unit
            assert float(line["rate"]) <= FASTEST, line.group(0)
            assert len(set(line["label"].split())) == len(line["label"].split()), line.group(0)


def test_demo_calls_then_a_rebuild_report_progress_that_never_goes_back(
    container: Container, environ: dict[str, str]
) -> None:
    env = clean_env(**environ, GUICHET_PROGRESS_EVERY="0")
    calls = subprocess.run(
        [GUICHET, "demo", "calls", "--count", "6000", "--from", "2018-04-01", "--to", "2018-06-30"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert calls.returncode == 0, calls.stderr
    bars = progress(calls.stderr)
    assert list(bars) == ["demo calls"], calls.stderr
    assert [number(line["done"]) for line in bars["demo calls"]] == [2_000, 4_000, 6_000]
    check(bars, "contacts")
    assert "%" not in calls.stdout
    assert "\r" not in calls.stderr

    started = time.monotonic()
    rebuilt = subprocess.run(
        [GUICHET, "projections", "rebuild", "interactions"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert rebuilt.returncode == 0, rebuilt.stderr
    bars = progress(rebuilt.stderr)
    # The contacts are loaded in the database over the whole log, then the log is replayed
    # page by page from its start: two bars, each from the start to 100 %.
    assert list(bars) == ["rebuild interactions (load in database)", "rebuild interactions"]
    check(bars, "events")
    head = number(bars["rebuild interactions"][-1]["total"])
    assert head > 6_000
    summary = re.search(r"rebuild interactions: ([\d,]+) events in ([\d.]+)s \(([\d,]+) events/s\)",
                        rebuilt.stdout)  # fmt: skip
    assert summary, rebuilt.stdout
    assert number(summary[1]) == head
    assert float(summary[2]) <= elapsed
    assert number(summary[3]) >= head / elapsed  # over the rebuild's time, within the process's
    assert "%" not in rebuilt.stdout


def test_a_verified_replay_names_each_bar_once(
    container: Container, environ: dict[str, str]
) -> None:
    env = clean_env(**environ, GUICHET_PROGRESS_EVERY="0")
    calls = subprocess.run(
        [GUICHET, "demo", "calls", "--count", "2000", "--from", "2018-04-01", "--to", "2018-06-30"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert calls.returncode == 0, calls.stderr

    replayed = subprocess.run(
        [GUICHET, "replay", "--verify", "interactions", "directory"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    bars = progress(replayed.stderr)
    assert list(bars) == ["replay interactions (load in database)", "replay"], replayed.stderr
    check(bars, "events")
    assert "replay replay" not in replayed.stderr


def test_progress_can_be_turned_off(container: Container, environ: dict[str, str]) -> None:
    env = clean_env(**environ, GUICHET_PROGRESS_EVERY="off")
    calls = subprocess.run(
        [GUICHET, "demo", "calls", "--count", "10", "--from", "2018-04-01", "--to", "2018-04-30"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert calls.returncode == 0, calls.stderr
    assert "%" not in calls.stderr
    assert "10 demo contacts logged" in calls.stdout


def test_an_export_reports_the_views_it_brings_up_to_date(
    container: Container, environ: dict[str, str], tmp_path: Path
) -> None:
    env = clean_env(**environ, GUICHET_PROGRESS_EVERY="0")
    calls = subprocess.run(
        [GUICHET, "demo", "calls", "--count", "2000", "--from", "2018-04-01", "--to", "2018-06-30"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert calls.returncode == 0, calls.stderr

    exported = subprocess.run([GUICHET, "export", "csv", str(tmp_path / "package")], env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    bars = progress(exported.stderr)
    assert list(bars) == [
        "catch up history", "catch up territories", "catch up taxonomy", "export csv"
    ], exported.stderr  # fmt: skip
    check({label: lines for label, lines in bars.items() if label != "export csv"}, "events")
    check({"export csv": bars["export csv"]}, "rows")
