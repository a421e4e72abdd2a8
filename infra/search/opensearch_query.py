"""Directory searches as OpenSearch query DSL, and their answers as search pages: the same
rules as the PostgreSQL adapter's SQL, from the same parsed query."""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from infra.search.opensearch_text import Groups, Part, ranked_words, websearch
from projections import search
from projections.search_query import (
    RESPELL_LENGTHS,
    Cursor,
    Facet,
    SearchPage,
    SearchQuery,
    fold_text,
    folded_words,
    hit_of,
)

MONTREAL = ZoneInfo("America/Montreal")
FAR = 1e9
FACET_SIZE = 30
ANALYZERS = ("guichet_french", "guichet_english")
LANGUAGES = ("fr", "en")
# The fields each relevance tier matches, French and English: a service name, an organization
# name, then any of its text (a category the text names is tier 1 too).
TIERS = (("name", 3), ("organization", 2), ("all", 1))

# PostgreSQL's ts_rank with the default weights (A 1.0, B 0.4, C 0.2) gives a word found k times
# the sum of its occurrences' weights / k², in position order: names (A), then organization (B),
# then description (C); the sum over the query's words is divided by π²/6 and their count. With
# a names, b organization and c description occurrences, that sum is
#     H(a) + 0.4 (H(a+b) - H(a)) + 0.2 (H(a+b+c) - H(a+b)) = 0.6 H(a) + 0.2 H(a+b) + 0.2 H(a+b+c)
# where H(n) = 1 + 1/4 + ... + 1/n²: three counts, each the frequency of the word in one field
# (names; names and organization; everything), each scored H(freq) by the index's `guichet_rank`
# similarity, weighted by the boost.
RANK_FIELDS = (("name", 0.6), ("names_organization", 0.2), ("all", 0.2))
PI_SQUARED_OVER_6 = 1.64493406685
# The score is the tier plus the rank scaled into [0, RANK_SPAN): the tier is its integer part.
RANK_SPAN = 0.5
RANK_CAP = 0.499
# Autocomplete reads this many documents, best first, for names to suggest (several documents
# can share a name: one per location).
AUTOCOMPLETE_HITS = 50


def matching(field: str, groups: Groups) -> dict[str, Any]:
    """Documents whose French or English `field` holds the text, as PostgreSQL's
    `websearch_to_tsquery('french', …) || websearch_to_tsquery('english', …)` finds them: the
    text read as French, or read as English, each word found in the French or the English
    text. A query mixing languages ("banque food") is found when each word is in one language
    or the other. A word the text excludes is looked for in all of a service's text, as
    PostgreSQL's vector holds it, whatever the field."""
    return {
        "bool": {
            "should": [
                _reading(field, group, analyzer) for analyzer in ANALYZERS for group in groups
            ],
            "minimum_should_match": 1,
        }
    }


def _fields(field: str) -> list[str]:
    return [f"{field}_{language}" for language in LANGUAGES]


def _reading(field: str, group: list[Part], analyzer: str) -> dict[str, Any]:
    must: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    words = " ".join(part.text for part in group if not (part.phrase or part.excluded))
    if words:
        # Stop words alone ask nothing: the group then rests on its other parts, if any.
        alone = not any(part.phrase or part.excluded for part in group)
        must.append(_words(_fields(field), words, analyzer, "none" if alone else "all"))
    for part in group:
        if part.excluded:
            clause = _phrase if part.phrase else _any_word
            must_not.append(clause(_fields("all"), part.text, analyzer))
        elif part.phrase:
            must.append(_phrase(_fields(field), part.text, analyzer))
    return {"bool": {"must": must, "must_not": must_not}}


def _words(fields: list[str], text: str, analyzer: str, zero_terms: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": text,
            "fields": fields,
            # One analyzer for every field puts them in one group: each word is looked for in
            # any of them (term-centric), not all words in one.
            "type": "cross_fields",
            "analyzer": analyzer,
            "operator": "and",
            "zero_terms_query": zero_terms,
        }
    }


def _any_word(fields: list[str], text: str, analyzer: str) -> dict[str, Any]:
    # "-x" excludes what holds x; a word PostgreSQL's parser cuts in several (`-saint-jean`)
    # excludes what holds them all.
    return _words(fields, text, analyzer, "none")


def _phrase(fields: list[str], text: str, analyzer: str) -> dict[str, Any]:
    return {
        "multi_match": {"query": text, "fields": fields, "type": "phrase", "analyzer": analyzer}
    }


