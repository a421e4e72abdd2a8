"""The base of every business fact: who did it and when it happened."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.limits import PERSON_MAX
from domain.text import check, check_stored

# The library's own fields, never text from outside.
_LIBRARY_FIELDS = frozenset({"originator_id", "originator_version", "timestamp"})


class Fact(Aggregate.Event):
    """A past-tense business fact.

    `timestamp` (from the library) is when Guichet recorded the fact; `occurred_at` is when
    it happened in the world, which differs for facts entered after the event. Both, and
    the actor, are given by the caller: the domain never reads a clock.

    A fact refuses, when it is made, any text a view could not store (`domain.text`); facts
    read back from the log are not made again, so old ones still load.
    """

    actor: str
    occurred_at: datetime

    def __post_init__(self) -> None:
        super().__post_init__()
        # Whoever the door, the actor is a name: a token's, a counsellor's, or a command's.
        check("actor", self.actor, max_length=PERSON_MAX)
        for field in dataclasses.fields(self):
            if field.name not in _LIBRARY_FIELDS:
                check_stored(field.name, getattr(self, field.name))
