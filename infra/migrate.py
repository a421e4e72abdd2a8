"""One migration step: everything a process needs in the database, made by one process at a time.

The schema and its extensions, the event table, the audit chain's trigger, the registered
documents' table and every view's tables with their tracking are made under one session
advisory lock on a key derived from the schema's name. Processes starting together on an empty
database then queue on the lock instead of racing each other's `CREATE` statements (two
`CREATE ... IF NOT EXISTS` at once still collide on PostgreSQL's catalogue, and the tracking
tables' first row is inserted by whichever comes first). The version reached is kept in one
row: a process that finds its own version there reads one row and takes no lock at all.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence

import psycopg
from psycopg import sql

from infra.database import Database

log = logging.getLogger(__name__)

TABLE = "guichet_migration"
# Raised when a step changes that the views' definitions do not describe (the event table,
# the chain, the registered documents), so that every deployment runs the steps again.
STEPS_VERSION = 1

Step = Callable[[], None]


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


def migrate(database: Database, target: str, steps: Sequence[Step], *, force: bool = False) -> bool:
    """Runs `steps` unless the schema is at `target` (always with `force`); says whether they
    ran. Waits for a migration another process is running, then looks again."""
    with database.connect() as conn:
        if not force and found_version(conn, database.schema) == target:
            return False
        conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(database.schema),))
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