def rank(text: str, words: int) -> dict[str, Any]:
    """ts_rank within a tier (see RANK_FIELDS), scaled into [0, RANK_SPAN)."""
    clauses = [
        {f"{field}_{language}": {"query": text, "analyzer": analyzer, "boost": weight}}
        for analyzer in ANALYZERS
        for field, weight in RANK_FIELDS
        for language in LANGUAGES
    ]
    # Each word is analysed in both languages, as PostgreSQL does: count both.
    scale = RANK_SPAN / (PI_SQUARED_OVER_6 * 2 * max(1, words))
    return {
        "script_score": {
            "query": {"bool": {"should": [{"match": clause} for clause in clauses]}},
            "script": {
                "source": "Math.min(_score * params.scale, params.cap)",
                "params": {"scale": scale, "cap": RANK_CAP},
            },
        }
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
        # The tier is the score's integer part: 3 for a service name, 2 for an organization
        # name, 1 otherwise (the rest of the text, or a category the text names); without
        # `near`, the rank within the tier is its fraction, as PostgreSQL sorts by tier, then
        # rank. With `near`, distance sorts within a tier, and the rank is not used.
        groups = websearch(query.text)
        tiers: list[dict[str, Any]] = [
            {"constant_score": {"filter": matching(field, groups), "boost": tier}}
            for field, tier in TIERS
        ]
        if query.text_categories:
            named = {"terms": {"categories": list(query.text_categories)}}
            tiers.append({"constant_score": {"filter": named, "boost": 1}})
        boolean["must"] = [{"dis_max": {"tie_breaker": 0, "queries": tiers}}]
        if query.near is None:
            ranked = ranked_words(groups)
            if ranked:
                boolean["should"] = [rank(ranked, len(folded_words(ranked)))]
        sort.append({"_score": "desc"})
        if query.after is not None:
            search_after.append(float(query.after.tier) + query.after.rank)
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
        score = float(values.pop(0)) if query.text else 0.0
        tier = math.floor(score)
        distance = float(values.pop(0)) if query.near is not None else 0.0
        id = UUID(values[-1])
        shown = distance if query.near is not None and distance < FAR else None
        hits.append(hit_of(source, id, shown, Cursor(tier, distance, score - tier, id)))
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


def respell_body(candidates: list[str]) -> dict[str, Any]:
    """One request for every word to respell: for each, the known words one edit away.

    The embedded search counts edits with `levenshtein`, where swapping two letters is two
    edits. The term suggester's candidates come from an automaton that counts a swap as one,
    so each word is asked with plain Levenshtein similarity (1 - edits / longer length) and an
    accuracy between what one edit and two edits give for its length: a swap is left out."""
    return {
        "size": 0,
        "suggest": {
            f"w{number}": {
                "text": word,
                "term": {
                    "field": "words",
                    "suggest_mode": "missing",
                    "max_edits": 1,
                    "prefix_length": 0,
                    "min_word_length": RESPELL_LENGTHS.start,
                    "string_distance": "levenshtein",
                    "accuracy": 1 - 1.5 / len(word),
                    "sort": "score",
                },
            }
            for number, word in enumerate(candidates)
        },
    }


def respellings(response: dict[str, Any]) -> dict[str, str]:
    """Each word the suggester answered for, and the known word to put in its place."""
    return {
        entry["text"]: entry["options"][0]["text"]
        for entries in response.get("suggest", {}).values()
        for entry in entries
        if entry.get("options")
    }


def autocomplete_body(folded: str) -> dict[str, Any]:
    """Active services with a name where a word starts with `folded` (several words and any
    length), the names whose French name starts with it first, then shorter names first."""
    return {
        "size": AUTOCOMPLETE_HITS,
        "_source": ["name_fr", "name_en"],
        "query": {
            "bool": {
                "filter": [
                    {"term": {"removed": False}},
                    {"term": {"active": True}},
                    {"prefix": {"name_starts": folded}},
                ],
                "should": [{"constant_score": {"filter": {"prefix": {"name_fr.folded": folded}}}}],
            }
        },
        "sort": [
            {"_score": "desc"},
            {
                "_script": {
                    "type": "number",
                    "order": "asc",
                    "script": {"lang": "painless", "source": NAME_LENGTH},
                }
            },
            {"name_fr.sort": "asc"},
        ],
    }


# Only chooses which hits are read: their names are then sorted exactly (`suggested_names`).
NAME_LENGTH = "doc['name_fr.sort'].size() == 0 ? 0 : doc['name_fr.sort'].value.length()"


def suggested_names(response: dict[str, Any], folded: str, first: int) -> list[tuple[str, str]]:
    """The distinct names of the hits, in the embedded search's order."""
    names = {(h["_source"]["name_fr"], h["_source"]["name_en"]) for h in response["hits"]["hits"]}

    def order(name: tuple[str, str]) -> tuple[bool, int, str, str]:
        starts = fold_text(f"{name[0]} / {name[1]}").startswith(folded)
        return (not starts, len(name[0]), name[0], name[1])

    return sorted(names, key=order)[:first]
