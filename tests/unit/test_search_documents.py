"""The engine-neutral search documents, and the OpenSearch request built from a search."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from infra.search.opensearch_query import FAR, page_of, search_body
from projections.search import minutes_of_week, service_documents
from projections.search_query import Cursor, Point, SearchQuery

SERVICE, ORGANIZATION = uuid4(), uuid4()
FIELDS = {
    "kind": "service", "organization_id": str(ORGANIZATION), "name.fr": "Popote",
    "name.en": "Meals", "status": "active", "categories": ["BD", "BD-5000"],
    "languages": ["fr"], "service_areas": ["CMM"],
    "schedule": {"hours": [{"weekday": 2, "opens": "09:00", "closes": "17:00"}],
                 "closed_on": ["2026-12-25"]},
}  # fmt: skip
OWNER = {"kind": "organization", "name.fr": "Entraide", "status": "active"}


def link(location: UUID, linked: bool = True) -> dict[str, Any]:
    return {"service_id": str(SERVICE), "location_id": str(location), "linked": linked}


def place(city: str, status: str = "active") -> dict[str, Any]:
    return {
        "status": status,
        "address": {"city": city},
        "coordinates": {"latitude": 45.5, "longitude": -73.6},
    }


def test_a_service_without_locations_has_one_document_of_its_own() -> None:
    [(id, document)] = service_documents(SERVICE, FIELDS, OWNER, [])
    assert id == SERVICE
    assert document is not None
    assert document["location"] is None
    assert document["open_minutes"] == [{"gte": 1440 + 540, "lt": 1440 + 1020}]
    assert document["closed_on"] == ["2026-12-25"]
    assert (document["active"], document["removed"]) == (True, False)


def test_linked_locations_replace_the_service_document_and_unlinked_ones_are_removed() -> None:
    here, gone = uuid4(), uuid4()
    here_link, gone_link = uuid4(), uuid4()
    places = [
        (here_link, link(here), place("Laval", "inactive")),
        (gone_link, link(gone, False), place("Montréal")),
    ]
    documents = dict(service_documents(SERVICE, FIELDS, OWNER, places))
    assert documents[SERVICE] is None
    assert documents[gone_link] is None
    kept = documents[here_link]
    assert kept is not None
    assert (kept["location_id"], kept["city"], kept["active"]) == (str(here), "Laval", False)
    assert kept["location"] == {"lat": 45.5, "lon": -73.6}


def test_a_merged_service_has_no_documents_left() -> None:
    merged = {**FIELDS, "status": "merged"}
    assert service_documents(SERVICE, merged, OWNER, []) == [(SERVICE, None)]


def test_minutes_of_week_count_from_monday() -> None:
    assert minutes_of_week(1, "00:00") == 0
    assert minutes_of_week(7, "24:00") == 7 * 1440


def test_search_after_follows_the_sort_and_pages_read_it_back() -> None:
    after = Cursor(tier=3, distance=2.5, rank=0.0, id=uuid4())
    query = SearchQuery(
        text="popote", near=Point(45.5, -73.6), territories=("65005", "CMM"),
        open_at=datetime(2026, 3, 3, 15, 30, tzinfo=UTC), first=2, after=after,
    )  # fmt: skip
    body = search_body(query)
    json.dumps(body)  # what the client sends must be plain JSON

    assert [next(iter(key)) for key in body["sort"]] == ["_score", "_script", "doc_id"]
    assert body["search_after"] == [3.0, 2.5, str(after.id)]
    assert body["size"] == 3
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"areas": ["65005", "CMM"]}} in filters
    assert {"term": {"open_minutes": 1440 + 10 * 60 + 30}} in filters  # 10:30 in Montréal
    assert body["query"]["bool"]["must_not"] == [{"term": {"closed_on": "2026-03-03"}}]
    tiers = body["query"]["bool"]["must"][0]["dis_max"]["queries"]
    boosts = [q["constant_score"]["boost"] for q in tiers]
    assert boosts == [3, 2, 1]

    found, far = uuid4(), uuid4()
    response = {
        "hits": {
            "total": {"value": 7},
            "hits": [
                {"_source": source(found), "sort": [3.0, 1.25, str(found)]},
                {"_source": source(far), "sort": [3.0, FAR, str(far)]},
                {"_source": source(uuid4()), "sort": [1.0, 3.0, "x"]},
            ],
        },
        "aggregations": {"languages": {"buckets": [{"key": "fr", "doc_count": 7}]}},
    }
    page = page_of(query, response)
    assert [(h.id, h.distance_km) for h in page.hits] == [(found, 1.25), (far, None)]
    assert page.hits[1].cursor == Cursor(3, FAR, 0.0, far)
    assert (page.total, page.has_next) == (7, True)
    assert [(f.value, f.count) for f in page.languages] == [("fr", 7)]


def source(id: UUID) -> dict[str, object]:
    return {
        "service_id": str(id), "location_id": None, "organization_id": str(ORGANIZATION),
        "name_fr": "Popote", "name_en": "", "organization_fr": "E", "organization_en": "",
        "city": None, "active": True,
    }  # fmt: skip
