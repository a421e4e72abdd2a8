"""A backup file: a tar archive of two members, `manifest.json` then `log.dump`.

The dump is `pg_dump`'s custom format, of the tables that hold the business and nothing a
restore rebuilds; the manifest says what it holds (the log's last position, its event count
and chain head, each table's rows), the dump's size and SHA-256, and which Guichet and which
PostgreSQL made it. Tar rather than a format of Guichet's own: an operator can unpack the file
with `tar` and give the dump to PostgreSQL's own `pg_restore`.

A file is refused, naming what is wrong, when it is no regular file (a FIFO would make a
reader wait), when it is no tar archive, when its members are not these two regular files,
when the manifest cannot be read or a field of it is not of its form, when the compression
it records is not the one the dump's own header records, when the dump is shorter or longer
than the manifest says (a truncated file) or its digest differs (an altered or damaged one).
Nothing is read whole before its size is checked (`infra.backup.tar`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import re
import stat
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from infra.backup import dump_format, tar

FORMAT = "guichet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "log.dump"
MANIFEST_MAX = 64 * 1024
CHUNK = 1 << 20
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# `0.1.0`, `0.2.dev3+g1a2b3c`: a package's version (PEP 440's shape, loosely).
_PACKAGE_VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,3}([.+-]?[A-Za-z0-9]+){0,6}$")
# `18.6`, `16.4`, `17beta1`: a server's or pg_dump's version, as `server_version` says it.
_SERVER_VERSION = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,4}){0,2}([a-z]{2,5}[0-9]{0,3})?$")
# What `pg_dump --compress` was given: `gzip:1`, `none`; lz4 and zstd for a pg_dump with them.
_COMPRESSION = re.compile(r"^(none|(gzip|lz4|zstd)(:[0-9]{1,2})?)$")


class BackupError(Exception):
    """A backup that cannot be taken, read or restored, said in one line."""


@dataclass(frozen=True)
class Manifest:
    guichet: str
    postgresql: str
    pg_dump: str
    created_at: str
    schema: str
    last_position: int
    events: int
    chain_head: str
    tables: dict[str, int]
    compression: str
    dump_bytes: int
    dump_sha256: str

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"format": FORMAT, "version": FORMAT_VERSION, **asdict(self)},
            option=orjson.OPT_INDENT_2,
        )

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        """The manifest of a file, every field checked: it is read before anything trusts it."""
        try:
            found = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise BackupError(f"its manifest is not JSON ({error.msg})") from None
        if not isinstance(found, dict) or found.get("format") != FORMAT:
            raise BackupError("its manifest is not a Guichet backup's")
        if found.get("version") != FORMAT_VERSION:
            raise BackupError(
                f"its manifest is of version {found.get('version')!r}; this Guichet reads "
                f"version {FORMAT_VERSION}"
            )
        counts = ("last_position", "events", "dump_bytes")
        fields: dict[str, Any] = {
            "guichet": _field(found, "guichet", str, lambda v: _matches(_PACKAGE_VERSION, v)),
            "created_at": _field(found, "created_at", str, _utc_time),
            "compression": _field(
                found, "compression", str, lambda v: bool(_COMPRESSION.fullmatch(v))
            ),
        }
        for name in ("postgresql", "pg_dump"):
            fields[name] = _field(found, name, str, lambda v: _matches(_SERVER_VERSION, v))
        for name in counts:
            fields[name] = _field(found, name, int, lambda v: v >= 0)
        fields["schema"] = _field(found, "schema", str, lambda v: bool(_NAME.fullmatch(v)))
        fields["dump_sha256"] = _field(
            found, "dump_sha256", str, lambda v: bool(_HEX64.fullmatch(v))
        )
        # An empty log has no chain head.
        fields["chain_head"] = _field(
            found, "chain_head", str, lambda v: v == "" or bool(_HEX64.fullmatch(v))
        )
        tables = _field(found, "tables", dict, lambda v: 0 < len(v) <= 20)
        for table, rows in tables.items():
            if not _NAME.fullmatch(table) or type(rows) is not int or rows < 0:
                raise BackupError(f"its manifest's tables are unreadable ({table!r})")
        fields["tables"] = tables
        return cls(**fields)


def _matches(pattern: re.Pattern[str], value: str) -> bool:
    return len(value) <= 64 and bool(pattern.fullmatch(value))


def _utc_time(value: str) -> bool:
    """An ISO 8601 time with its offset (`2026-12-06T10:00:00+00:00`), as a backup writes it."""
    if len(value) > 40 or not value[:4].isdigit():
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _field(found: dict[str, Any], name: str, kind: type, valid: Callable[[Any], bool]) -> Any:
    value = found.get(name)
    if type(value) is not kind or not valid(value):
        raise BackupError(f"its manifest's {name} is missing or invalid")
    return value


@contextlib.contextmanager
def beside(target: Path, suffix: str) -> Iterator[Path]:
    """A temporary file in `target`'s folder (same file system, so a rename is atomic),
    removed on leaving whatever happens, Ctrl-C included, unless renamed."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def write(target: Path, manifest: Manifest, dump: Path) -> None:
    """Writes the archive next to `target`, syncs it to disk, then renames it to `target`:
    a reader finds the whole file or none (the file before, when there was one)."""
    with beside(target, ".partial") as partial:
        with partial.open("wb") as out:
            with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
                text = manifest.to_json()
                archive.addfile(_member(MANIFEST, len(text)), io.BytesIO(text))
                with dump.open("rb") as data:
                    archive.addfile(_member(DUMP, manifest.dump_bytes), data)
            out.flush()
            os.fsync(out.fileno())
        partial.chmod(0o600)
        os.replace(partial, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _opened(path: Path) -> BinaryIO:
    """The file, opened without waiting (a FIFO would block a plain open until a writer
    comes) and refused unless it is a regular file; any error of the path in one line."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except PermissionError:
        raise BackupError(f"{path}: permission denied") from None
    except OSError as error:
        raise BackupError(f"{path}: cannot open it ({error.strerror or error})") from None
    try:
        mode = os.fstat(handle).st_mode
        if stat.S_ISDIR(mode):
            raise BackupError(f"{path}: is a folder, not a backup file")
        if not stat.S_ISREG(mode):
            raise BackupError(f"{path}: is {_kind(mode)}, not a backup file")
        os.set_blocking(handle, True)
        return os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))  # fmt: skip
    return next((name for test, name in kinds if test(mode)), "no regular file")


def _member(name: str, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = size
    member.mode = 0o600
    member.mtime = int(time.time())
    return member


class Archive:
    """A backup file opened for reading: its manifest read and checked against the dump's
    size and header; `chunks()` gives the dump to read, `check_digest()` reads it all.

    Its two members' headers are read by `infra.backup.tar`, every size bounded, rather
    than by `tarfile`, which reads a pax header whole whatever size it claims."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = _opened(path)
        try:
            self.manifest, self._dump = self._read()
        except BaseException:
            self._file.close()
            raise

    def _member(self, offset: int, before: str) -> tar.Member | None:
        try:
            return tar.next_member(self._file, offset)
        except tar.TarError as error:
            if error.truncated:
                raise BackupError(f"{self.path} is truncated: it ends {before} ({error})") from None
            raise BackupError(f"{self.path} is not a Guichet backup: {error}") from None

    def _members(self) -> list[tar.Member]:
        try:
            first = tar.next_member(self._file, 0)
        except tar.TarError as error:
            if error.truncated or error.foreign:
                raise BackupError(
                    f"{self.path} is not a Guichet backup: not a tar archive ({error})"
                ) from None
            raise BackupError(
                f"{self.path} is not a Guichet backup: it begins with {error}"
            ) from None
        if first is None:
            raise BackupError(f"{self.path} is not a Guichet backup: not a tar archive (empty)")
        second = self._member(tar.after(first), "before its dump")
        if second is None and self._size() < tar.after(first) + tar.BLOCK:
            raise BackupError(f"{self.path} is truncated: it ends before its dump")
        return [first] if second is None else [first, second]

    def _size(self) -> int:
        return os.fstat(self._file.fileno()).st_size

    def _read(self) -> tuple[Manifest, tar.Member]:
        members = self._members()
        names = [member.name for member in members]
        if names != [MANIFEST, DUMP]:
            raise BackupError(
                f"{self.path} is not a Guichet backup: it holds {', '.join(names)}"
                f" instead of {MANIFEST} then {DUMP}"
            )
        for member in members:
            if not member.regular:
                raise BackupError(
                    f"{self.path} is not a Guichet backup: its {member.name} is "
                    f"{member.described()}, not a file"
                )
        first, dump = members
        if first.size > MANIFEST_MAX:
            raise BackupError(f"{self.path}: its manifest is {first.size:,} bytes, too large")
        try:
            manifest = Manifest.parse(self._bytes(first.offset, first.size))
        except BackupError as error:
            raise BackupError(f"{self.path}: {error}") from None
        if dump.size != manifest.dump_bytes:
            raise BackupError(
                f"{self.path}: its dump is {dump.size:,} bytes but the manifest records "
                f"{manifest.dump_bytes:,}: the file was altered"
            )
        size, needed = self._size(), dump.offset + dump.size
        if size < needed:
            raise BackupError(
                f"{self.path} is truncated: it is {size:,} bytes, its dump ends at byte "
                f"{needed:,} ({needed - size:,} bytes missing)"
            )
        found = self._member(tar.after(dump), f"after its {DUMP}")
        if found is not None:
            raise BackupError(f"{self.path}: unexpected member {found.name} after {DUMP}")
        wrong = dump_format.consistent(
            manifest.compression, self._bytes(dump.offset, min(dump.size, 64))
        )
        if wrong is not None:
            raise BackupError(f"{self.path}: {wrong}")
        return manifest, dump

    def _bytes(self, offset: int, size: int) -> bytes:
        self._file.seek(offset)
        data = self._guarded(lambda: self._file.read(size))
        if len(data) < size:
            raise BackupError(f"{self.path} is truncated: it ends before its dump")
        return data

    def _guarded(self, read: Callable[[], bytes]) -> bytes:
        try:
            return read()
        except OSError as error:
            raise BackupError(f"{self.path}: cannot read it ({error.strerror or error})") from None

    def chunks(self, on_bytes: Callable[[int], None] | None = None) -> Iterator[bytes]:
        """The dump's bytes, a chunk at a time (a file of its own, so that two readers at
        once, a digest and a restore, do not move each other's offset)."""
        with self.path.open("rb") as data:
            data.seek(self._dump.offset)
            read = 0
            while read < self._dump.size:
                size = min(CHUNK, self._dump.size - read)
                chunk = self._guarded(functools.partial(data.read, size))
                if not chunk:
                    break
                read += len(chunk)
                if on_bytes is not None:
                    on_bytes(read)
                yield chunk
        if read != self._dump.size:
            raise BackupError(
                f"{self.path} is truncated: its dump has {read:,} of its {self._dump.size:,} bytes"
            )

    def check_digest(self, on_bytes: Callable[[int], None] | None = None) -> None:
        digest = hashlib.sha256()
        for chunk in self.chunks(on_bytes):
            digest.update(chunk)
        found = digest.hexdigest()
        if found != self.manifest.dump_sha256:
            raise BackupError(
                f"{self.path}: its dump's SHA-256 is {found}, the manifest records "
                f"{self.manifest.dump_sha256}: the file was altered or damaged"
            )

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
