"""The headers of a backup file's tar members, read with every size bounded.

`tarfile` reads a pax extended header whole into memory, whatever size its header claims: a
hostile file of a few kilobytes whose pax header claims a gibibyte (a sparse file) took 15 s
and 1.1 GB before being refused. A backup file holds two regular members, each perhaps
preceded by a pax header (which `tarfile` writes for a dump of 8 GiB or more), so this module
reads those few headers itself, refusing an extended header larger than `EXTENDED_MAX`, and
gives each member's name, kind, size and where its data starts; the data is then read from
the file at that offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

BLOCK = 512
EXTENDED_MAX = 64 * 1024
REGULAR = (b"0", b"\0", b"7")
PAX = b"x"
KINDS = {
    b"1": "a hard link", b"2": "a symbolic link", b"3": "a character device",
    b"4": "a block device", b"5": "a folder", b"6": "a FIFO", b"g": "a global pax header",
    b"L": "a GNU long name", b"K": "a GNU long link name", b"S": "a GNU sparse file",
}  # fmt: skip


class TarError(Exception):
    """A header that cannot be read: `truncated` when the file ends inside one, `foreign`
    when its checksum does not match (no tar header at all)."""

    def __init__(self, reason: str, *, truncated: bool = False, foreign: bool = False) -> None:
        super().__init__(reason)
        self.truncated = truncated
        self.foreign = foreign


@dataclass(frozen=True)
class Member:
    name: str
    kind: bytes
    size: int
    offset: int  # of its data in the file
    target: str = ""  # what a link points to

    @property
    def regular(self) -> bool:
        return self.kind in REGULAR

    def described(self) -> str:
        """What the member is, for a message naming why it is not a file."""
        what = KINDS.get(self.kind, f"of tar type {self.kind!r}")
        return f"{what} (to {self.target})" if self.target else what


def next_member(file: BinaryIO, offset: int) -> Member | None:
    """The member whose header starts at `offset`, its pax header applied; None at the end
    of the archive (a zero block, or the end of the file)."""
    block = _block(file, offset, first=True)
    if block is None:
        return None
    overrides: dict[str, str] = {}
    header = _header(block)
    if header.kind == PAX:
        if header.size > EXTENDED_MAX:
            raise TarError(f"a pax header of {header.size:,} bytes (at most {EXTENDED_MAX:,})")
        file.seek(offset + BLOCK)
        data = file.read(header.size)
        if len(data) < header.size:
            raise TarError("it ends inside a pax header", truncated=True)
        overrides = _pax_records(data)
        offset += BLOCK + _padded(header.size)
        block = _block(file, offset, first=False)
        assert block is not None
        header = _header(block)
        if header.kind == PAX:
            raise TarError("two pax headers in a row")
    size = header.size
    if "size" in overrides:
        if not overrides["size"].isdigit() or len(overrides["size"]) > 20:
            raise TarError(f"a pax size {overrides['size'][:40]!r}")
        size = int(overrides["size"])
    return Member(
        name=overrides.get("path", header.name), kind=header.kind, size=size,
        offset=offset + BLOCK, target=overrides.get("linkpath", header.target),
    )  # fmt: skip


def after(member: Member) -> int:
    """Where the header after `member` starts."""
    return member.offset + _padded(member.size)


@dataclass(frozen=True)
class _Header:
    name: str
    kind: bytes
    size: int
    target: str


def _block(file: BinaryIO, offset: int, *, first: bool) -> bytes | None:
    file.seek(offset)
    block = file.read(BLOCK)
    if first and (not block or block == bytes(BLOCK)):
        return None
    if len(block) < BLOCK:
        raise TarError("it ends inside a header", truncated=True)
    return block


def _header(block: bytes) -> _Header:
    stored = _number(block[148:156], "checksum")
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
    signed = unsigned - 256 * sum(1 for b in block[:148] + block[156:] if b >= 128)
    if stored not in (unsigned, signed):
        raise TarError("a header whose checksum does not match", foreign=True)
    name = _text(block[0:100])
    if block[257:262] == b"ustar" and block[345] != 0:
        name = f"{_text(block[345:500])}/{name}"
    return _Header(name, block[156:157], _number(block[124:136], "size"), _text(block[157:257]))


def _number(field: bytes, what: str) -> int:
    if field and field[0] & 0x80:  # GNU base-256, for sizes of 8 GiB or more
        return int.from_bytes(field[1:], "big") if field[0] == 0x80 else _refuse(what)
    text = field.split(b"\0", 1)[0].strip(b" ")
    if not text or len(text) > 12 or any(c not in b"01234567" for c in text):
        return _refuse(what)
    return int(text, 8)


def _refuse(what: str) -> int:
    raise TarError(f"a header whose {what} is unreadable")


def _text(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "replace")


def _padded(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _pax_records(data: bytes) -> dict[str, str]:
    """`LENGTH KEY=VALUE\\n` records (POSIX pax), each length counting its whole record."""
    records: dict[str, str] = {}
    at = 0
    while at < len(data) and data[at] != 0:
        space = data.find(b" ", at, at + 21)
        length = data[at:space]
        if space < 0 or not length.isdigit() or int(length) < space - at + 3:
            raise TarError("a pax header that is unreadable")
        record = data[space + 1 : at + int(length)]
        key, equals, value = record.partition(b"=")
        if not equals or not record.endswith(b"\n"):
            raise TarError("a pax header that is unreadable")
        records[key.decode("utf-8", "replace")] = value[:-1].decode("utf-8", "replace")
        at += int(length)
    return records
