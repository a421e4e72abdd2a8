"""The search read model: one document per service at a location, as a search result shows it.

Its inputs are the current fields of organizations, services, locations and links, folded
from the same field changes the history records; a page then rebuilds every document whose
inputs it touched.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any
from uuid import UUID

from domain.values import taxonomy_ancestors
from projections.base import Positioned
from projections.history import FIELDS
from projections.history import TOPICS as HISTORY_TOPICS

TOPICS = tuple(topic for topic in HISTORY_TOPICS if "Territory" not in topic)

Fields = dict[str, Any]


def fold(page: Iterable[Positioned], records: MutableMapping[UUID, Fields]) -> set[UUID]:
    """Applies the page's field changes to `records`; returns the records it changed.

    A service's `categories` are its taxonomy codes with all their ancestors, so that a search
    for a category finds what is coded below it.
    """
    changed: set[UUID] = set()
    for item in page:
        fields = FIELDS.get(type(item.event))
        if fields is None:
            continue
        record = records.setdefault(item.event.originator_id, {})
        record.update(fields(item.event))
        if "taxonomy_codes" in record:
            codes = record["taxonomy_codes"] or []
            record["categories"] = sorted(
                {c for code in codes for c in (code, *taxonomy_ancestors(code))}
            )
        changed.add(item.event.originator_id)
    return changed
