"""A record's whole state at one of its versions, so a past state is rebuilt from the nearest
snapshot and the facts after it rather than from the record's first fact.

A record's state holds values its facts never carry (enumerations, tuples, sets, working
objects such as a contact's needs), and JSON would give them back as strings, lists and dicts:
a record read from a snapshot would then differ from one read from its facts. So the state is
written with each value's kind, and read back to the same types.

Snapshots are derived: every one can be taken again from the log, and the audit chain covers
the facts, not them.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from eventsourcing import domain
from eventsourcing.utils import get_topic, register_topic, resolve_topic

# Versions between two snapshots of a record: a past state replays at most this many facts.
INTERVAL = 100

ENUM, TUPLE, SET, FROZENSET, DICT, OBJECT = "~enum", "~tuple", "~set", "~frozenset", "~dict", "~obj"


class Snapshot(domain.Snapshot):
    TOPIC = "guichet.Snapshot"

    @classmethod
    def take(cls, aggregate: Any) -> Snapshot:
        state = dict(vars(aggregate))
        for bookkeeping in ("_id", "_version", "_pending_events"):
            state.pop(bookkeeping)
        class_version = getattr(type(aggregate), "class_version", 1)
        if class_version > 1:  # so an upcast can bring an old snapshot forward
            state["class_version"] = class_version
        # Dated by the last fact it includes, as the domain reads no clock.
        return cls(
            originator_id=aggregate.id, originator_version=aggregate.version,
            timestamp=aggregate.modified_on, topic=get_topic(type(aggregate)),
            state={name: tagged(value) for name, value in state.items()},
        )  # fmt: skip

    def mutate(self, _: None) -> Any:
        state = {name: untagged(value) for name, value in self.state.items()}
        return domain.Snapshot.mutate(dataclasses.replace(self, state=state), None)


def tagged(value: Any) -> Any:
    """The value in JSON's terms, with the kind of each value JSON would not give back."""
    if isinstance(value, Enum):
        return {ENUM: get_topic(type(value)), "value": value.value}
    if isinstance(value, tuple | set | frozenset):
        tag = TUPLE if isinstance(value, tuple) else SET if isinstance(value, set) else FROZENSET
        return {tag: [tagged(item) for item in value]}
    if isinstance(value, list):
        return [tagged(item) for item in value]
    if isinstance(value, dict):
        return {DICT: [[tagged(key), tagged(item)] for key, item in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: tagged(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {OBJECT: get_topic(type(value)), "fields": fields}
    return value  # a scalar, or a value the event store's transcoder writes (dates, ids)


def untagged(value: Any) -> Any:
    if isinstance(value, list):
        return [untagged(item) for item in value]
    if not isinstance(value, dict):
        return value
    if ENUM in value:
        return resolve_topic(value[ENUM])(value["value"])
    if DICT in value:
        return {untagged(key): untagged(item) for key, item in value[DICT]}
    if OBJECT in value:
        # Restored as it was, not built again: its checks ran when it was made.
        obj = object.__new__(resolve_topic(value[OBJECT]))
        for name, item in value["fields"].items():
            object.__setattr__(obj, name, untagged(item))
        return obj
    [(tag, items)] = value.items()
    kind = {TUPLE: tuple, SET: set, FROZENSET: frozenset}[tag]
    return kind(untagged(item) for item in items)


# Resolved by its topic when read back, possibly before this process has taken one.
register_topic(Snapshot.TOPIC, Snapshot)
