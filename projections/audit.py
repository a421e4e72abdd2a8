"""Field changes read from a stream of facts: what each fact set, and what it was before.

A fact's fields are the values it sets; a field's value before the fact is the one the last
earlier fact of the same record set (nothing before the record's first fact).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def changes(facts: Iterable[Mapping[str, Any]]) -> Iterator[list[Change]]:
    """For each fact's fields in stream order, the fields whose value it changed."""
    known: dict[str, Any] = {}
    for fields in facts:
        found = [
            Change(name, known.get(name), value)
            for name, value in fields.items()
            if name not in known or known[name] != value
        ]
        known.update(fields)
        yield found


def plain(value: Any) -> Any:
    """A stored value as JSON shows it: dates and times the transcoder wrapped become text."""
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            return plain(value["_data_"])
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
