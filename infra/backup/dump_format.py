"""What the header of a `pg_dump` custom-format file says about its compression.

The header (`WriteHead` in PostgreSQL's `pg_backup_archiver.c`) is `PGDMP`, the archive's
version as three bytes, the sizes of an integer and of an offset, the format (1: custom),
then, from archive version 1.15 (PostgreSQL 16), the compression algorithm as one byte; before
it, the gzip level as an integer (a sign byte, then `intSize` bytes, least significant first).
The level is not recorded from 1.15 on, so a manifest's `gzip:6` is checked as gzip.
"""

from __future__ import annotations

MAGIC = b"PGDMP"
CUSTOM = 1
ALGORITHMS = {0: "none", 1: "gzip", 2: "lz4", 3: "zstd"}


class NotADump(ValueError):
    """A header that is not one of `pg_dump`'s custom format."""


def compression(head: bytes) -> str:
    """The compression a custom-format dump's first bytes record: none, gzip, lz4 or zstd."""
    if not head.startswith(MAGIC) or len(head) < 12:
        raise NotADump("it does not begin as pg_dump's custom format does (PGDMP)")
    major, minor, _revision, int_size, _offset_size, kind = head[5:11]
    if (major, minor) < (1, 12) or major > 1 or not 1 <= int_size <= 8:
        raise NotADump(f"its archive version {major}.{minor} is not one pg_restore reads")
    if kind != CUSTOM:
        raise NotADump(f"it is pg_dump's format {kind}, not the custom format")
    if (major, minor) >= (1, 15):
        algorithm = ALGORITHMS.get(head[11])
        if algorithm is None:
            raise NotADump(f"it records an unknown compression ({head[11]})")
        return algorithm
    level = head[12 : 12 + int_size]
    if len(level) < int_size:
        raise NotADump("its header is cut short")
    return "gzip" if int.from_bytes(level, "little") else "none"


def consistent(recorded: str, head: bytes) -> str | None:
    """Why a manifest's compression (`gzip:1`, `none`) differs from the dump's header, or
    None when they agree."""
    try:
        found = compression(head)
    except NotADump as error:
        return f"its dump is not pg_dump's custom format: {error}"
    expected = recorded.split(":", 1)[0]
    if found != expected:
        return (
            f"its manifest records the compression {recorded}, its dump's header {found}: the "
            "file was altered"
        )
    return None
