"""Directory search in PostgreSQL: unaccent, French and English text search, trigram spelling."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import anyio
from psycopg import sql

from infra.search.postgres_documents import PostgresDocumentsView
from projections.search_query import (
    Cursor,
    Facet,
    Hit,
    NamedCategories,
    SearchPage,
    SearchQuery,
    folded_words,
    hit_of,
    no_categories,
    respelled,
    with_named_categories,
)

MONTREAL = ZoneInfo("America/Montreal")
FAR = 1e9

FACETS = """
(SELECT json_object_agg(facet, counts) FROM (
     SELECT facet, json_agg(json_build_array(value, n) ORDER BY n DESC, value) AS counts
     FROM (SELECT facet, value, count(*) AS n,
             row_number() OVER (PARTITION BY facet ORDER BY count(*) DESC, value) AS place
           FROM m, LATERAL (
             SELECT 'categories', unnest(m.categories) UNION ALL
             SELECT 'languages', unnest(m.languages) UNION ALL
             SELECT 'areas', unnest(m.areas)) AS f(facet, value)
           GROUP BY facet, value) counted
     WHERE place <= 30 GROUP BY facet) facets)
"""

SEARCH = """
WITH text_query AS MATERIALIZED (
  SELECT websearch_to_tsquery('french', public.unaccent(%(text)s))
    || websearch_to_tsquery('english', public.unaccent(%(text)s)) AS q
),
m AS MATERIALIZED (
  SELECT d.id{facet_columns},
    -(CASE WHEN (SELECT q FROM text_query) IS NULL THEN 0
      WHEN d.names @@ (SELECT q FROM text_query) THEN 3
      WHEN d.organization @@ (SELECT q FROM text_query) THEN 2 ELSE 1 END) AS s_tier,
    -(CASE WHEN (SELECT q FROM text_query) IS NULL OR %(lat)s::float8 IS NOT NULL
      THEN 0::float8
      ELSE round(ts_rank(d.vector, (SELECT q FROM text_query))::numeric, 6)::float8
      END) AS s_rank,
    CASE WHEN %(lat)s::float8 IS NULL OR d.latitude IS NULL THEN NULL
      ELSE 12742 * asin(sqrt(power(sin(radians(d.latitude - %(lat)s) / 2), 2)
        + cos(radians(%(lat)s)) * cos(radians(d.latitude))
        * power(sin(radians(d.longitude - %(lon)s) / 2), 2))) END AS distance
  FROM {documents} d WHERE {where}
),
sorted AS (
  SELECT m.*, CASE WHEN %(lat)s::float8 IS NULL THEN 0::float8
    ELSE coalesce(distance, %(far)s) END AS s_distance FROM m
),
page AS (
  SELECT id, distance, s_tier, s_distance, s_rank
  FROM sorted WHERE {keyset} ORDER BY s_tier, s_distance, s_rank, id LIMIT %(first)s
)
SELECT
  (SELECT json_agg(json_build_object('id', d.id, 'service_id', d.service_id,
     'location_id', d.location_id, 'organization_id', d.organization_id, 'active', d.active,
     'name_fr', d.name_fr, 'name_en', d.name_en, 'organization_fr', d.organization_fr,
     'organization_en', d.organization_en, 'city', d.city, 'distance', p.distance,
     's_tier', p.s_tier, 's_distance', p.s_distance, 's_rank', p.s_rank)
     ORDER BY p.s_tier, p.s_distance, p.s_rank, p.id)
   FROM page p JOIN {documents} d ON d.id = p.id) AS rows,
  (SELECT count(*) FROM m) AS total,
  {facets} AS facets
