"""Progress of a long command, on standard error only (standard output is for data).

tqdm formats the line (bar, times, rate); this module decides when a line is drawn. On a
terminal the line is redrawn in place; on anything else (CI, a log file) a plain line is
written at the first report, then at most every `LOG_EVERY` seconds, then at the end.

A bar never goes back: its count only grows, and a report whose share is below the one last
drawn (a total that grew) is not drawn until the count catches up. Work made of several
passes over the same items (a rebuild loads some facts in the database, then replays the
log page by page) reports each pass as a phase with a bar, a total and a rate of its own.
The rate is what the bar counted since it started, over the wall time since it started.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm

from infra.runner import Progress

Clock = Callable[[], float]

TERMINAL_EVERY = 0.1
LOG_EVERY = 5.0
COUNTS = "{n:,}/{total:,}{unit} [{elapsed}<{remaining}, {rate_noinv_fmt}]"
TERMINAL_FORMAT = "{desc}: {percentage:5.1f}%|{bar}| " + COUNTS
LOG_FORMAT = "{desc}: {percentage:5.1f}% " + COUNTS
UNSIZED_FORMAT = "{desc}: {n:,}{unit} [{elapsed}, {rate_noinv_fmt}]"


class Bar:
    """One phase of a long command: a label, a unit (events, records, contacts, rows), a
    count that only grows towards a total, and the time it started."""

    def __init__(
        self, label: str, unit: str, total: int = 0, *, stream: TextIO | None = None,
        clock: Clock = time.monotonic, started: float | None = None, initial: int = 0,
        every: float | None = LOG_EVERY,
    ) -> None:  # fmt: skip
        """`every`: seconds between lines on a non-terminal (a terminal redraws at most
        every `TERMINAL_EVERY`); None draws nothing."""
        self.label = label
        self.unit = unit
        self.total = total
        self.initial = self.done = initial
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock() if started is None else started
        self.interactive = self.stream.isatty()
        self.quiet = every is None
        self.every = min(every or 0.0, TERMINAL_EVERY) if self.interactive else every or 0.0
        self._drawn_at: float | None = None
        self._drawn_share = 0.0
        self._drawn_done = initial
        self._redraw = tqdm.status_printer(self.stream) if self.interactive else None

    def update(self, done: int, total: int | None = None) -> None:
        """Counts up to `done` of `total` (the total known so far when None)."""
        self.done = max(self.done, done)
        self.total = max(self.total, total or 0, self.done if self.total else 0)
        now = self.clock()
        if self._drawn_at is None or (
            self.done != self._drawn_done and now - self._drawn_at >= self.every
        ):
            self._draw(now)

    def advance(self, count: int) -> None:
        self.update(self.done + count)

    def elapsed(self, now: float | None = None) -> float:
        return max((self.clock() if now is None else now) - self.started, 0.0)

    def rate(self, now: float | None = None) -> float:
        elapsed = self.elapsed(now)
        return (self.done - self.initial) / elapsed if elapsed > 0 else 0.0

    def close(self) -> str:
        """Draws the last line and returns a summary: count, time and rate."""
        now = self.clock()
        if self._drawn_at is None or self._drawn_done != self.done:
            self._draw(now)
        if self._redraw is not None and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
        return (
            f"{self.label}: {self.done - self.initial:,} {self.unit} in {self.elapsed(now):.1f}s"
            f" ({self.rate(now):,.0f} {self.unit}/s)"
        )

    def _share(self) -> float:
        return self.done / self.total if self.total else 0.0

    def _draw(self, now: float) -> None:
        share = self._share()
        if self.quiet or share < self._drawn_share:
            return  # a grown total: held until the count catches up
        elapsed = self.elapsed(now)
        line = tqdm.format_meter(
            self.done, self.total, elapsed, prefix=self.label, unit=f" {self.unit}",
            rate=self.rate(now) if elapsed > 0 else None, initial=self.initial,
            ncols=shutil.get_terminal_size().columns if self._redraw else None, ascii=True,
            bar_format=(TERMINAL_FORMAT if self._redraw else LOG_FORMAT) if self.total
            else UNSIZED_FORMAT,
        )  # fmt: skip
        if self._redraw is not None:
            self._redraw(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self._drawn_at, self._drawn_share, self._drawn_done = now, share, self.done


class Phases:
    """Follows a command's `Progress` reports with a bar per view and phase, each started
    when the one before it ended; `close()` returns their summaries."""

    def __init__(
        self, label: str, unit: str = "events", *, stream: TextIO | None = None,
        clock: Clock = time.monotonic, every: float | None = LOG_EVERY,
    ) -> None:  # fmt: skip
        self.label = label
        self.unit = unit
        self.stream = stream
        self.clock = clock
        self.every = every
        self.since = clock()  # when the last report came: the next phase starts there
        self.bar: Bar | None = None
        self.key: tuple[str, str] | None = None
        self.applied = self.position = 0
        self.summaries: list[str] = []

    def __call__(self, progress: Progress) -> None:
        key = (progress.view, progress.phase)
        if self.bar is None or key != self.key:
            if self.bar is not None:
                self.summaries.append(self.bar.close())
            self.key = key
            self.bar = Bar(
                label_of(self.label, *key), self.unit, stream=self.stream, clock=self.clock,
                started=self.since, every=self.every,
            )  # fmt: skip
        self.applied = progress.applied
        self.position = max(self.position, progress.position)
        self.bar.update(progress.position, progress.head)
        self.since = self.clock()

    def close(self) -> list[str]:
        if self.bar is not None:
            self.summaries.append(self.bar.close())
            self.bar = None
        return self.summaries


def label_of(command: str, view: str, phase: str = "") -> str:
    """A bar's label, each word once: a report named like its command is not named twice."""
    label = " ".join(dict.fromkeys(f"{command} {view}".split()))
    return f"{label} ({phase})" if phase else label
