"""A value with the type of each of its parts, so two records compare equal only if alike:
`"phone"` and `ContactChannel.PHONE`, or a tuple and a list, are equal in Python but not here."""

from __future__ import annotations

import dataclasses
from typing import Any


def typed(value: Any) -> Any:
    kind = type(value).__qualname__
    if isinstance(value, dict):
        return kind, {repr(typed(key)): typed(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return kind, sorted(repr(typed(item)) for item in value)
    if isinstance(value, list | tuple):
        return kind, [typed(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return kind, {f.name: typed(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return kind, value


def record_state(aggregate: object) -> Any:
    """Everything a record holds but the facts it has yet to save."""
    return typed({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})
