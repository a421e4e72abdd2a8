"""Requests per second for each caller: a token bucket per signed-in name, or per address for
the public, holding two seconds' worth so a page's burst of requests passes. The same buckets
count failed authentications per address (`failures`), taken only when one fails.

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
    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, burst: float | None = None
    ) -> None:
        self.rate = rate
        self.burst = 2.0 * rate if burst is None else burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key: (tokens, updated at)
        self._lock = Lock()

    def wait(self, key: str) -> float:
        """0 when the caller may go on (and takes a token), else the seconds until it may."""
        return self._take(key, 1.0)

    def due(self, key: str) -> float:
        """Like `wait`, but takes no token: 0 when the caller has one left."""
        return self._take(key, 0.0)

    def _take(self, key: str, taken: float) -> float:
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - updated) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - taken, now)
            if len(self._buckets) > TRACKED:
                self._forget(now)
            return 0.0

    def _forget(self, now: float) -> None:
        for key, (tokens, updated) in list(self._buckets.items()):
            if tokens + (now - updated) * self.rate >= self.burst:
                del self._buckets[key]


def failures(per_minute: int, clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """Failed authentications: `per_minute` at once for each address, refilled over a minute."""
    return RateLimiter(per_minute / 60.0, clock, burst=float(per_minute))
