"""A backup file: a tar archive of two members, `manifest.json` then `log.dump`.

The dump is `pg_dump`'s custom format, of the tables that hold the business and nothing a
restore rebuilds; the manifest says what it holds (the log's last position, its event count
and chain head, each table's rows), the dump's size and SHA-256, and which Guichet and which
PostgreSQL made it. Tar rather than a format of Guichet's own: an operator can unpack the file
with `tar` and give the dump to PostgreSQL's own `pg_restore`.

A file is refused, naming what is wrong, when it is no tar archive, when its members are not
these two, when the manifest cannot be read, when the dump is shorter or longer than the
manifest says (a truncated file) or its digest differs (an altered or damaged one).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import orjson

FORMAT = "guichet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "log.dump"
MANIFEST_MAX = 64 * 1024
CHUNK = 1 << 20
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


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
        texts = ("guichet", "postgresql", "pg_dump", "created_at", "compression")
        counts = ("last_position", "events", "dump_bytes")
        fields: dict[str, Any] = {}
        for name in texts:
            fields[name] = _field(found, name, str, lambda v: 0 < len(v) <= 200)
        for name in counts:
            fields[name] = _field(found, name, int, lambda v: v >= 0)
        fields["schema"] = _field(found, "schema", str, lambda v: bool(_NAME.match(v)))
        fields["dump_sha256"] = _field(found, "dump_sha256", str, lambda v: bool(_HEX64.match(v)))
        # An empty log has no chain head.
        fields["chain_head"] = _field(
            found, "chain_head", str, lambda v: v == "" or bool(_HEX64.match(v))
        )
        tables = _field(found, "tables", dict, lambda v: 0 < len(v) <= 20)
        for table, rows in tables.items():
            if not _NAME.match(table) or type(rows) is not int or rows < 0:
                raise BackupError(f"its manifest's tables are unreadable ({table!r})")
        fields["tables"] = tables
        return cls(**fields)


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


def _member(name: str, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = size
    member.mode = 0o600
    member.mtime = int(time.time())
    return member


class Archive:
    """A backup file opened for reading: its manifest read and checked against the dump's
    size; `chunks()` gives the dump to read, `check_digest()` reads it all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stack = contextlib.ExitStack()
        try:
            # Closed by `close()`: the archive is read after the constructor returns.
            self._tar = self._stack.enter_context(tarfile.open(path, mode="r:"))  # noqa: SIM115
        except FileNotFoundError:
            raise BackupError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise BackupError(f"{path}: is a folder, not a backup file") from None
        except PermissionError:
            raise BackupError(f"{path}: permission denied") from None
        except (tarfile.TarError, EOFError) as error:
            raise BackupError(
                f"{path} is not a Guichet backup: not a tar archive ({error})"
            ) from None
        try:
            self.manifest, self._dump = self._read()
        except BaseException:
            self._stack.close()
            raise

    def _members(self) -> list[tarfile.TarInfo]:
        """The first members; reading past a member whose data the file cuts short fails,
        which `_read` says as a truncation once it knows what the dump should be."""
        members: list[tarfile.TarInfo] = []
        try:
            while len(members) < 3 and (member := self._tar.next()) is not None:
                members.append(member)
        except (tarfile.TarError, EOFError) as error:
            if len(members) < 2:
                raise BackupError(
                    f"{self.path} is truncated: it ends before its dump ({error})"
                ) from None
        return members

    def _read(self) -> tuple[Manifest, tarfile.TarInfo]:
        members = self._members()
        names = [member.name for member in members]
        if names[:2] != [MANIFEST, DUMP] or not all(m.isfile() for m in members[:2]):
            raise BackupError(
                f"{self.path} is not a Guichet backup: it holds {', '.join(names) or 'nothing'}"
                f" instead of {MANIFEST} then {DUMP}"
            )
        if len(members) > 2:
            raise BackupError(f"{self.path}: unexpected member {names[2]} after {DUMP}")
        if members[0].size > MANIFEST_MAX:
            raise BackupError(f"{self.path}: its manifest is {members[0].size:,} bytes, too large")
        try:
            manifest = Manifest.parse(self._read_all(members[0]))
        except BackupError as error:
            raise BackupError(f"{self.path}: {error}") from None
        dump = members[1]
        if dump.size != manifest.dump_bytes:
            raise BackupError(
                f"{self.path}: its dump is {dump.size:,} bytes but the manifest records "
                f"{manifest.dump_bytes:,}: the file was altered"
            )
        size, needed = self.path.stat().st_size, dump.offset_data + dump.size
        if size < needed:
            raise BackupError(
                f"{self.path} is truncated: it is {size:,} bytes, its dump ends at byte "
                f"{needed:,} ({needed - size:,} bytes missing)"
            )
        return manifest, dump

    def _read_all(self, member: tarfile.TarInfo) -> bytes:
        with self._open(member) as data:
            return self._guarded(data.read)

    def _open(self, member: tarfile.TarInfo) -> IO[bytes]:
        data = self._tar.extractfile(member)
        assert data is not None  # a regular file, checked
        return data

    def _guarded(self, read: Callable[[], bytes]) -> bytes:
        try:
            return read()
        except (tarfile.TarError, EOFError, OSError) as error:
            raise BackupError(
                f"{self.path} is truncated: it ends inside its dump ({error})"
            ) from None

    def chunks(self, on_bytes: Callable[[int], None] | None = None) -> Iterator[bytes]:
        """The dump's bytes, a chunk at a time."""
        with self._open(self._dump) as data:
            read = 0
            while True:
                chunk = self._guarded(lambda: data.read(CHUNK))
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
        self._stack.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
