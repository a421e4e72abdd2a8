"""The event log's table lock held by another session, as a stuck writer would hold it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from infra.bootstrap import Container
from infra.views.base import LOG_TABLE


@contextmanager
def log_held(container: Container) -> Iterator[None]:
    """Another session holds the log's lock until the block ends."""
    table = sql.Identifier(container.database.schema, LOG_TABLE)
    with (
        psycopg.connect(container.database.url, autocommit=True) as blocker,
        blocker.transaction(),
    ):
        blocker.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))
        yield
