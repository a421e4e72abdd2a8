"""The event store's PostgreSQL recorder, writing each transaction without pipeline mode.

The library's recorder sends a write's statements in psycopg's pipeline mode. Its last step
stops sending once the sync is queued, whether or not the socket took the whole message, then
waits for the answer: a write larger than the socket's buffer (a few hundred kilobytes: one
large contact, or many contacts saved together) waited for good for an answer to a message
the server was still waiting to read, holding the log's lock, and every other write queued
behind it. Here each statement is sent whole before its answer is awaited; three round trips
on the same host cost less than a tenth of a millisecond.

Connections also carry Guichet's session bounds (`POSTGRES_OPTIONS`, libpq `options`) and the
process's name (`POSTGRES_APPLICATION_NAME`, libpq `application_name`), and a
write is tried again only when the database could not be reached: a statement that ran past
its bound would run past it again.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment
from psycopg import sql

from infra.database import HeldConnection, reconnect_promptly

OPTIONS = "POSTGRES_OPTIONS"
APPLICATION_NAME = "POSTGRES_APPLICATION_NAME"
ATTEMPTS = 10
WAIT = 0.2
# Connection exceptions, the server shutting down or starting, too many connections.
UNREACHABLE_STATES = ("08", "57P", "53300")


def unreachable(error: BaseException) -> bool:
    """Whether `error` (the store's, wrapping psycopg's) says the database was not reached."""
    cause = error.__cause__ if isinstance(error, (OperationalError, InterfaceError)) else error
    if isinstance(cause, psycopg_pool.PoolTimeout):
        return True
    if not isinstance(cause, (psycopg.OperationalError, psycopg.InterfaceError)):
        return False
    return cause.sqlstate is None or cause.sqlstate.startswith(UNREACHABLE_STATES)


@dataclass(frozen=True)
class Statements:
    begin: bytes
    insert: bytes


COMMIT = b"COMMIT"


def _columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    """The events as four parallel arrays: cheaper to send than an array of composite rows.
    Sent in binary (`%b`): an array of bytea in text is escaped byte by byte in Python, about
    a tenth of a microsecond a byte of the events' state, in binary it is copied."""
    return (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    )


def _composable(query: Any) -> sql.Composable:
    return query if isinstance(query, sql.Composable) else sql.SQL(query)


class EventLogRecorder(PostgresApplicationRecorder):
    _rendered: Statements | None = None

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        # What a thread writing many times in a row (the contact writer) keeps between writes.
        self.held = HeldConnection(datastore)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._insert_once(stored_events, **kwargs)
            except (OperationalError, InterfaceError) as error:
                if attempt == ATTEMPTS or not unreachable(error):
                    raise
                time.sleep(WAIT)
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert_once(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            with (
                self.datastore.get_connection() as conn,
                conn.transaction(),
                conn.cursor() as curs,
            ):
                self._insert_events(curs, stored_events, **kwargs)
                return None
        statements = self._statements()
        with self.held.connection() as conn, conn.cursor() as curs:
            # One round trip opens the transaction and takes the log's lock (and queues the
            # notification), one inserts, one commits: the library's path takes six, and
            # renders its composed SQL again for each write.
            try:
                curs.execute(statements.begin)
                self._insert_events(curs, stored_events, **kwargs)
                curs.execute(statements.insert, _columns(stored_events), prepare=True)
                ids = [row["notification_id"] for row in curs.fetchall()]
                curs.execute(COMMIT)
            except BaseException:
                # Given back in a transaction, the pool would roll it back with a warning.
                if not conn.broken:
                    with contextlib.suppress(psycopg.Error):
                        conn.rollback()
                raise
        if len(ids) != len(stored_events):
            raise ProgrammingError(f"got {len(ids)} positions for {len(stored_events)} events")
        return ids

    def _statements(self) -> Statements:
        """The write's SQL, rendered once per recorder (identifiers quoted by psycopg)."""
        if self._rendered is None:
            schema = sql.Identifier(self.datastore.schema)
            table = sql.Identifier(self.events_table_name)
            lock: list[sql.Composable] = [*map(_composable, self.lock_table_statements),
                    sql.SQL("NOTIFY {}").format(sql.Identifier(self.channel_name))]  # fmt: skip
            begin = sql.SQL("; ").join([sql.SQL("BEGIN"), *lock])
            insert = sql.SQL(
                "INSERT INTO {}.{} (originator_id, originator_version, topic, state)"
                " SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[])"
                " RETURNING notification_id"
            ).format(schema, table)
            self._rendered = Statements(begin.as_bytes(None), insert.as_bytes(None))
        return self._rendered


class EventLogFactory(PostgresFactory):
    application_recorder_class = EventLogRecorder

    def __init__(self, env: Environment | dict[str, str] | None) -> None:
        super().__init__(env)
        reconnect_promptly(self.datastore.pool)
        # Read when each connection is opened; the pool opens none before the first use.
        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        options = self.env.get(OPTIONS)
        if options:
            kwargs["options"] = options
        name = self.env.get(APPLICATION_NAME)
        if name:
            kwargs["application_name"] = name
