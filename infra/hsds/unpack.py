"""Unpacking a package's files from a folder or a zip, within bounds: a hostile package may be
a small zip of millions of rows, or hold links to files outside it."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

# Bounds on what a package may unpack to: a large state's export holds a few hundred
# thousand rows and tens of megabytes; a 44 kB zip of 15 million short rows held 6.5 GB.
MAX_FILE_BYTES = 256 * 2**20
MAX_PACKAGE_BYTES = 1024 * 2**20
MAX_ROWS = 1_000_000
# A row of a CSV holds a cell for each column, filled in when the row is short: a wide header
# over many short rows costs its width each, so columns and cells are bounded too. HSDS tables
# have a few dozen columns.
MAX_COLUMNS = 500
MAX_CELLS = 10_000_000
# JSON is parsed whole before its rows are counted; a parsed object holds about ten times its
# text, so JSON files are bounded more tightly, and their objects counted while parsing.
MAX_JSON_BYTES = 128 * 2**20
MAX_JSON_OBJECTS = 2_000_000


class PackageError(ValueError):
    """The path is not something HSDS can be read from."""


def folder_files(root: Path) -> Iterator[tuple[str, bytes]]:
    inside = root.resolve()
    sizes = Sizes(str(root))
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in (".json", ".csv") or not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        # A link could bring a file from outside the package (a private file) into the
        # directory; links within the package are read as their targets.
        if not path.resolve().is_relative_to(inside):
            raise PackageError(f"{name}: a link to a file outside the package; copy the file in")
        yield name, read_file(path, name, sizes)


def read_file(path: Path, name: str, sizes: Sizes) -> bytes:
    """A file of the package, within the bounds; a file with other names (a hard link) may be
    one outside the package, which cannot be told apart from here."""
    stat = path.stat()
    if stat.st_nlink > 1:
        raise PackageError(f"{name}: a file with other names (a hard link); copy the file in")
    sizes.add(name, stat.st_size)
    return path.read_bytes()


def zip_files(archive: zipfile.ZipFile) -> Iterator[tuple[str, bytes]]:
    sizes = Sizes(str(archive.filename))
    for info in sorted(archive.infolist(), key=lambda info: info.filename):
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/"):
            continue
        if PurePosixPath(name).suffix.lower() in (".json", ".csv"):
            sizes.check(name, info.file_size)  # as the archive declares it, before reading
            try:
                with archive.open(info) as member:
                    data = member.read(MAX_FILE_BYTES + 1)  # the declared size may lie
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError,
                    zlib.error) as error:  # fmt: skip
                # Encrypted, compressed by a method Python lacks (deflate64), or damaged.
                raise PackageError(f"{name}: cannot be unpacked ({error})") from None
            sizes.add(name, len(data))
            yield name, data


class Sizes:
    """The package's unpacked size so far, refused past the bounds before more is read."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.total = 0

    def add(self, name: str, size: int) -> None:
        self.check(name, size)
        self.total += size

    def check(self, name: str, size: int) -> None:
        if name.lower().endswith(".json") and size > MAX_JSON_BYTES:
            raise PackageError(
                f"{name}: larger than {MAX_JSON_BYTES // 2**20} MB of JSON; split the file"
            )
        if size > MAX_FILE_BYTES:
            raise PackageError(
                f"{name}: larger than {MAX_FILE_BYTES // 2**20} MB unpacked; split the package"
            )
        if self.total + size > MAX_PACKAGE_BYTES:
            raise PackageError(
                f"{self.origin}: larger than {MAX_PACKAGE_BYTES // 2**20} MB unpacked; "
                "split the package"
            )


class JsonObjects:
    """Makes each JSON object while parsing, counting them: past `MAX_JSON_OBJECTS` the file is
    refused before its objects fill memory."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.made = 0

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        self.made += 1
        if self.made > MAX_JSON_OBJECTS:
            raise PackageError(f"{self.name}: more than {MAX_JSON_OBJECTS:,} JSON objects")
        return dict(pairs)
