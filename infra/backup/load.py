"""Restoring a backup into a schema the migration step has just made, in one transaction.

`pg_restore` turns the dump into `COPY` blocks (text), which are sent to the tables of the
schema this Guichet is set to (which need not be the one the backup was taken from). The
log's chain trigger is disabled for the copy, inside the transaction, so that every event
keeps the chain it was stored with; then the whole chain is recomputed over what was copied
and compared with the head the manifest records. Only then does the transaction commit: a
file that does not restore whole and intact leaves the log empty, never half restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

import psycopg
from psycopg import sql

from infra import audit_chain, persisted, statistics
from infra.backup import tools
from infra.backup.archive import Archive, BackupError, Manifest
from infra.backup.dump import TABLES
from infra.database import Database
from infra.views.base import LOG_TABLE

_HEADER = re.compile(
    rb'^COPY (?:"?[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"? \(([a-z0-9_, ]*)\) FROM stdin;$'
)
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*$")
_LISTED = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) ")
END = b"\\.\n"
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
        feeder = Feeder(process, archive, tolerate_close=True)
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


def move_aside(database: Database) -> str:
    """Renames the schema (every table and view in it) out of the way; its new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    aside = f"{database.schema}_before_{stamp}"
    with database.connect() as conn:
        conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
            sql.Identifier(database.schema), sql.Identifier(aside)))  # fmt: skip
    return aside


def restore(
    database: Database, archive: Archive, on_rows: Callable[[int], None] | None = None,
    on_chain: Callable[[int, int, int], None] | None = None,
) -> Restored:  # fmt: skip
    """Copies the dump into `database`'s schema (made by the migration step, empty), checks
    the chain against the manifest, and commits; nothing is kept on any failure."""
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
            feeder = Feeder(process, archive)
            assert process.stdout is not None
            copied = _copy(process.stdout, conn, database.schema, manifest, on_rows)
            feeder.join()
        feeder.check(manifest)
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(log, trigger))
        if copied != manifest.tables:
            raise BackupError(f"{archive.path}: its dump holds {copied} rows, its manifest "
                              f"records {manifest.tables}")  # fmt: skip
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s, %s)",
            (f'"{database.schema}"."{LOG_TABLE}"', max(manifest.last_position, 1),
             manifest.last_position > 0),
        )  # fmt: skip
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
    lines: Iterable[bytes], conn: psycopg.Connection, schema: str, manifest: Manifest,
    on_rows: Callable[[int], None] | None,
) -> dict[str, int]:  # fmt: skip
    """Sends each COPY block of pg_restore's script to the same table in `schema`; the rows
    of each table. The rest of the script (settings, a sequence's value) is not run."""
    copied: dict[str, int] = {}
    total = 0
    for table, columns, rows in blocks(lines):
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(schema, table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        count, batch = 0, bytearray()
        with conn.cursor().copy(statement) as copy:
            for row in rows:
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
    return copied


def blocks(lines: Iterable[bytes]) -> Iterator[tuple[str, list[str], Iterator[bytes]]]:
    """Each COPY block of a script: its table, its columns and its rows (text format, one a
    line); the rows are to be read before the next block."""
    stream = iter(lines)
    for line in stream:
        if line.startswith(b"COPY "):
            table, columns = _header(line.rstrip(b"\n"))
            yield table, columns, _until_end(stream, table)


def _until_end(stream: Iterator[bytes], table: str) -> Iterator[bytes]:
    for row in stream:
        if row == END:
            return
        yield row
    raise BackupError(f"its dump ends inside the rows of {table}")


def _header(line: bytes) -> tuple[str, list[str]]:
    match = _HEADER.match(line)
    if match is None:
        raise BackupError(f"its dump copies rows Guichet does not restore: {line[:80]!r}")
    table = match.group(1).decode()
    columns = [c.strip() for c in match.group(2).decode().split(",")]
    if table not in TABLES or not all(_COLUMN.match(c) for c in columns):
        raise BackupError(f"its dump copies rows into {table}, which Guichet does not restore")
    return table, columns


class Feeder(threading.Thread):
    """Gives the archive's dump to a program's standard input, hashing it on the way."""

    def __init__(
        self, process: subprocess.Popen[bytes], archive: Archive, *, tolerate_close: bool = False
    ) -> None:
        super().__init__(name="backup-feeder", daemon=True)
        self.process, self.archive, self.tolerate_close = process, archive, tolerate_close
        self.digest = hashlib.sha256()
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        stdin: IO[bytes] | None = self.process.stdin
        assert stdin is not None
        try:
            for chunk in self.archive.chunks():
                self.digest.update(chunk)
                stdin.write(chunk)
        except BrokenPipeError as error:
            if not self.tolerate_close:
                self.error = error
        except BaseException as error:
            self.error = error
        finally:
            with contextlib.suppress(BrokenPipeError):
                stdin.close()

    def check(self, manifest: Manifest) -> None:
        if isinstance(self.error, BackupError):
            raise self.error
        if self.error is not None:
            raise BackupError(f"{self.archive.path}: cannot read it whole ({self.error})")
        if self.digest.hexdigest() != manifest.dump_sha256:
            raise BackupError(
                f"{self.archive.path}: its dump's SHA-256 changed while it was restored "
                "(nothing restored)"
            )
