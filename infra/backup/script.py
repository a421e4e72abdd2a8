"""Reading `pg_restore`'s script of a dump: the dump given to its standard input (hashed on the
way), and the COPY blocks of its output, each table checked against those Guichet restores."""

from __future__ import annotations

import contextlib
import hashlib
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from typing import IO

from infra.backup.archive import Archive, BackupError, Manifest
from infra.backup.dump import TABLES

_HEADER = re.compile(
    rb'^COPY (?:"?[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"? \(([a-z0-9_, ]*)\) FROM stdin;$'
)
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*$")
END = b"\\.\n"


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
