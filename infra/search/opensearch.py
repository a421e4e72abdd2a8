"""Directory search on OpenSearch, used when GUICHET_OPENSEARCH_URL is set.

Thin by design: the records documents are built from stay in PostgreSQL (shared with the
PostgreSQL adapter), documents are built by the engine-neutral search projection, and this
module only writes them to the index (`opensearch_index`) and sends queries as the query DSL
(`opensearch_query`).

OpenSearch is not transactional with PostgreSQL. Each page's documents are indexed whole with
external versioning (version = the page's log position) before the tracking position commits:
a page applied again is refused as a version conflict (409) and counted as done. Documents are
never deleted, only marked `removed`, because OpenSearch forgets the versions of deleted
documents. A rebuild writes into a new index behind a write alias while searches read the old
one through the read alias, which is swapped atomically when the rebuild is complete; only the
process running the projection makes or swaps indices (`opensearch_bootstrap`). Failures mean
`SEARCH_UNAVAILABLE` or a wait for the projection (`opensearch_errors`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar
from uuid import UUID

import anyio
from opensearchpy import AsyncOpenSearch, OpenSearch
from psycopg import Cursor as DbCursor
from psycopg import sql

from infra.failures import ServiceUnavailable
from infra.search.opensearch_bootstrap import IndexBootstrap, body_digest
from infra.search.opensearch_errors import RETRY_LATER, projection_calls, search_calls
from infra.search.opensearch_index import IndexNames
from infra.search.opensearch_query import (
    autocomplete_body,
    page_of,
    respell_body,
    respellings,
    search_body,
    suggested_names,
)
from infra.search.records import GAP_DAYS, SEARCH_TIMEOUT, SearchRecordsView
from projections import search
from projections.base import Positioned
from projections.search_query import (
    NamedCategories,
    SearchPage,
    SearchQuery,
    SearchTimeout,
    SearchUnavailable,
    folded_words,
    no_categories,
    respelled,
    with_named_categories,
)

log = logging.getLogger(__name__)

# Seconds the start-up check waits for OpenSearch: a host that drops packets must not hold
# every process's start for the client's 30 s.
PING_TIMEOUT = 5
# Bulk item statuses that are done: indexed, or already indexed at this version or a later one.
OK = (200, 201, 409)


class BulkRefused(RuntimeError):
    """OpenSearch refused documents for another reason than an already applied version."""


class OpenSearchSearchView(SearchRecordsView):
    tables: ClassVar[tuple[str, ...]] = ("search_records", "search_gaps", "search_index")
    unreproducible: ClassVar[dict[str, tuple[str, ...]]] = {
        **SearchRecordsView.unreproducible,
        "search_index": ("*",),  # a name with the time it was made
    }

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
        self.bootstrap = IndexBootstrap(client, names)
        # The index this process writes into, once `prepare` has made or resumed it.
        self.index: str | None = None
        self.building = False
        super().__init__(datastore, timeout=timeout, gap_days=gap_days)

    def create_statements(self) -> list[sql.Composed]:
        return [
            *super().create_statements(),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (one boolean PRIMARY KEY DEFAULT true CHECK (one),"
                " name text NOT NULL)"
            ).format(self.table("search_index")),
        ]

    def definition(self) -> str:
        # The index's settings and mapping too: another analyser or field is a rebuild into a
        # new index. And another engine: the PostgreSQL adapter's tables at the head of the log
        # say nothing of what an index holds.
        text = f"{super().definition()}\nopensearch {body_digest()}"
        return hashlib.sha256(text.encode()).hexdigest()

    def create(self) -> None:
        """Makes the tables only: every process creates views at start, and only the one that
        runs this projection makes or changes indices (`prepare`)."""
        super().create()
        self.index = None
        if not self.client.ping(request_timeout=PING_TIMEOUT):
            log.warning(
                "OpenSearch cannot be reached at %s; search waits for it, and its index is "
                "made as soon as it answers",
                self.names.alias,
            )

    def drop(self) -> None:
        # The tables only: searches keep reading the complete index until the new one is.
        super().drop()
        self.index = None

    def prepare(self) -> None:
        """Makes or resumes the index to write into (see `opensearch_bootstrap`); a new index
        means the log is replayed from the start. The caller holds the view's lock."""
        recorded = self._recorded()
        ready = self.bootstrap.ready(recorded)
        if ready.index != recorded and (recorded is not None or self.position() > 0):
            lost = f"index {recorded} is gone" if recorded else "no index is recorded"
            log.warning(
                "projection %s: %s for its position in the log; the log is replayed into %s",
                self.name,
                lost,
                ready.index,
            )
            self.drop()
            self.create()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL(
                    "INSERT INTO {} (name) VALUES (%s)"
                    " ON CONFLICT (one) DO UPDATE SET name = EXCLUDED.name"
                ).format(self.table("search_index")),
                (ready.index,),
            )
        self.index, self.building = ready.index, ready.building

    def _recorded(self) -> str | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(sql.SQL("SELECT name FROM {}").format(self.table("search_index")))
            row = curs.fetchone()
        return str(row["name"]) if row else None

    def caught_up(self) -> None:
        """The index being built has every fact up to the head: searches move to it."""
        if self.building and self.index is not None:
            self.bootstrap.promote(self.index)
            self.building = False

    def rebuilt(self) -> None:
        super().rebuilt()
        self.caught_up()

    def write(self, curs: DbCursor[Any], page: Sequence[Positioned]) -> None:
        if self.index is None:
            raise ServiceUnavailable(
                f"the search index {self.names.write} is not ready: the projection makes it "
                "once OpenSearch answers"
            )
        services = self.changed_services(curs, page)
        body: list[dict[str, Any]] = []
        version = max((item.position for item in page), default=0)
        for id, document in self._documents(curs, services) if services else []:
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
        if not body:
            return
        # Live pages wait until searchable, so `consistentWith` means found; a rebuild does not.
        # `require_alias`: never a concrete index named like the alias when the alias is gone.
        params = {"refresh": "false" if self.building else "wait_for", "require_alias": "true"}
        with projection_calls(self.names.write):
            response = self.client.bulk(body=body, params=params)
        if response.get("errors"):
            self._refused(response["items"])

    def _refused(self, items: list[dict[str, Any]]) -> None:
        refused = [item["index"] for item in items if item["index"].get("status") not in OK]
        if not refused:
            return
        first = refused[0]
        status = int(first.get("status", 0))
        error = first.get("error") or {}
        said = f"{status} {error.get('type')}: {error.get('reason')}"
        if status == 404 or (status == 400 and "alias" in str(error.get("reason"))):
            self.index = None  # the next `prepare` makes a new index and replays into it
            raise ServiceUnavailable(
                f"OpenSearch has no single index behind {self.names.write} ({said}); the "
                "projection makes a new index and replays the log into it"
            )
        if status == 429 or status >= 500:
            raise ServiceUnavailable(f"OpenSearch refused {len(refused)} documents for now: {said}")
        raise BulkRefused(f"{len(refused)} documents refused, first: {first}")

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


