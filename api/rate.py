"""Requests per second for each caller: a token bucket per signed-in name, or per address for
the public, holding two seconds' worth so a page's burst of requests passes.

Each API process keeps its own buckets: with N workers a caller may get up to N times the rate
if the kernel spreads its connections.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from threading import Lock

# Buckets kept before the full ones (callers idle for two seconds or more) are forgotten.
TRACKED = 10_000


class RateLimiter:
    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = 2.0 * rate
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key: (tokens, updated at)
        self._lock = Lock()

    def wait(self, key: str) -> float:
        """0 when the caller may go on (and takes a token), else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - updated) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > TRACKED:
                self._forget(now)
            return 0.0

    def _forget(self, now: float) -> None:
        for key, (tokens, updated) in list(self._buckets.items()):
            if tokens + (now - updated) * self.rate >= self.burst:
                del self._buckets[key]
