"""Directory search on OpenSearch, used when GUICHET_OPENSEARCH_URL is set.

Thin by design: the records documents are built from stay in PostgreSQL (shared with the
PostgreSQL adapter), documents are built by the engine-neutral search projection, and this
module only maps them to an index and queries to the query DSL.

OpenSearch is not transactional with PostgreSQL. Each page's documents are indexed whole with
external versioning (version = the page's log position) before the tracking position commits:
a page applied again is refused as a version conflict (409) and counted as done. Documents are
never deleted, only marked `removed`, because OpenSearch forgets the versions of deleted
documents. A rebuild writes into a new index behind a write alias while searches read the old
one through the read alias, which is swapped atomically when the rebuild is complete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import anyio
from opensearchpy import AsyncOpenSearch, OpenSearch, RequestError
from opensearchpy.exceptions import ConnectionError as Unreachable
from opensearchpy.exceptions import ConnectionTimeout
from psycopg import Cursor as DbCursor
from psycopg import sql

from infra.search.records import GAP_DAYS, SEARCH_TIMEOUT, SearchRecordsView
from projections import search
from projections.base import Positioned
from projections.search_query import (
    RESPELL_LENGTHS,
    Cursor,
    Facet,
    SearchPage,
    SearchQuery,
    SearchTimeout,
    SearchUnavailable,
    fold_text,
    folded_words,
    hit_of,
)

log = logging.getLogger(__name__)
MONTREAL = ZoneInfo("America/Montreal")
FAR = 1e9
FACET_SIZE = 30
_FRENCH_ELISIONS = [
    "l",
    "m",
    "t",
    "qu",
    "n",
    "s",
    "j",
    "d",
    "c",
    "jusqu",
    "quoiqu",
    "lorsqu",
    "puisqu",
]

SETTINGS: dict[str, Any] = {
    "analysis": {
        "filter": {
            "guichet_elision": {
                "type": "elision",
                "articles_case": True,
                "articles": _FRENCH_ELISIONS,
            },
            "guichet_french_stop": {"type": "stop", "stopwords": "_french_"},
            "guichet_french_stemmer": {"type": "stemmer", "language": "light_french"},
            "guichet_english_stop": {"type": "stop", "stopwords": "_english_"},
            "guichet_english_stemmer": {"type": "stemmer", "language": "english"},
            "guichet_possessive": {"type": "stemmer", "language": "possessive_english"},
            "guichet_prefixes": {"type": "edge_ngram", "min_gram": 2, "max_gram": 20},
        },
        "analyzer": {
            "guichet_french": {
                "tokenizer": "standard",
                "filter": [
                    "guichet_elision",
                    "lowercase",
                    "asciifolding",
                    "guichet_french_stop",
                    "guichet_french_stemmer",
                ],
            },
            "guichet_english": {
                "tokenizer": "standard",
                "filter": [
                    "guichet_possessive",
                    "lowercase",
                    "asciifolding",
                    "guichet_english_stop",
                    "guichet_english_stemmer",
                ],
            },
            "guichet_folded": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
            "guichet_prefixes": {
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "guichet_prefixes"],
            },
        },
    }
}


def _text(analyzer: str, *copy_to: str) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "text", "analyzer": analyzer}
    if copy_to:
        field["copy_to"] = list(copy_to)
    return field


KEYWORD = {"type": "keyword"}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "doc_id": KEYWORD,
        "service_id": KEYWORD,
        "location_id": KEYWORD,
        "organization_id": KEYWORD,
        "active": {"type": "boolean"},
        "removed": {"type": "boolean"},
        "name_fr": _text("guichet_french", "all_fr", "words", "prefixes"),
        "name_en": _text("guichet_english", "all_en", "words", "prefixes"),
        "organization_fr": _text("guichet_french", "all_fr", "words"),
        "organization_en": _text("guichet_english", "all_en", "words"),
        "description_fr": _text("guichet_french", "all_fr", "words"),
        "description_en": _text("guichet_english", "all_en", "words"),
        "all_fr": _text("guichet_french"),
        "all_en": _text("guichet_english"),
        # Folded, unstemmed words: what spelling suggestions are drawn from.
        "words": _text("guichet_folded"),
        "prefixes": {
            "type": "text",
            "analyzer": "guichet_prefixes",
            "search_analyzer": "guichet_folded",
        },
        "categories": KEYWORD,
        "languages": KEYWORD,
        "areas": KEYWORD,
        "location": {"type": "geo_point"},
        "city": KEYWORD,
        "open_minutes": {"type": "integer_range"},
        "closed_on": KEYWORD,
    },
}


@dataclass(frozen=True)
class IndexNames:
    """Searches read `alias`; the projection writes through `write` (a new index on rebuild)."""

    alias: str

    @classmethod
    def for_schema(cls, schema: str) -> IndexNames:
        return cls(f"guichet-{schema.lower()}-directory")

    @property
    def write(self) -> str:
        return f"{self.alias}-write"

    @property
    def template(self) -> str:
        return f"{self.alias}-template"

    @property
    def first_index(self) -> str:
        return f"{self.alias}-v0"

    def new_index(self) -> str:
        return f"{self.alias}-v{time.time_ns()}"


class BulkRefused(RuntimeError):
    """OpenSearch refused documents for another reason than an already applied version."""


class OpenSearchSearchView(SearchRecordsView):
    tables: ClassVar[tuple[str, ...]] = ("search_records", "search_gaps")

    def __init__(
        self,
        datastore: Any,
        client: OpenSearch,
        names: IndexNames,
        *,
        timeout: float = SEARCH_TIMEOUT,
        gap_days: int = GAP_DAYS,
    ) -> None:
        self.client = client
        self.names = names
        self.rebuilding = False
        self.index_ready = False
        super().__init__(datastore, timeout=timeout, gap_days=gap_days)

    def create(self) -> None:
        super().create()
        try:
            self._create_index()
        except Unreachable as error:
            # The service starts without it: writes go to the log, this view waits, and its
            # runner makes the index when OpenSearch answers (see `write`).
            self.index_ready = False
            log.warning("OpenSearch cannot be reached (%s); search waits for it", error)

    def _create_index(self) -> None:
        indices = self.client.indices
        indices.put_index_template(
            name=self.names.template,
            body={
                "index_patterns": [f"{self.names.alias}-v*"],
                "template": {"settings": SETTINGS, "mappings": MAPPINGS},
            },
        )
        if not indices.exists_alias(name=self.names.write):
            aliases: dict[str, Any] = {self.names.write: {}}
            first = not indices.exists_alias(name=self.names.alias)
            if first:
                aliases[self.names.alias] = {}
            # Every process creates the view at start; the first index has a fixed name, so
            # processes starting together create it once.
            index = self.names.first_index if first else self.names.new_index()
            try:
                indices.create(index=index, body={"aliases": aliases})
            except RequestError as error:
                if error.error != "resource_already_exists_exception":
                    raise
        self.index_ready = True

    def replace_stale(self) -> None:
        # Replaying into the live index would be refused (its documents carry later versions),
        # and only a rebuild swaps the read alias: the operator runs one.
        log.error(
            "projection %s: its tables were made by another version of Guichet; run "
            "`guichet projections rebuild %s`",
            self.name,
            self.name,
        )

    def drop(self) -> None:
        super().drop()
        # The next create() makes a new index for the rebuild; searches keep the old one.
        self.rebuilding = True
        if self.client.indices.exists_alias(name=self.names.write):
            current = list(self.client.indices.get_alias(name=self.names.write))
            self.client.indices.update_aliases(
                body={
                    "actions": [
                        {"remove": {"index": i, "alias": self.names.write}} for i in current
                    ]
                }
            )

    def rebuilt(self) -> None:
        """Points searches at the rebuilt index, atomically, and deletes the old ones."""
        super().rebuilt()
        indices = self.client.indices
        [target] = list(indices.get_alias(name=self.names.write))
        indices.refresh(index=target)
        old = []
        if indices.exists_alias(name=self.names.alias):
            old = [i for i in indices.get_alias(name=self.names.alias) if i != target]
        actions: list[dict[str, Any]] = [
            {"remove": {"index": i, "alias": self.names.alias}} for i in old
        ]
        actions.append({"add": {"index": target, "alias": self.names.alias}})
        indices.update_aliases(body={"actions": actions})
        for index in old:
            indices.delete(index=index)
        self.rebuilding = False

    def write(self, curs: DbCursor[Any], page: Sequence[Positioned]) -> None:
        if not self.index_ready:
            self._create_index()  # still unreachable: the page waits, and the runner retries
        services = self.changed_services(curs, page)
        if not services:
            return
        version = max(item.position for item in page)
        body: list[dict[str, Any]] = []
        for id, document in self._documents(curs, services):
            body.append(
                {
                    "index": {
                        "_index": self.names.write,
                        "_id": str(id),
                        "version": version,
                        "version_type": "external",
                    }
                }
            )
            body.append(document or {"doc_id": str(id), "removed": True, "active": False})
        # Live pages wait until searchable, so `consistentWith` means found; a rebuild does not.
        refresh = "false" if self.rebuilding else "wait_for"
        response = self.client.bulk(body=body, params={"refresh": refresh})
        if response.get("errors"):
            refused = [
                item["index"]
                for item in response["items"]
                if item["index"].get("status") not in (200, 201, 409)
            ]
            if refused:
                raise BulkRefused(f"{len(refused)} documents refused, first: {refused[0]}")

    def _documents(
        self, curs: DbCursor[Any], services: list[UUID]
    ) -> list[tuple[UUID, dict[str, Any] | None]]:
        records = self._records(curs, set(services))
        curs.execute(
            sql.SQL(
                "SELECT id, fields FROM {} WHERE kind = 'service_at_location'"
                " AND fields->>'service_id' = ANY(%s)"
            ).format(self.table("search_records")),
            ([str(id) for id in services],),
        )
        links = {row["id"]: row["fields"] for row in curs.fetchall()}
        others = {
            UUID(str(r.get("organization_id")))
            for r in records.values()
            if r.get("organization_id")
        }
        others |= {UUID(str(link["location_id"])) for link in links.values()}
        records.update(self._records(curs, others))
        found: list[tuple[UUID, dict[str, Any] | None]] = []
        for service_id in services:
            service = records.get(service_id)
            if service is None:
                continue
            organization = records.get(UUID(str(service.get("organization_id"))))
            places = [
                (id, link, records.get(UUID(str(link["location_id"]))))
                for id, link in links.items()
                if link.get("service_id") == str(service_id)
            ]
            found.extend(search.service_documents(service_id, service, organization, places))
        return found


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
        # The score is the tier: 3 for a service name, 2 for an organization name, 1 otherwise.
        boolean["must"] = [
            {
                "dis_max": {
                    "tie_breaker": 0,
                    "queries": [
                        {"constant_score": {"filter": _match(fields, query.text), "boost": tier}}
                        for fields, tier in (
                            (["name_fr", "name_en"], 3),
                            (["organization_fr", "organization_en"], 2),
                            (["all_fr", "all_en"], 1),
                        )
                    ],
                }
            }
        ]
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


@contextmanager
def unavailable_on_connection_errors(timeout: float) -> Iterator[None]:
    try:
        yield
    except ConnectionTimeout as error:
        raise SearchTimeout(timeout) from error
    except Unreachable as error:  # refused or reset
        raise SearchUnavailable(
            f"The search engine cannot be reached ({error}); searches will work again "
            "when it is back, with every change made meanwhile."
        ) from error


class OpenSearchIndex:
    """The search port on OpenSearch, with opensearch-py's asynchronous client."""

    def __init__(self, client: AsyncOpenSearch, names: IndexNames, view: SearchRecordsView) -> None:
        self.client = client
        self.names = names
        self.view = view
        # The same bound as on PostgreSQL: the server stops collecting hits at `timeout`, and
        # the client stops waiting a little later.
        self.timeout = view.timeout

    async def search(self, query: SearchQuery) -> SearchPage:
        with unavailable_on_connection_errors(self.timeout):
            return await self._search_or_respell(query)

    async def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = await self.client.search(
            index=self.names.alias,
            body={**body, "timeout": f"{max(1, round(self.timeout * 1000))}ms"},
            request_timeout=self.timeout + 1,
        )
        if response.get("timed_out"):
            raise SearchTimeout(self.timeout)
        return response

    async def _search_or_respell(self, query: SearchQuery) -> SearchPage:
        page = await self._search(query)
        if page.total or not query.text:
            return page
        rewritten = await self._respell(query)
        if rewritten is not None:
            page = replace(
                await self._search(replace(query, text=rewritten)), rewritten_text=rewritten
            )
        if not page.total:
            await anyio.to_thread.run_sync(self.view.count_gap, query)
        return page

    async def _search(self, query: SearchQuery) -> SearchPage:
        return page_of(query, await self._query(search_body(query)))

    async def _respell(self, query: SearchQuery) -> str | None:
        """Replaces words of 5+ letters unknown to the directory by a known word one edit away,
        all of them in one request (the words are bounded by the query's parsing)."""
        candidates = query.respell_candidates
        if not candidates:
            return None
        body: dict[str, Any] = {
            "size": 0,
            "suggest": {
                "respell": {
                    "text": " ".join(candidates),
                    "term": {
                        "field": "words",
                        "suggest_mode": "missing",
                        "max_edits": 1,
                        "min_word_length": RESPELL_LENGTHS.start,
                        "prefix_length": 0,
                        "sort": "score",
                    },
                }
            },
        }
        response = await self._query(body)
        better = {
            entry["text"]: entry["options"][0]["text"]
            for entry in response.get("suggest", {}).get("respell", [])
            if entry.get("options")
        }
        words = query.words
        respelled = [better.get(word, word) for word in words]
        return " ".join(respelled) if respelled != words else None

    async def autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]:
        with unavailable_on_connection_errors(self.timeout):
            return await self._autocomplete(prefix, first)

    async def _autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]:
        folded = " ".join(folded_words(prefix))
        if len(folded) < 2:
            return []
        body: dict[str, Any] = {
            "size": 50,
            "_source": ["name_fr", "name_en"],
            "query": {
                "bool": {
                    "filter": [{"term": {"removed": False}}, {"term": {"active": True}}],
                    "must": [{"match": {"prefixes": {"query": folded, "operator": "and"}}}],
                }
            },
        }
        response = await self._query(body)
        names = {
            (h["_source"]["name_fr"], h["_source"]["name_en"]) for h in response["hits"]["hits"]
        }

        def order(name: tuple[str, str]) -> tuple[bool, int, str]:
            starts = fold_text(f"{name[0]} / {name[1]}").startswith(folded)
            return (not starts, len(name[0]), name[0])

        return sorted(names, key=order)[:first]

    async def gaps(self, first: int) -> list[tuple[str, str, int]]:
        return await anyio.to_thread.run_sync(self.view.gaps, first)

    async def close(self) -> None:
        await self.client.close()
