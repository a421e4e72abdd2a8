"""The shape every projection has: the facts it reads and how a page of them changes rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Positioned:
    """A domain event with its position in the log."""

    event: Any
    position: int


class View(Protocol):
    """A read model the runner keeps up to date.

    `apply_page` writes the page's effect and the tracking position in one transaction and
    must refuse (raise) when the position is not beyond the one already tracked.
    """

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]: ...

    @property
    def applied_in_database(self) -> Sequence[str]:
        """Topics among `topics` the view applies in the database itself, by position range:
        the runner neither fetches nor decodes their payloads."""
        ...

    def create(self) -> None: ...

    def drop(self) -> None: ...

    def rebuilt(self) -> None: ...

    def prepare(self) -> None:
        """Makes what the view writes to besides its tables (a search index), or resumes it;
        called by the process that runs the view, holding its lock, before any page."""
        ...

    def caught_up(self) -> None:
        """Called by that process each time the view has reached the head of the log."""
        ...

    def position(self) -> int: ...

    def decode(self, mapper: Any, stored: Any) -> Any:
        """The fact a stored event becomes for this view (usually the domain event)."""
        ...

    def load_in_database(self, start: int, end: int) -> int:
        """Applies the facts of `applied_in_database` after `start` up to `end` in a
        transaction of its own, without tracking; returns how many."""
        ...

    def apply_page(self, page: Sequence[Positioned], start: int, end: int) -> None:
        """Applies the facts after `start` up to `end` (the page holds those decoded) and
        tracks `end`."""
        ...
