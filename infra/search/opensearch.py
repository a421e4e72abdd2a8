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
one through the read alias, which is swapped atomically when the rebuild is complete.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, ClassVar
from uuid import UUID

import anyio
from opensearchpy import AsyncOpenSearch, OpenSearch, RequestError
from opensearchpy.exceptions import ConnectionError as Unreachable
from opensearchpy.exceptions import ConnectionTimeout
from psycopg import Cursor as DbCursor
from psycopg import sql

from infra.search.opensearch_index import MAPPINGS, SETTINGS, IndexNames
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
        with unavailable_on_connection_errors(self.timeout):
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
