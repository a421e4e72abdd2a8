"""What a GraphQL request over HTTP is counted as: its operation, outcome, status and role.

An operation's name is the client's to choose, so as a label it is bounded: a series is kept
for every distinct name, forever, and a client sending a new name each time would grow the
process and Prometheus without end. The names of registered (persisted) documents are admins'
and always kept, once such a document was answered under that name. Other names are kept only
when a signed-in caller's valid document was answered, and only the first `MOST_NAMES` of
them: anyone may send a name, and the public's (or a document that does not validate) would
otherwise take the places of the real ones until a restart. Any other name is `other`, and a
request that names none `anonymous`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from time import perf_counter

from prometheus_client import Counter, Histogram

from infra.metrics import Metrics

MOST_NAMES = 100
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


@dataclass(slots=True)
class Observed:
    """Filled in as a request goes: the operation run, whether its document was registered,
    and whether its result carried errors."""

    operation: str | None = None
    persisted: bool = False
    errors: bool = False


class OperationNames:
    def __init__(self, most: int = MOST_NAMES) -> None:
        self.most = most
        self.kept: set[str] = set()

    def label(self, name: object, *, persisted: bool = False, trusted: bool = False) -> str:
        """`trusted`: a signed-in caller's document, answered. `name` is the client's
        `operationName`, which may be any JSON value."""
        if name is None or name == "":
            return "anonymous"
        if not isinstance(name, str) or _NAME.fullmatch(name) is None or not (persisted or trusted):
            return "other"
        if name in self.kept:
            return name
        if not persisted and len(self.kept) >= self.most:
            return "other"
        self.kept.add(name)
        return name


def outcome(status: int, errors: bool) -> str:
    """`ok`, or the kind of failure: `errors` (answered, with errors in the result), `invalid`
    (a document refused: syntax, validation, limits), `unauthenticated`, `limited` (rate,
    body size), `refused` (another client error) or `failed` (the server's)."""
    if status >= 500:
        return "failed"
    if status == 400:
        return "invalid"
    if status == 401:
        return "unauthenticated"
    if status in (413, 429):
        return "limited"
    if status >= 400:
        return "refused"
    return "errors" if errors else "ok"


class RequestMetrics:
    """Counts and times requests into the process's metrics; a few µs each."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.names = OperationNames()
        # The children of each combination of labels met, found once: `labels()` took half
        # of the time. As many as the series, so bounded as they are.
        self._series: dict[tuple[object, ...], tuple[Counter, Histogram]] = {}

    def record(
        self, started: float, status: int, observed: Observed | None, role: str | None
    ) -> None:
        """`observed` is None for a request refused before it was read (401, 413, 429)."""
        observed = observed or Observed()
        # Answered: the name is one of the document's operations, not only the client's word
        # (a registered document sent with any `operationName` is refused, 400).
        answered = 200 <= status < 300
        operation = self.names.label(
            observed.operation,
            persisted=observed.persisted and answered,
            # A scraper's token, often kept in a file others can read, takes no place either.
            trusted=answered and role not in (None, "public", "monitoring"),
        )
        key = (operation, observed.errors, status, role)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.metrics.requests.labels(
                    operation, outcome(status, observed.errors), str(status), role or "unknown"
                ),
                self.metrics.latency.labels(operation),
            )
        series[0].inc()
        series[1].observe(perf_counter() - started)
