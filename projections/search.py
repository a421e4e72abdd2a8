"""The search read model: one document per service at a location, as a search result shows it.

Its inputs are the current fields of organizations, services, locations and links, folded
from the same field changes the history records; a page then rebuilds every document whose
inputs it touched.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
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
            record["categories"] = categories(record["taxonomy_codes"] or [])
        changed.add(item.event.originator_id)
    return changed


# The rule `categories` follows, stored with each service: the search views' definitions name
# it, so that a new rule makes them anew from the log (a rebuild for OpenSearch).
CATEGORIES_RULE = "categories: each code, every code above it, and its first letter"


def categories(codes: Iterable[str]) -> list[str]:
    """The categories a service coded `codes` is found under: each code and every code above
    it (`BD-1800.2000` is found under `BD-1800.2000`, `BD-1800`, `BD` and `B`)."""
    return sorted({c for code in codes for c in (code, *taxonomy_ancestors(code))})


def _text(fields: Fields | None, name: str) -> str:
    return str((fields or {}).get(name) or "")


def minutes_of_week(weekday: int, time: str) -> int:
    """Minutes since Monday 00:00, local time; "24:00" is the end of the day."""
    hours, minutes = (int(part) for part in time.split(":"))
    return (weekday - 1) * 1440 + hours * 60 + minutes


def service_documents(
    service_id: UUID,
    service: Fields,
    organization: Fields | None,
    places: Sequence[tuple[UUID, Fields, Fields | None]],
) -> list[tuple[UUID, dict[str, Any] | None]]:
    """The documents of one service, one per location it is linked to, or one for the service
    alone when it has none; `None` for a document that must no longer be found.

    `places` holds every link record of the service (linked or not) with its location.
    """
    linked: list[tuple[UUID, Fields | None]] = [
        (id, location) for id, link, location in places if link.get("linked") is True
    ]
    gone = [id for id, link, _ in places if link.get("linked") is not True]
    result: list[tuple[UUID, dict[str, Any] | None]] = []
    if service.get("status") == "merged" or organization is None:
        result.extend((id, None) for id, _, _ in places)
        result.append((service_id, None))
        return result
    result.extend((id, None) for id in gone)
    targets: list[tuple[UUID, Fields | None]] = linked or [(service_id, None)]
    if linked:
        result.append((service_id, None))
    schedule = service.get("schedule") or {"hours": [], "closed_on": []}
    for id, location in targets:
        coordinates = (location or {}).get("coordinates")
        active = all(
            (record or {}).get("status", "active") == "active"
            for record in (service, organization, location)
        )
        result.append(
            (
                id,
                {
                    "doc_id": str(id),
                    "service_id": str(service_id),
                    "location_id": str(location_id(places, id)) if location else None,
                    "organization_id": str(service.get("organization_id")),
                    "active": active,
                    "removed": False,
                    "name_fr": _text(service, "name.fr"),
                    "name_en": _text(service, "name.en"),
                    "organization_fr": _text(organization, "name.fr"),
                    "organization_en": _text(organization, "name.en"),
                    "description_fr": _text(service, "description.fr"),
                    "description_en": _text(service, "description.en"),
                    "categories": list(service.get("categories") or []),
                    "languages": list(service.get("languages") or []),
                    "areas": list(service.get("service_areas") or []),
                    "location": (
                        {"lat": coordinates["latitude"], "lon": coordinates["longitude"]}
                        if isinstance(coordinates, dict)
                        else None
                    ),
                    "city": ((location or {}).get("address") or {}).get("city"),
                    "open_minutes": [
                        {
                            "gte": minutes_of_week(h["weekday"], h["opens"]),
                            "lt": minutes_of_week(h["weekday"], h["closes"]),
                        }
                        for h in schedule.get("hours", [])
                    ],
                    "closed_on": list(schedule.get("closed_on", [])),
                },
            )
        )
    return result


def location_id(places: Sequence[tuple[UUID, Fields, Fields | None]], link_id: UUID) -> UUID:
    for id, link, _ in places:
        if id == link_id:
            return UUID(str(link["location_id"]))
    raise KeyError(link_id)
