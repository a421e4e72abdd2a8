"""Prometheus metrics: a registry of the process's own, built by the composition root.

Counters and histograms live in the process that counts (requests, contacts). What the
database knows (each view's position against the log's head, whether it failed) is read when
Prometheus scrapes, so it is right whichever process runs the projections; the pools' figures
are read then too. Nothing touches prometheus-client's global default registry.

The API processes of `guichet serve --workers N` count together: the command gives them one
fresh directory (`counted_together`), where prometheus-client's multiprocess mode keeps each
process's figures in files, and a scrape of any of them adds up all (`Metrics.exposition`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from psycopg_pool import ConnectionPool

from domain.errors import InvalidInput
from domain.handlers.contacts import ContactHandler, OpenContact, RecordContact, Recording
from domain.operations import Logged

log = logging.getLogger(__name__)

# From 1 ms (a cached read) to 10 s (the statement timeout's default): a request slower than
# that has already failed for its caller.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SHARED = "PROMETHEUS_MULTIPROC_DIR"


def shared_directory() -> str | None:
    """Where this process counts with the others, if it does. prometheus-client reads the
    variable once, when it is imported: set later, it changes nothing in this process."""
    path = os.environ.get(SHARED)
    return path if path and values.ValueClass is not values.MutexValue else None


@contextmanager
def counted_together() -> Iterator[str]:
    """A fresh directory for the processes started inside (which read the variable when they
    import prometheus-client) to count in; removed after."""
    with tempfile.TemporaryDirectory(prefix="guichet-metrics-") as path:
        os.environ[SHARED] = path
        try:
            yield path
        finally:
            os.environ.pop(SHARED, None)


class Metrics:
    """The figures one process exports at `/metrics`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "guichet_graphql_requests",
            "GraphQL requests over HTTP, by operation name, outcome, HTTP status and role.",
            ("operation", "outcome", "status", "role"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "guichet_graphql_request_duration_seconds",
            "Time to answer a GraphQL request over HTTP, by operation name.",
            ("operation",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.contacts = Counter(
            "guichet_contacts_logged",
            "Contacts this process logged (whole, or opened live), by channel; a retry that "
            "was answered with the first receipt is not counted.",
            ("channel",),
            registry=self.registry,
        )
        # Counted up and down where they open and close; summed over the live processes.
        self.websockets = Gauge(
            "guichet_websockets_open", "WebSockets open on /graphql.",
            registry=self.registry, multiprocess_mode="livesum",
        )  # fmt: skip
        self.subscriptions = Gauge(
            "guichet_subscriptions_open", "Subscriptions running on the open WebSockets.",
            registry=self.registry, multiprocess_mode="livesum",
        )  # fmt: skip
        self.collectors: list[Collector] = []

    def watch(self, collector: Collector) -> None:
        """Adds figures read at each scrape."""
        self.registry.register(collector)
        self.collectors.append(collector)

    def exposition(self) -> CollectorRegistry:
        """What a scrape reads: this process's registry, or, counting with other processes,
        the sum of their files and the figures read at scrape time."""
        path = shared_directory()
        if path is None:
            return self.registry
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
        for collector in self.collectors:
            registry.register(collector)
        return registry

    def close(self) -> None:
        """Drops this process's open sockets from the sum, once it stops serving."""
        path = shared_directory()
        if path is not None:
            multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


class Watched(Protocol):
    """What the scrape-time collector reads (`infra.bootstrap.Container`)."""

    def status(self) -> Sequence[Any]: ...

    def head(self) -> int: ...


class StateCollector(Collector):
    """Each view's position, lag and error, and the pools' use, read at each scrape."""

    def __init__(self, watched: Watched, pools: Callable[[], dict[str, ConnectionPool]]) -> None:
        self.watched = watched
        self.pools = pools

    def collect(self) -> Iterator[Metric]:
        yield from self._pools()
        up = GaugeMetricFamily("guichet_database_up", "1 when the database answers, else 0.")
        try:
            statuses = self.watched.status()
        except Exception as error:
            log.warning("metrics: the projections' state could not be read: %r", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        head = GaugeMetricFamily("guichet_event_log_head", "The position of the log's last fact.")
        head.add_metric([], max((status.head for status in statuses), default=0))
        yield head
        families = {
            "position": GaugeMetricFamily(
                "guichet_projection_position", "The last fact each view applied.", labels=["view"]
            ),
            "lag": GaugeMetricFamily(
                "guichet_projection_lag_events",
                "Facts in the log that each view has not applied yet.",
                labels=["view"],
            ),
            "error": GaugeMetricFamily(
                "guichet_projection_error",
                "1 when the view is stopped on an error (why is in the log and, for admins, "
                "in `projections { error }`), else 0.",
                labels=["view"],
            ),
        }
        for status in statuses:
            families["position"].add_metric([status.name], status.position)
            families["lag"].add_metric([status.name], status.lag)
            families["error"].add_metric([status.name], 0 if status.error is None else 1)
        yield from families.values()

    def _pools(self) -> Iterator[Metric]:
        used = GaugeMetricFamily(
            "guichet_pool_connections",
            "Connections each pool holds, in use or idle.",
            labels=["pool", "state"],
        )
        most = GaugeMetricFamily(
            "guichet_pool_max_connections", "The most connections each pool opens.", labels=["pool"]
        )
        waiting = GaugeMetricFamily(
            "guichet_pool_requests_waiting",
            "Requests waiting for a connection of each pool.",
            labels=["pool"],
        )
        for name, pool in self.pools().items():
            stats = pool.get_stats()
            size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
            used.add_metric([name, "in_use"], max(size - idle, 0))
            used.add_metric([name, "idle"], idle)
            most.add_metric([name], stats.get("pool_max", pool.max_size))
            waiting.add_metric([name], stats.get("requests_waiting", 0))
        yield from (used, most, waiting)


def pools_of(*named: tuple[str, object]) -> dict[str, ConnectionPool]:
    """The psycopg pools behind datastores (the in-memory event store has none)."""
    found: dict[str, ConnectionPool] = {}
    for name, datastore in named:
        pool = getattr(datastore, "pool", None)
        if isinstance(pool, ConnectionPool):
            found[name] = pool
    return found


class CountedContacts(ContactHandler):
    """The contact handler, counting each contact it logs (not the retries it answers)."""

    def __init__(self, counter: Counter, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = counter

    def record(self, command: RecordContact, *, actor: str, at: datetime) -> Logged:
        logged = super().record(command, actor=actor, at=at)
        self._count(command.channel, logged)
        return logged

    def record_many(
        self, commands: Sequence[RecordContact], *, actor: str, at: datetime | None = None,
        **kwargs: Any,
    ) -> list[Logged | InvalidInput]:  # fmt: skip
        results = super().record_many(commands, actor=actor, at=at, **kwargs)
        for command, result in zip(commands, results, strict=True):
            self._count(command.channel, result)
        return results

    def record_each(self, requests: Sequence[Recording]) -> list[Logged | Exception]:
        results = super().record_each(requests)
        for request, result in zip(requests, results, strict=True):
            if isinstance(result, Logged):
                self._count(request.command.channel, result)
        return results

    def open(self, command: OpenContact, *, actor: str, at: datetime) -> Logged:
        logged = super().open(command, actor=actor, at=at)
        self._count(command.channel, logged)
        return logged

    def _count(self, channel: str, result: Logged | InvalidInput) -> None:
        if isinstance(result, Logged) and not result.replayed:
            self.counter.labels(channel).inc()
