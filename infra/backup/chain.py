"""The chain of the events a dump holds, recomputed without any database (`guichet backup
--verify`): every event's stored chain must be the one its content and the event before it
give, and the last one must be the head the manifest records.

`pg_dump` copies a table in the order its rows are stored, which is not always the log's
order (a log chained by an older Guichet had its rows rewritten). Rows that come in the log's
order are checked in one pass; otherwise the dump is read a second time, each event's content
checked against the stored chain of the position before it, whatever order the rows come in.
"""

from __future__ import annotations

import bisect
import itertools
import re
import subprocess
from array import array
from collections.abc import Callable, Iterator
from uuid import UUID

from infra.audit_chain import link
from infra.backup import script, tools
from infra.backup.archive import Archive, BackupError
from infra.views.base import LOG_TABLE

# Events between two reports of progress (the bar itself draws at most every few seconds).
REPORT_EVERY = 1_000
COLUMNS = ("notification_id", "originator_id", "originator_version", "topic", "state", "chain")
NULL = b"\\N"
# COPY's text format escapes a backslash, and control characters, with a backslash.
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_NAMED = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def unescape(field: bytes) -> bytes:
    if b"\\" not in field:
        return field

    def one(match: re.Match[bytes]) -> bytes:
        octal, hexa, other = match.groups()
        if octal:
            return bytes([int(octal, 8) & 0xFF])
        if hexa:
            return bytes([int(hexa, 16)])
        return _NAMED.get(other, other)

    return _ESCAPE.sub(one, field)


def bytea(field: bytes) -> bytes | None:
    if field == NULL:
        return None
    text = unescape(field)
    if not text.startswith(b"\\x"):
        raise BackupError("its dump holds a bytea value not in hex")
    return bytes.fromhex(text[2:].decode())


def _log_rows(archive: Archive) -> Iterator[list[bytes]]:
    """The log's rows in the dump, each as its fields in `COLUMNS`' order."""
    command = [str(tools.program("pg_restore")), "--data-only", "--file=-", f"--table={LOG_TABLE}"]
    with tools.running(command, stdin=subprocess.PIPE) as process:
        feeder = script.Feeder(process, archive)
        assert process.stdout is not None
        for table, columns, rows in script.blocks(process.stdout):
            if table != LOG_TABLE or sorted(columns) != sorted(COLUMNS):
                raise BackupError(f"its dump's {table} has the columns {', '.join(columns)}")
            index = [columns.index(name) for name in COLUMNS]
            for row in rows:
                fields = row.rstrip(b"\n").split(b"\t")
                if len(fields) != len(columns):
                    raise BackupError(f"its dump holds a row of {len(fields)} fields in {table}")
                yield [fields[i] for i in index]
        feeder.join()
    feeder.check(archive.manifest)


def check(archive: Archive, on_events: Callable[[int], None] | None = None) -> None:
    """Raises BackupError, naming the first broken link or the difference with the manifest."""
    where = f"{archive.path}:"
    try:
        positions, chains, follower = _stored(archive, on_events)
        if not follower.ordered:
            _links(archive, positions, chains, on_events)
        elif follower.broken_at is not None:
            raise BackupError(broken(follower.broken_at))
    except (ValueError, IndexError) as error:
        raise BackupError(f"{where} its dump holds an unreadable event ({error})") from None
    except BackupError as error:
        said = str(error)
        raise BackupError(said if said.startswith(where) else f"{where} {said}") from None
    manifest = archive.manifest
    events, last = len(positions), positions[-1] if positions else 0
    head = chains[-32:].hex() if positions else ""
    if (events, last, head) != (manifest.events, manifest.last_position, manifest.chain_head):
        raise BackupError(
            f"{where} its {events:,} events end at position {last:,} on chain head "
            f"{head or 'none'}, its manifest records {manifest.events:,} events up to position "
            f"{manifest.last_position:,} and chain head {manifest.chain_head or 'none'}"
        )


MISMATCH = "its stored chain is not the one its content and the event before it give"


def broken(position: int) -> str:
    return f"the chain of its events is broken at position {position}: {MISMATCH}"


def _stored(
    archive: Archive, on_events: Callable[[int], None] | None
) -> tuple[array[int], bytearray, Follower]:
    """Every position, sorted, and the stored chains in the same order (32 bytes each), and
    the follower that checked each link on the way, valid when the rows came in order."""
    positions, chains = array("q"), bytearray()
    follower = Follower(list(COLUMNS))
    for count, fields in enumerate(_log_rows(archive), start=1):
        position, chain = follower.follow(fields)
        positions.append(position)
        chains += chain
        if on_events is not None and count % REPORT_EVERY == 0:
            on_events(count)
    if on_events is not None:
        on_events(len(positions))  # the last count, or a bar of a small log stays at 0
    if not follower.ordered:
        order = sorted(range(len(positions)), key=positions.__getitem__)
        chains = bytearray(b"".join(bytes(chains[i * 32 : i * 32 + 32]) for i in order))
        positions = array("q", (positions[i] for i in order))
        if any(a == b for a, b in itertools.pairwise(positions)):
            raise BackupError("its dump holds two events at one position")
    return positions, chains, follower


def _matches(previous: bytes, position: int, fields: list[bytes], stored: bytes) -> bool:
    payload = bytea(fields[4]) or b""
    expected = link(previous, position, unescape(fields[3]).decode(), UUID(fields[1].decode()),
                    int(fields[2]), payload)  # fmt: skip
    return expected == stored


def _links(
    archive: Archive, positions: array[int], chains: bytearray,
    on_events: Callable[[int], None] | None,
) -> None:  # fmt: skip
    """Each link checked against the stored chain of the position before it, in any order."""
    for count, fields in enumerate(_log_rows(archive), start=1):
        position = int(fields[0])
        at = bisect.bisect_left(positions, position)
        previous = bytes(chains[(at - 1) * 32 : at * 32]) if at else b""
        if not _matches(previous, position, fields, bytes(chains[at * 32 : (at + 1) * 32])):
            raise BackupError(broken(position))
        if on_events is not None and count % REPORT_EVERY == 0:
            on_events(count)
    if on_events is not None:
        on_events(len(positions))


class Follower:
    """Checks the chain of the log's rows in the order they come, which is the log's order
    unless a row comes after one of a later position (`ordered` is then False, and the rows
    are checked again in the log's order). A link that does not match in ordered rows is a
    broken chain (`broken_at`)."""

    def __init__(self, columns: list[str]) -> None:
        if sorted(columns) != sorted(COLUMNS):
            raise BackupError(f"its dump's {LOG_TABLE} has the columns {', '.join(columns)}")
        self.index = [columns.index(name) for name in COLUMNS]
        self.head, self.last, self.events = b"", 0, 0
        self.ordered = True
        self.broken_at: int | None = None

    def __call__(self, row: bytes) -> None:
        if not self.ordered:
            return  # checked again in the log's order: no need to read the rest
        found = row.rstrip(b"\n").split(b"\t")
        self.follow([found[i] for i in self.index])

    def follow(self, fields: list[bytes]) -> tuple[int, bytes]:
        """Checks one row's fields (in `COLUMNS`' order); its position and stored chain."""
        position, chain = int(fields[0]), bytea(fields[5])
        if chain is None or len(chain) != 32:
            raise BackupError(f"the event at position {position} has no chain")
        self.ordered = self.ordered and position > self.last
        if (
            self.ordered
            and self.broken_at is None
            and not _matches(self.head, position, fields, chain)
        ):
            self.broken_at = position
        self.head, self.last, self.events = chain, max(self.last, position), self.events + 1
        return position, chain