class OpenSearchIndex:
    """The search port on OpenSearch, with opensearch-py's asynchronous client."""

    def __init__(
        self, client: AsyncOpenSearch, names: IndexNames, view: SearchRecordsView,
        named: NamedCategories = no_categories,
    ) -> None:  # fmt: skip
        self.client = client
        self.names = names
        self.view = view
        self.named = named
        # The same bound as on PostgreSQL: the server stops collecting hits at `timeout`, and
        # the client stops waiting a little later.
        self.timeout = view.timeout

    async def search(self, query: SearchQuery) -> SearchPage:
        if query.text and not query.text_categories:
            query = await anyio.to_thread.run_sync(with_named_categories, query, self.named)
        with search_calls(self.timeout):
            return await self._search_or_respell(query)

    async def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = await self.client.search(
            index=self.names.alias,
            body={**body, "timeout": f"{max(1, round(self.timeout * 1000))}ms"},
            request_timeout=self.timeout + 1,
        )
        if response.get("timed_out"):
            raise SearchTimeout(self.timeout)
        shards = response.get("_shards", {})
        if shards.get("failed"):
            log.warning(
                "search: OpenSearch answered from %s of %s shards: %s",
                shards.get("successful"),
                shards.get("total"),
                shards.get("failures"),
            )
            raise SearchUnavailable(RETRY_LATER)
        return response

    async def _search_or_respell(self, query: SearchQuery) -> SearchPage:
        page = await self._search(query)
        if page.total or not query.text:
            return page
        rewritten = await self._respell(query)
        if rewritten is not None:
            page = replace(await self._search(rewritten), rewritten_text=rewritten.text)
        if not page.total:
            await anyio.to_thread.run_sync(self.view.count_gap, query)
        return page

    async def _search(self, query: SearchQuery) -> SearchPage:
        return page_of(query, await self._query(search_body(query)))

    async def _respell(self, query: SearchQuery) -> SearchQuery | None:
        """Replaces words of 5+ letters unknown to the directory by a known word one edit away,
        all of them in one request (the words are bounded by the query's parsing)."""
        candidates = query.respell_candidates
        if not candidates:
            return None
        better = respellings(await self._query(respell_body(candidates)))
        return respelled(query, better)

    async def autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]:
        with search_calls(self.timeout):
            return await self._autocomplete(prefix, first)

    async def _autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]:
        folded = " ".join(folded_words(prefix))
        if len(folded) < 2:
            return []
        response = await self._query(autocomplete_body(folded))
        return suggested_names(response, folded, first)

    async def gaps(self, first: int) -> list[tuple[str, str, int]]:
        return await anyio.to_thread.run_sync(self.view.gaps, first)

    async def close(self) -> None:
        await self.client.close()
