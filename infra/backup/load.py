"""Restoring a backup into a schema the migration step has just made, in one transaction.

`pg_restore` turns the dump into `COPY` blocks (text), which are sent to the tables of the
schema this Guichet is set to (which need not be the one the backup was taken from). The
log's chain trigger is disabled for the copy, inside the transaction, so that every event
keeps the chain it was stored with; then the whole chain is recomputed over what was copied
and compared with the head the manifest records. Only then does the transaction commit: a
file that does not restore whole and intact leaves the log empty, never half restored.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from infra import audit_chain, persisted, statistics
from infra.backup import chain, script, tools
from infra.backup.archive import Archive, BackupError, Manifest
from infra.database import Database
from infra.views.base import LOG_TABLE

_LISTED = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) ")
BATCH = 1 << 20


@dataclass(frozen=True)
class Restored:
    events: int
    chain_head: str
    tables: dict[str, int]


def listed_tables(archive: Archive) -> list[str]:
    """The tables whose rows the dump holds, as `pg_restore --list` reads its structure."""
    command = [str(tools.program("pg_restore")), "--list"]
    with tools.running(command, stdin=subprocess.PIPE) as process:
        feeder = script.Feeder(process, archive, tolerate_close=True)
        assert process.stdout is not None
        listing = process.stdout.read().decode(errors="replace")
        feeder.join()
    found = [match.group(2) for line in listing.splitlines() if (match := _LISTED.match(line))]
    manifest = archive.manifest
    if sorted(found) != sorted(manifest.tables):
        raise BackupError(
            f"{archive.path}: its dump holds the rows of {', '.join(found) or 'no table'}, its "
            f"manifest names {', '.join(manifest.tables)}"
        )
    return found


def occupant(database: Database) -> str | None:
    """What the schema already holds that a restore would mix with, or None when empty."""
    with database.connect() as conn:
        held = []
        for table, what in ((LOG_TABLE, "events"), (persisted.TABLE, "registered documents")):
            name = f'"{database.schema}"."{table}"'
            if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone() == (None,):
                continue
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(database.schema, table))
            ).fetchone()
            if row and row[0]:
                held.append(f"{row[0]:,} {what}")
    return " and ".join(held) or None


def restore(
    database: Database, archive: Archive, on_rows: Callable[[int], None] | None = None,
    on_chain: Callable[[int, int, int], None] | None = None,
) -> Restored:  # fmt: skip
    """Copies the dump into `database`'s schema (made by the migration step, empty), checks
    the chain against the manifest, and commits; nothing is kept on any failure."""
    try:
        return _restore(database, archive, on_rows, on_chain)
    except BackupError as error:
        said = str(error)
        if said.startswith(str(archive.path)):
            raise
        raise BackupError(f"{archive.path}: {said} (nothing restored)") from None
    except psycopg.Error as error:
        table = f" (table {error.diag.table_name})" if error.diag.table_name else ""
        raise BackupError(f"{archive.path}: the database refused its rows{table}: "
                          f"{reason(error)} (nothing restored)") from None  # fmt: skip


def reason(error: psycopg.Error) -> str:
    """What the database said, in one line: its message and detail."""
    diag = error.diag
    said = diag.message_primary or (str(error).splitlines() or [type(error).__name__])[0]
    return f"{said}: {diag.message_detail}" if diag.message_detail else said


def _restore(
    database: Database, archive: Archive, on_rows: Callable[[int], None] | None,
    on_chain: Callable[[int, int, int], None] | None,
) -> Restored:  # fmt: skip
    manifest = archive.manifest
    log = sql.Identifier(database.schema, LOG_TABLE)
    trigger = sql.Identifier(audit_chain.TRIGGER)
    with database.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        conn.execute("SET LOCAL statement_timeout = 0")
        if statistics.ROUNDING_TABLE in manifest.tables:
            rounding = sql.Identifier(database.schema, statistics.ROUNDING_TABLE)
            conn.execute(sql.SQL(statistics.CREATE_ROUNDING).format(rounding))
            conn.execute(sql.SQL("DELETE FROM {}").format(rounding))  # the backup's secret wins
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(log, trigger))
        command = [str(tools.program("pg_restore")), "--data-only", "--file=-"]
        with tools.running(command, stdin=subprocess.PIPE) as process:
            feeder = script.Feeder(process, archive)
            assert process.stdout is not None
            copied, follower = _copy(process.stdout, conn, database.schema, on_rows)
            feeder.join()
        feeder.check(manifest)
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(log, trigger))
        if copied != manifest.tables:
            raise BackupError(f"{archive.path}: its dump holds {copied} rows, its manifest "
                              f"records {manifest.tables}")  # fmt: skip
        # The next position follows the rows restored, whatever the manifest says.
        found = conn.execute(sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}")
                             .format(log)).fetchone()  # fmt: skip
        last = int(found[0]) if found else 0
        if last != manifest.last_position:
            raise BackupError(f"{archive.path}: its events end at position {last:,}, its "
                              f"manifest records {manifest.last_position:,}")  # fmt: skip
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s, %s)",
            (f'"{database.schema}"."{LOG_TABLE}"', max(last, 1), last > 0),
        )
        if follower is not None and follower.ordered:
            verdict = audit_chain.Verdict(
                follower.events, follower.head, follower.broken_at, chain.MISMATCH
            )
        else:  # rows out of the log's order: checked in the database, in its order
            verdict = audit_chain.verify_on(conn, database, on_chain)
        _check(verdict, manifest, archive)
        conn.commit()
    return Restored(verdict.events, verdict.head.hex(), copied)


def _check(verdict: audit_chain.Verdict, manifest: Manifest, archive: Archive) -> None:
    if not verdict.intact:
        raise BackupError(
            f"{archive.path}: the chain of the events it holds is broken at position "
            f"{verdict.broken_at}: {verdict.reason} (nothing restored)"
        )
    if verdict.head.hex() != manifest.chain_head or verdict.events != manifest.events:
        raise BackupError(
            f"{archive.path}: its {verdict.events:,} events end on chain head "
            f"{verdict.head.hex() or 'none'}, its manifest records {manifest.events:,} events "
            f"and head {manifest.chain_head or 'none'} (nothing restored)"
        )


def _copy(
    lines: Iterable[bytes], conn: psycopg.Connection, schema: str,
    on_rows: Callable[[int], None] | None,
) -> tuple[dict[str, int], chain.Follower | None]:  # fmt: skip
    """Sends each COPY block of pg_restore's script to the same table in `schema`, the log's
    chain checked on the way; the rows of each table. The rest of the script (settings, a
    sequence's value) is not run."""
    copied: dict[str, int] = {}
    follower: chain.Follower | None = None
    total = 0
    for table, columns, rows in script.blocks(lines):
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(schema, table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        follow = chain.Follower(columns) if table == LOG_TABLE else None
        follower = follow or follower
        count, batch = 0, bytearray()
        with conn.cursor().copy(statement) as copy:
            for row in rows:
                if follow is not None:
                    follow(row)
                batch += row
                count += 1
                if len(batch) >= BATCH:
                    copy.write(bytes(batch))
                    batch = bytearray()
                    if on_rows is not None:
                        on_rows(total + count)
            copy.write(bytes(batch))
        copied[table] = count
        total += count
    if on_rows is not None:
        on_rows(total)
    return copied, follower
