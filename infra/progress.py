"""A progress bar on standard error, and the rate at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from infra.runner import Progress


class ProgressBar:
    def __init__(
        self, label: str, stream: TextIO = sys.stderr, width: int = 30, unit: str = "position"
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream
        self.width = width
        self.started = time.monotonic()
        self._last_line = 0.0
        self.applied = 0

    def __call__(self, progress: Progress) -> None:
        self.applied = progress.applied
        now = time.monotonic()
        done = progress.position >= progress.head
        interactive = self.stream.isatty()
        if not done and now - self._last_line < (0.1 if interactive else 5.0):
            return
        self._last_line = now
        share = progress.position / progress.head if progress.head else 1.0
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        line = (
            f"{self.label} [{bar}] {share:6.1%} {self.unit} {progress.position:,}/{progress.head:,}"
            f" {progress.applied:,} events {self.rate():,.0f} events/s"
        )
        self.stream.write(("\r" + line) if interactive else (line + "\n"))
        self.stream.flush()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.applied / elapsed if elapsed > 0 else 0.0

    def finish(self) -> str:
        elapsed = time.monotonic() - self.started
        if self.stream.isatty():
            self.stream.write("\n")
        return (
            f"{self.label}: {self.applied:,} events in {elapsed:.1f}s ({self.rate():,.0f} events/s)"
        )
