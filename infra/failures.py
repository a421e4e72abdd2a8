"""A view that cannot apply a fact stops, and says so, rather than retrying it for good.

A failure is deterministic when applying the same fact again fails the same way: a value
PostgreSQL refuses (SQLSTATE classes 22 and 23, or a NUL refused before it is sent), or an
error of the view's own code while decoding or folding the fact. Anything else from the
database (connection lost, serialization failure, shutdown, too many connections) passes, and
the runner tries again with backoff.

The failure is kept in the database, one row per view, so that every process (`/health`,
`guichet projections status`, GraphQL for admins) reports it, until the view moves past the
fact (after a fix, by a rebuild or a restart). It names the position and the topic of the
fact and the kind of error, never the error's text: that may quote the fact's personal details.
"""

from __future__ import annotations

import psycopg
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql
from psycopg.rows import tuple_row

from infra.database import Database, driver_error

TABLE = "projection_failures"
DETERMINISTIC_STATES = ("22", "23")


class ServiceUnavailable(ConnectionError):
    """A service a view writes to besides PostgreSQL (the search engine) did not answer, or
    refused for now (overloaded, blocked, its index gone): the same page may be applied later,
    so the runner tries again with backoff instead of stopping at a fact. An `OSError`, as
    every lost connection is (see `deterministic`)."""


class ViewFailed(Exception):
    def __init__(self, view: str, position: int, topic: str, error: BaseException) -> None:
        cause = driver_error(error)
        state = getattr(cause, "sqlstate", None)
        kind = type(cause).__name__ + (f" (SQLSTATE {state})" if state else "")
        super().__init__(
            f"stopped at position {position}: cannot apply {topic}: {kind}; fix the cause, "
            "then restart or rebuild the projection"
        )
        self.view = view
        self.position = position
        self.topic = topic


def deterministic(error: BaseException) -> bool:
    """Whether applying the same facts again would fail the same way."""
    cause = driver_error(error)
    if isinstance(cause, psycopg.Error):
        if cause.sqlstate is None:  # refused before sending: a NUL in a text
            return isinstance(cause, psycopg.DataError)
        return cause.sqlstate.startswith(DETERMINISTIC_STATES)
    return not isinstance(error, PersistenceError | OSError)


def _table(database: Database) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(database.schema), sql.Identifier(TABLE))


def record(database: Database, failure: ViewFailed) -> None:
    table = _table(database)
    with database.connect() as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (view text PRIMARY KEY, position bigint NOT NULL,"
                " message text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
            ).format(table)
        )
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (view, position, message) VALUES (%s, %s, %s)"
                " ON CONFLICT (view) DO UPDATE SET position = excluded.position,"
                " message = excluded.message, at = now()"
            ).format(table),
            (failure.view, failure.position, str(failure)),
        )


def recorded(datastore: PostgresDatastore) -> dict[str, tuple[int, str]]:
    """The failure of each view that has one: (position of the fact, message)."""
    table = sql.SQL("{}.{}").format(sql.Identifier(datastore.schema), sql.Identifier(TABLE))
    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
        exists = cursor.execute(
            "SELECT to_regclass(%s)", (f'"{datastore.schema}"."{TABLE}"',)
        ).fetchone()
        if not exists or exists[0] is None:
            return {}
        rows = cursor.execute(sql.SQL("SELECT view, position, message FROM {}").format(table))
        return {view: (position, message) for view, position, message in rows.fetchall()}
