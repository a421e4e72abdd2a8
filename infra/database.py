"""Where the database is, and making sure Guichet's schema exists in it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow
from psycopg_pool import ConnectionPool

# Search needs accent folding, trigram similarity and edit distance.
EXTENSIONS = ("unaccent", "pg_trgm", "fuzzystrmatch")
# How long a request waits for a connection, in seconds. The event store tries a write ten
# times, so with the database down a write is refused after about 20 s and a read after 2 s;
# at 5 s a write waited 50 s, longer than the proxies in front of a service usually wait.
CONNECT_TIMEOUT = 2
# How long the pool tries again to open a connection that failed, in seconds. It waits 1 s,
# 2 s, 4 s… between tries, for 5 minutes by default: after an outage of 20 s its next try
# came up to 16 s after PostgreSQL was back, and every request failed meanwhile. Past this
# bound it gives up that connection, and the next request that finds the pool empty has it
# open a new one at once.
RECONNECT_TIMEOUT = 1.0


def reconnect_promptly(pool: ConnectionPool[Any]) -> None:
    """Bounds the pool's backoff between tries to reconnect (the event store's library makes
    the pool without a way to pass it; the attribute is the pool's public setting)."""
    pool.reconnect_timeout = RECONNECT_TIMEOUT


@dataclass(frozen=True)
class Timeouts:
    """Bounds PostgreSQL enforces on every session Guichet opens, in seconds (0: none), so
    that nothing a client sends holds a lock or a connection for longer."""

    statement: float = 0
    lock: int = 0
    idle_in_transaction: int = 0

    @property
    def options(self) -> str:
        """The libpq `options` that set them when a connection opens ('' when none)."""
        bounds = {
            "statement_timeout": round(self.statement * 1000),
            "lock_timeout": self.lock * 1000,
            "idle_in_transaction_session_timeout": self.idle_in_transaction * 1000,
        }
        return " ".join(f"-c {name}={ms}" for name, ms in bounds.items() if ms)


def driver_error(error: BaseException | None) -> BaseException | None:
    """The driver's own error behind one the event store wrapped, or the error itself."""
    return error.__cause__ if isinstance(error, PersistenceError) else error


@dataclass(frozen=True)
class Database:
    """Connection parameters, split out because the event store library wants them apart."""

    dbname: str
    host: str
    port: int
    user: str
    password: str
    schema: str
    url: str  # as given, for processes started with these settings
    timeouts: Timeouts = Timeouts()
    # Who the sessions are in `pg_stat_activity` (`guichet-api`, `guichet-project-directory`).
    application: str = "guichet"

    @classmethod
    def from_url(cls, url: str, schema: str) -> Database:
        params = conninfo_to_dict(url)
        return cls(
            dbname=str(params.get("dbname") or "postgres"),
            host=str(params.get("host") or "localhost"),
            port=int(params.get("port") or 5432),
            user=str(params.get("user") or "postgres"),
            password=str(params.get("password") or ""),
            schema=schema,
            url=url,
        )

    def bounded(self, timeouts: Timeouts) -> Database:
        return replace(self, timeouts=timeouts)

    def named(self, application: str) -> Database:
        return replace(self, application=application)

    @property
    def conninfo(self) -> str:
        options = {"options": self.timeouts.options} if self.timeouts.options else {}
        return psycopg.conninfo.make_conninfo(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            application_name=self.application,
            **options,
        )

    def connect(self, *, autocommit: bool = True, timeout: int = 5) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, autocommit=autocommit, connect_timeout=timeout)

    def ensure_schema(self) -> None:
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            for extension in EXTENSIONS:
                # UniqueViolation: another process created it at the same moment.
                with contextlib.suppress(psycopg.errors.UniqueViolation):
                    conn.execute(
                        sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA public").format(
                            sql.Identifier(extension)
                        )
                    )

    def datastore(self, pool_size: int, most: int | None = None) -> PostgresDatastore:
        """A connection pool for read models, in Guichet's schema: `pool_size` connections
        kept open, at most `most` (twice as many by default)."""
        datastore = PostgresDatastore(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            schema=self.schema,
            pool_size=pool_size,
            max_overflow=pool_size if most is None else most - pool_size,
            pre_ping=True,
            connect_timeout=CONNECT_TIMEOUT,
            idle_in_transaction_session_timeout=self.timeouts.idle_in_transaction,
        )
        reconnect_promptly(datastore.pool)
        # Read when each connection opens; none is open yet.
        kwargs = datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        kwargs["application_name"] = self.application
        if self.timeouts.options:
            kwargs["options"] = self.timeouts.options
        return datastore

    def event_store_env(self, pool_size: int, most: int | None = None) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "infra.event_log:EventLogFactory",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size if most is None else most - pool_size),
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            # Each write sets its own lock timeout (0: none) when it takes the log's lock.
            "POSTGRES_LOCK_TIMEOUT": str(self.timeouts.lock),
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(self.timeouts.idle_in_transaction),
            "POSTGRES_OPTIONS": self.timeouts.options,
            "POSTGRES_APPLICATION_NAME": self.application,
            # Off on purpose: with concurrent writers its insert function commits positions
            # out of order and subscribers skip events; the default path takes a table lock.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            # The event table is made by the migration step (`infra.migrate`), once.
            "CREATE_TABLE": "n",
        }


