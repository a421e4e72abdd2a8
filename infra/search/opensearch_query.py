"""Directory searches as OpenSearch query DSL, and their answers as search pages: the same
rules as the PostgreSQL adapter's SQL, from the same parsed query."""

from __future__ import annotations

from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from projections import search
from projections.search_query import Cursor, Facet, SearchPage, SearchQuery, hit_of

MONTREAL = ZoneInfo("America/Montreal")
FAR = 1e9
FACET_SIZE = 30


def _match(fields: list[str], text: str) -> dict[str, Any]:
    return {
        "multi_match": {"query": text, "fields": fields, "type": "best_fields", "operator": "and"}
    }


def search_body(query: SearchQuery) -> dict[str, Any]:
    """The query DSL for a search: the same rules as the PostgreSQL adapter's SQL."""
    filters: list[dict[str, Any]] = [{"term": {"removed": False}}]
    must_not: list[dict[str, Any]] = []
    if not query.include_inactive:
        filters.append({"term": {"active": True}})
    for field, values in (
        ("areas", query.territories),
        ("categories", query.categories),
        ("languages", query.languages),
    ):
        if values:
            filters.append({"terms": {field: list(values)}})
    if query.open_at is not None:
        local = query.open_at.astimezone(MONTREAL)
        minute = search.minutes_of_week(local.isoweekday(), local.strftime("%H:%M"))
        filters.append({"term": {"open_minutes": minute}})
        must_not.append({"term": {"closed_on": local.date().isoformat()}})
    sort: list[dict[str, Any]] = []
    search_after: list[Any] = []
    boolean: dict[str, Any] = {"filter": filters, "must_not": must_not}
    if query.text:
        # The score is the tier: 3 for a service name, 2 for an organization name, 1 otherwise
        # (the rest of the text, or a category the text names).
        tiers: list[dict[str, Any]] = [
            {"constant_score": {"filter": _match(fields, query.text), "boost": tier}}
            for fields, tier in (
                (["name_fr", "name_en"], 3),
                (["organization_fr", "organization_en"], 2),
                (["all_fr", "all_en"], 1),
            )
        ]
        if query.text_categories:
            named = {"terms": {"categories": list(query.text_categories)}}
            tiers.append({"constant_score": {"filter": named, "boost": 1}})
        boolean["must"] = [{"dis_max": {"tie_breaker": 0, "queries": tiers}}]
        sort.append({"_score": "desc"})
        if query.after is not None:
            search_after.append(float(query.after.tier))
    if query.near is not None:
        sort.append(
            {
                "_script": {
                    "type": "number",
                    "order": "asc",
                    "script": {
                        "lang": "painless",
                        "source": "doc['location'].size() == 0 ? params.far"
                        " : doc['location'].arcDistance(params.lat, params.lon) / 1000.0",
                        "params": {
                            "lat": query.near.latitude,
                            "lon": query.near.longitude,
                            "far": FAR,
                        },
                    },
                }
            }
        )
        if query.after is not None:
            search_after.append(query.after.distance)
    sort.append({"doc_id": "asc"})
    body: dict[str, Any] = {
        "query": {"bool": boolean},
        "sort": sort,
        "size": query.first + 1,
        "track_total_hits": True,
        "_source": [
            "service_id",
            "location_id",
            "organization_id",
            "name_fr",
            "name_en",
            "organization_fr",
            "organization_en",
            "city",
            "active",
        ],
    }
    if query.facets:
        body["aggs"] = {
            name: {
                "terms": {
                    "field": name,
                    "size": FACET_SIZE,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
            for name in ("categories", "languages", "areas")
        }
    if query.after is not None:
        search_after.append(str(query.after.id))
        body["search_after"] = search_after
    return body


def page_of(query: SearchQuery, response: dict[str, Any]) -> SearchPage:
    hits = []
    for found in response["hits"]["hits"][: query.first]:
        source = found["_source"]
        values = list(found["sort"])
        tier = int(values.pop(0)) if query.text else 0
        distance = float(values.pop(0)) if query.near is not None else 0.0
        id = UUID(values[-1])
        shown = distance if query.near is not None and distance < FAR else None
        hits.append(hit_of(source, id, shown, Cursor(tier, distance, 0.0, id)))
    aggregations = response.get("aggregations", {})
    facets = {
        name: [
            Facet(b["key"], b["doc_count"]) for b in aggregations.get(name, {}).get("buckets", [])
        ]
        for name in ("categories", "languages", "areas")
    }
    return SearchPage(
        hits=hits,
        total=response["hits"]["total"]["value"],
        has_next=len(response["hits"]["hits"]) > query.first,
        categories=facets["categories"],
        languages=facets["languages"],
        territories=facets["areas"],
    )
