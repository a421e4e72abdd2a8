"""How many connections each kind of process opens at most, and a warning when that, with the
connections already open, comes near the server's `max_connections`.

A process has two pools (the event store's and the views'), and one more connection for each
projection it runs (it listens for new facts on it). The API's pools keep
`GUICHET_POOL_SIZE` connections open and may open `GUICHET_POOL_OVERFLOW` more under load; a
projection worker's pools open one connection and at most `GUICHET_WORKER_POOL_SIZE` for each
projection it runs: its runners use one connection of each pool at a time (and a second of
the event store's while the next page is read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from infra.database import Database
from infra.settings import Settings

log = logging.getLogger(__name__)

# A warning when the connections open plus this process's budget pass this share of what
# the server accepts from ordinary users.
NEAR = 0.9


@dataclass(frozen=True)
class Pools:
    """The size of each of a process's two pools: kept open, and opened at most."""

    size: int
    most: int
    listeners: int  # one connection per projection the process runs

    @property
    def budget(self) -> int:
        return 2 * self.most + self.listeners


def api_pools(settings: Settings, projections: int = 0) -> Pools:
    size = settings.pool_size
    return Pools(size, size + settings.pool_overflow, projections)


def worker_pools(settings: Settings, projections: int) -> Pools:
    return Pools(1, max(settings.worker_pool_size * projections, 2), projections)


def application_name(role: str) -> str:
    """What operators see in `pg_stat_activity.application_name` (at most 63 bytes)."""
    return f"guichet-{role}"[:63]


def warning(database: Database, budget: int) -> str | None:
    """A line naming the settings to change when `budget` more connections would bring the
    server near its `max_connections`; None when they fit."""
    with database.connect() as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int,"
            " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        ).fetchone()
    assert row is not None
    most, reserved, open_now = int(row[0]), int(row[1]), int(row[2]) - 1  # not this one
    usable = most - reserved
    if open_now + budget <= NEAR * usable:
        return None
    return (
        f"connections: this process may open {budget} and {open_now} are open already, near "
        f"PostgreSQL's max_connections ({most}, {reserved} reserved); lower GUICHET_POOL_SIZE, "
        "GUICHET_POOL_OVERFLOW or GUICHET_WORKER_POOL_SIZE, or raise max_connections"
    )


def warn_if_near(database: Database, budget: int) -> None:
    line = warning(database, budget)
    if line is not None:
        log.warning(line)
