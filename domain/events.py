"""The base of every business fact: who did it and when it happened."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate


class Fact(Aggregate.Event):
    """A past-tense business fact.

    `timestamp` (from the library) is when Guichet recorded the fact; `occurred_at` is when
    it happened in the world, which differs for facts entered after the event. Both, and
    the actor, are given by the caller: the domain never reads a clock.
    """

    actor: str
    occurred_at: datetime
