"""A folder an export writes into: new, empty, or one that export wrote before. A partner's
HSDS files have the same names as Guichet's; replacing them would lose the partner's data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class FolderInUse(ValueError):
    """The folder holds files that are not a package this export wrote."""


def check_folder(folder: Path, ours: Callable[[Path], bool]) -> None:
    """Refuses a file, or a folder holding anything `ours` does not recognise."""
    if folder.exists() and not folder.is_dir():
        raise FolderInUse(f"{folder} is a file; give a folder to write the package into")
    if folder.is_dir() and any(folder.iterdir()) and not ours(folder):
        raise FolderInUse(
            f"{folder} holds other files; give a new or empty folder, or one this export wrote"
        )
