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

import time
from collections.abc import Sequence
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import Environment

from infra.database import reconnect_promptly

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


class EventLogRecorder(PostgresApplicationRecorder):
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
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)


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
