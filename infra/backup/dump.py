"""Taking a backup while the service writes.

One REPEATABLE READ transaction reads the log's last position, its event count and its chain
head, exports its snapshot (`pg_export_snapshot()`), and stays open while `pg_dump
--snapshot` copies the tables in that same snapshot: the dump and the head the manifest
records are the same moment, whatever is written meanwhile. A snapshot can be imported only
while the transaction that exported it is open, so that transaction sets its own
idle-in-transaction bound to none (Guichet's sessions are ended after 5 idle seconds by
default); `pg_dump` does the same for its own session.

Only the tables that hold the business are copied: the log (with every token's digest, which
are facts in it), the registered documents and the secret public figures are rounded with.
Views are left out (a restore rebuilds them from the log), and so are snapshots of aggregates
(an optimisation made again from the log).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as installed
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from infra import persisted, statistics
from infra.backup import archive, tools
from infra.backup.archive import BackupError, Manifest
from infra.database import Database
from infra.views.base import LOG_TABLE

# The log first: a restore needs it, the others are copied when the database has them.
TABLES = (LOG_TABLE, persisted.TABLE, statistics.ROUNDING_TABLE)
# What the embedded server's pg_dump is built with (neither lz4 nor zstd): gzip, at a level
# from 1 (fastest) to 9 (smallest), or none. The log's payloads are bytea, which COPY writes as
# hex, so a million contacts are 3.5 GB of text: gzip's default level 6 took 66 s of CPU for
# them, level 1 a quarter of that for a file half as large again (bench.backup).
COMPRESSIONS = ("gzip:1", "gzip:6", "gzip:9", "none")
# How long pg_dump waits for a table's lock before it gives up (a migration holds them).
LOCK_WAIT = "60s"


@dataclass(frozen=True)
class Moment:
    """What the backup's snapshot sees of the log."""

    last_position: int
    events: int
    chain_head: str
    tables: dict[str, int]
    server: str


def take(
    database: Database, target: Path, compression: str,
    on_bytes: Callable[[int], None] | None = None,
) -> Manifest:  # fmt: skip
    """Writes a backup of `database`'s schema to `target`, atomically; returns its manifest."""
    if compression not in COMPRESSIONS:
        raise BackupError(f"unknown compression {compression!r} ({', '.join(COMPRESSIONS)})")
    with archive.beside(target, ".dump") as dump:
        with database.connect(autocommit=False) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            conn.execute("SET LOCAL statement_timeout = 0")
            moment = _moment(conn, database.schema)
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            sha256, size = _dump(database, str(row[0]), list(moment.tables), compression, dump,
                                 on_bytes)  # fmt: skip
            conn.rollback()
        manifest = Manifest(
            guichet=installed("guichet"), postgresql=moment.server,
            pg_dump=tools.version("pg_dump"),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            schema=database.schema, last_position=moment.last_position, events=moment.events,
            chain_head=moment.chain_head, tables=moment.tables, compression=compression,
            dump_bytes=size, dump_sha256=sha256,
        )  # fmt: skip
        archive.write(target, manifest, dump)
    return manifest


def _moment(conn: psycopg.Connection, schema: str) -> Moment:
    present = [
        table for table in TABLES
        if _one(conn, "SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}"."{table}"',))
    ]  # fmt: skip
    if LOG_TABLE not in present:
        raise BackupError(
            f"schema {schema} holds no Guichet log: nothing to back up (GUICHET_DATABASE_SCHEMA "
            "names the schema, GUICHET_DATABASE_URL or GUICHET_DATA_DIR the database)"
        )
    log = sql.Identifier(schema, LOG_TABLE)
    found = conn.execute(
        sql.SQL("SELECT count(*), coalesce(max(notification_id), 0) FROM {}").format(log)
    ).fetchone()
    assert found is not None
    events, last = int(found[0]), int(found[1])
    head = conn.execute(
        sql.SQL("SELECT chain FROM {} ORDER BY notification_id DESC LIMIT 1").format(log)
    ).fetchone()
    chain = bytes(head[0]).hex() if head and head[0] is not None else ""
    if events and not chain:
        raise BackupError(
            f"the log's last event (position {last}) has no chain: run `guichet migrate`, then "
            "`guichet audit verify`, before backing it up"
        )
    tables = {LOG_TABLE: events}
    for table in present[1:]:
        tables[table] = int(_one(conn, sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(schema, table))))  # fmt: skip
    server = str(_one(conn, "SHOW server_version")).split(" ")[0]
    return Moment(last, events, chain, tables, server)


def _one(conn: psycopg.Connection, query: str | sql.Composed, params: tuple[str, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def _dump(
    database: Database, snapshot: str, tables: list[str], compression: str, out: Path,
    on_bytes: Callable[[int], None] | None,
) -> tuple[str, int]:  # fmt: skip
    """Runs pg_dump in the snapshot into `out`, synced to disk; its SHA-256 and size."""
    target, environ = tools.connection(database)
    command = [
        str(tools.program("pg_dump")), target, "--format=custom", "--data-only",
        f"--snapshot={snapshot}", f"--compress={compression}", f"--lock-wait-timeout={LOCK_WAIT}",
        *(f"--table={database.schema}.{table}" for table in tables),
    ]  # fmt: skip
    digest = hashlib.sha256()
    size = 0
    with (
        out.open("wb") as written,
        tools.running(command, environ=environ) as process,
    ):
        assert process.stdout is not None
        while chunk := process.stdout.read(archive.CHUNK):
            digest.update(chunk)
            written.write(chunk)
            size += len(chunk)
            if on_bytes is not None:
                on_bytes(size)
        written.flush()
        os.fsync(written.fileno())
    return digest.hexdigest(), size