"""


# For each typed word, the known word one edit away most like it (itself when known).
RESPELL = """
SELECT typed, (
  SELECT w.word FROM {words} w
  WHERE w.word OPERATOR(public.%%) typed AND public.levenshtein(w.word, typed) <= 1
  ORDER BY w.word = typed DESC, public.similarity(w.word, typed) DESC, w.word LIMIT 1
) AS known
FROM unnest(%s::text[]) AS typed
"""


class PostgresSearchView(PostgresDocumentsView):
    def search(self, query: SearchQuery) -> SearchPage:
        page = self._search(query)
        if page.total or not query.text:
            return page
        rewritten = self._respell(query)
        if rewritten is None:
            self.count_gap(query)
            return page
        retried = self._search(rewritten)
        if not retried.total:
            self.count_gap(query)
        return replace(retried, rewritten_text=rewritten.text)

    def _search(self, query: SearchQuery) -> SearchPage:
        with self.bounded() as curs:
            where, params = self._filters(query)
            near = query.near
            params.update(
                text=query.text,
                lat=near.latitude if near else None,
                lon=near.longitude if near else None,
                first=query.first + 1,
                far=FAR,
            )
            keyset: sql.Composable = sql.SQL("TRUE")
            if query.after is not None:
                keyset = sql.SQL("(s_tier, s_distance, s_rank, id) > (%(t)s, %(d)s, %(r)s, %(i)s)")
                after = query.after
                params.update(t=-after.tier, d=after.distance, r=-after.rank, i=after.id)
            row = curs.execute(
                sql.SQL(SEARCH).format(
                    documents=self.table("search_documents"),
                    where=where,
                    keyset=keyset,
                    facets=sql.SQL(FACETS if query.facets else "NULL"),
                    # Matching rows carry only what sorting needs, and what facets count
                    # when asked; the page's own columns are read for its rows alone.
                    facet_columns=sql.SQL(
                        ", d.categories, d.languages, d.areas" if query.facets else ""
                    ),
                ),
                params,
            ).fetchone()
        assert row is not None
        rows = row["rows"] or []
        hits = [self._hit(found) for found in rows[: query.first]]
        found = row["facets"] or {}
        facets = {
            name: [Facet(value, count) for value, count in found.get(name, [])]
            for name in ("categories", "languages", "areas")
        }
        return SearchPage(
            hits=hits,
            total=row["total"],
            has_next=len(rows) > query.first,
            categories=facets["categories"],
            languages=facets["languages"],
            territories=facets["areas"],
        )

    def _filters(self, query: SearchQuery) -> tuple[sql.Composable, dict[str, Any]]:
        conditions: list[sql.Composable] = [sql.SQL("TRUE")]
        params: dict[str, Any] = {}
        if query.text and query.text_categories:
            # A service coded under a category the text names matches as its words would.
            conditions.append(
                sql.SQL("(d.vector @@ (SELECT q FROM text_query) OR d.categories && %(named)s)")
            )
            params["named"] = list(query.text_categories)
        elif query.text:
            # The text query is built once, in its own CTE: unaccent is only STABLE, and
            # inside the row filter it would be run again for every candidate row.
            conditions.append(sql.SQL("d.vector @@ (SELECT q FROM text_query)"))
        if not query.include_inactive:
            conditions.append(sql.SQL("d.active"))
        if query.territories is not None:
            # With text, the text index is far more selective than a territory, which can
            # match half the directory: filter territories row by row instead of ANDing bitmaps.
            areas = sql.SQL("(d.areas || '{}'::text[])" if query.text else "d.areas")
            conditions.append(sql.SQL("{} && %(territories)s").format(areas))
            params["territories"] = list(query.territories)
        if query.categories:
            conditions.append(sql.SQL("d.categories && %(categories)s"))
            params["categories"] = list(query.categories)
        if query.languages:
            conditions.append(sql.SQL("d.languages && %(languages)s"))
            params["languages"] = list(query.languages)
        if query.open_at is not None:
            local = query.open_at.astimezone(MONTREAL)
            conditions.append(
                sql.SQL(
                    "NOT (d.schedule->'closed_on') ? %(day)s AND EXISTS (SELECT 1 FROM"
                    " jsonb_array_elements(d.schedule->'hours') h WHERE"
                    " (h->>'weekday')::int = %(weekday)s AND h->>'opens' <= %(time)s"
                    " AND %(time)s < h->>'closes')"
                )
            )
            params.update(
                day=local.date().isoformat(),
                weekday=local.isoweekday(),
                time=local.strftime("%H:%M"),
            )
        return sql.SQL(" AND ").join(conditions), params

    @staticmethod
    def _hit(row: dict[str, Any]) -> Hit:
        cursor = Cursor(
            -row["s_tier"], float(row["s_distance"]), -float(row["s_rank"]), UUID(row["id"])
        )
        return hit_of(row, UUID(row["id"]), row["distance"], cursor)

    def _respell(self, query: SearchQuery) -> SearchQuery | None:
        """Replaces words of 5+ letters unknown to the directory by a known word one edit away,
        all of them in one query (the words are bounded by the query's parsing)."""
        candidates = query.respell_candidates
        if not candidates:
            return None
        with self.bounded() as curs:
            curs.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.2', true)")
            rows = curs.execute(
                sql.SQL(RESPELL).format(words=self.table("search_words")), (candidates,)
            ).fetchall()
        return respelled(query, {row["typed"]: row["known"] for row in rows if row["known"]})

    def autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]:
        """Names of active services with a word starting with `prefix`, shortest first."""
        folded = " ".join(folded_words(prefix))
        if len(folded) < 2:
            return []
        with self.bounded() as curs:
            rows = curs.execute(
                sql.SQL(
                    "SELECT name_fr, name_en FROM {} WHERE active AND"
                    " (folded LIKE %(start)s OR folded LIKE %(word)s)"
                    " GROUP BY name_fr, name_en"
                    " ORDER BY bool_or(folded LIKE %(start)s) DESC, length(name_fr), name_fr,"
                    " name_en"
                    " LIMIT %(first)s"
                ).format(self.table("search_documents")),
                {"start": f"{folded}%", "word": f"% {folded}%", "first": first},
            ).fetchall()
        return [(row["name_fr"], row["name_en"]) for row in rows]


class PostgresSearchIndex:
    """The search port on the PostgreSQL view; its blocking queries run on worker threads."""

    def __init__(self, view: PostgresSearchView, named: NamedCategories = no_categories) -> None:
        self.view = view
        self.named = named

    async def search(self, query: SearchQuery) -> SearchPage:
        # The codes the text names are read on the same worker thread as the search.
        def run() -> SearchPage:
            return self.view.search(with_named_categories(query, self.named))

        return await anyio.to_thread.run_sync(run)

    async def autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]:
        return await anyio.to_thread.run_sync(self.view.autocomplete, prefix, first)

    async def gaps(self, first: int) -> list[tuple[str, str, int]]:
        return await anyio.to_thread.run_sync(self.view.gaps, first)

    async def close(self) -> None:
        return None