# Seconds a kept connection is used again without the pool's check, and kept at most.
KEEP_UNCHECKED = 1.0
KEEP_MAX = 60.0
# The event store's translation of the driver's errors (`PostgresDatastore.get_connection`),
# most specific first.
TRANSLATED: tuple[tuple[type[psycopg.Error], type[PersistenceError]], ...] = (
    (psycopg.InterfaceError, persistence.InterfaceError),
    (psycopg.OperationalError, persistence.OperationalError),
    (psycopg.DataError, persistence.DataError),
    (psycopg.IntegrityError, persistence.IntegrityError),
    (psycopg.InternalError, persistence.InternalError),
    (psycopg.ProgrammingError, persistence.ProgrammingError),
    (psycopg.NotSupportedError, persistence.NotSupportedError),
    (psycopg.DatabaseError, persistence.DatabaseError),
    (psycopg.Error, PersistenceError),
)


@dataclass
class _Kept:
    """A connection a thread took from the pool, how it gives it back, and when."""

    conn: psycopg.Connection[DictRow]
    context: contextlib.AbstractContextManager[psycopg.Connection[DictRow]]
    taken: float
    used: float


class HeldConnection:
    """One connection of an event store's pool kept by a thread for its runs of statements
    (the contact writer's batches: a read of versions, then the write), rather than taken from
    the pool and checked for each statement. The pool checks it again when it has been idle
    a while (`KEEP_UNCHECKED`), and takes it back now and then (`KEEP_MAX`) to apply its own
    limits; once broken, the next run takes another, checked, as the pool replaces it."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self._local = threading.local()

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Runs the block's statements on this thread's kept connection (see `release`)."""
        kept = self._take()
        self._local.conn = kept.conn
        try:
            yield
        finally:
            self._local.conn = None
            kept.used = time.monotonic()

    def release(self) -> None:
        """Gives this thread's kept connection back to the pool."""
        kept: _Kept | None = getattr(self._local, "kept", None)
        self._local.kept = None
        if kept is not None:
            kept.context.__exit__(None, None, None)

    def _take(self) -> _Kept:
        kept: _Kept | None = getattr(self._local, "kept", None)
        now = time.monotonic()
        if kept is not None:
            if (
                not kept.conn.broken and not kept.conn.closed
                and kept.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                and now - kept.used < KEEP_UNCHECKED and now - kept.taken < KEEP_MAX
            ):  # fmt: skip
                return kept
            self.release()
        # The store's own way to a connection: the pool's check, its errors translated.
        context = self.datastore.get_connection()
        conn = context.__enter__()
        self._local.kept = kept = _Kept(conn, context, now, now)
        return kept

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[DictRow]]:
        """The held connection, or one from the pool; errors as the event store gives them."""
        held: psycopg.Connection[DictRow] | None = getattr(self._local, "conn", None)
        if held is None or held.broken or held.closed:
            with self.datastore.get_connection() as conn:
                yield conn
            return
        try:
            yield held
        except psycopg.Error as error:
            kind = next(kind for driver, kind in TRANSLATED if isinstance(error, driver))
            raise kind(str(error)) from error
