"""One migration step: everything a process needs in the database, made by one process at a time.

The schema and its extensions, the event table, the audit chain's trigger, the registered
documents' table and every view's tables with their tracking are made under one session
advisory lock on a key derived from the schema's name. Processes starting together on an empty
database then queue on the lock instead of racing each other's `CREATE` statements (two
`CREATE ... IF NOT EXISTS` at once still collide on PostgreSQL's catalogue, and the tracking
tables' first row is inserted by whichever comes first). The version reached is kept in one
row: a process that finds its own version there reads one row and takes no lock at all.

A process that waits for the lock says so, naming the session that holds it, after
`FIRST_WORD` seconds and then every `EVERY`; past `GUICHET_MIGRATION_WAIT` it gives up with one
line naming the holder and the setting, rather than wait silently for ever behind a stuck one.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence

import psycopg
from psycopg import sql

from infra.database import Database
from infra.runner import ViewBusy

log = logging.getLogger(__name__)

TABLE = "guichet_migration"
# Raised when a step changes that the views' definitions do not describe (the event table,
# the chain, the registered documents), so that every deployment runs the steps again.
STEPS_VERSION = 1

Step = Callable[[], None]

# Seconds a process waits for the lock before it says so, and between two lines after that.
FIRST_WORD = 2.0
EVERY = 30.0
# Seconds between two tries of the lock.
POLL = 0.1
WAIT = 300.0


class MigrationBusy(ViewBusy):
    """Another session held the migration lock longer than this process would wait; said in
    one line, as a busy view is."""


def version(definitions: Iterable[str]) -> str:
    """The version of the steps: theirs, and each view's definition."""
    text = "\n".join([f"steps {STEPS_VERSION}", *sorted(definitions)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def lock_key(schema: str) -> int:
    digest = hashlib.sha256(f"guichet.migrate.{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def found_version(conn: psycopg.Connection, schema: str) -> str | None:
    row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{TABLE}"',)).fetchone()
    if row is None or row[0] is None:
        return None
    row = conn.execute(
        sql.SQL("SELECT version FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(TABLE))
    ).fetchone()
    return str(row[0]) if row else None


def migrate(
    database: Database, target: str, steps: Sequence[Step], *, force: bool = False,
    wait: float = WAIT,
) -> bool:  # fmt: skip
    """Runs `steps` unless the schema is at `target` (always with `force`); says whether they
    ran. Waits up to `wait` seconds for a migration another process is running, then looks
    again."""
    with database.connect() as conn:
        if not force and found_version(conn, database.schema) == target:
            return False
        take_lock(conn, database.schema, wait)
        try:
            if not force and found_version(conn, database.schema) == target:
                return False  # another process migrated while this one waited
            database.ensure_schema()
            for step in steps:
                step()
            record(conn, database.schema, target)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(database.schema),))
    log.info("schema %s migrated to version %s", database.schema, target)
    return True


def take_lock(conn: psycopg.Connection, schema: str, wait: float) -> None:
    key = lock_key(schema)
    started = time.monotonic()
    told: float | None = None
    while not _tried(conn, key):
        waited = time.monotonic() - started
        if waited >= wait:
            raise MigrationBusy(
                f"gave up waiting for the migration lock of schema {schema} after {wait:g} s: "
                f"it is held by {holder(conn, key)}; end that session, or wait longer with "
                "GUICHET_MIGRATION_WAIT"
            )
        if waited >= (FIRST_WORD if told is None else told + EVERY):
            log.warning(
                "waiting %.0f s for the migration lock of schema %s, held by %s; giving up "
                "after %g s (GUICHET_MIGRATION_WAIT)", waited, schema, holder(conn, key), wait,
            )  # fmt: skip
            told = waited
        time.sleep(min(POLL, max(wait - waited, 0.0)))


def _tried(conn: psycopg.Connection, key: int) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    return bool(row and row[0])


def holder(conn: psycopg.Connection, key: int) -> str:
    """The session holding the lock of `key`, as an operator finds it in pg_stat_activity."""
    # A bigint advisory key is in pg_locks as its high and low 32 bits, objsubid 1.
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    row = conn.execute(
        "SELECT a.pid, a.application_name, a.backend_start, a.state"
        " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
        " AND l.classid::bigint = %s AND l.objid::bigint = %s"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (unsigned >> 32, unsigned & 0xFFFF_FFFF),
    ).fetchone()
    if row is None:
        return "another session (gone by now)"
    pid, application, since, state = row
    since_text = since.isoformat(timespec="seconds") if since else "?"
    return (
        f"pid {pid} (application_name {application or ''!r}, connected since {since_text}, "
        f"{state or 'state unknown'})"
    )


def record(conn: psycopg.Connection, schema: str, target: str) -> None:
    table = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(TABLE))
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (one boolean PRIMARY KEY DEFAULT true CHECK (one),"
            " version text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        ).format(table)
    )
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (version) VALUES (%s)"
            " ON CONFLICT (one) DO UPDATE SET version = excluded.version, at = now()"
        ).format(table),
        (target,),
    )
