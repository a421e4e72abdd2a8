"""What both search adapters keep in PostgreSQL: the current fields of the records documents
are built from, and the searches that found nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor as DbCursor
from psycopg import sql
from psycopg.types.json import Jsonb

from domain.interactions import ReferralSnapshot
from infra.views.base import PostgresView
from projections import search
from projections.base import Positioned
from projections.search_query import SearchQuery, fold_text

WORD = re.compile(r"[a-z0-9]+")

# The services whose documents a change of these records touches.
AFFECTED = """
SELECT id FROM {records} WHERE kind = 'service'
  AND (id = ANY(%(ids)s) OR fields->>'organization_id' = ANY(%(texts)s))
UNION
SELECT (fields->>'service_id')::uuid FROM {records} WHERE kind = 'service_at_location'
  AND (id = ANY(%(ids)s) OR fields->>'location_id' = ANY(%(texts)s))
"""


class SearchRecordsView(PostgresView):
    name: ClassVar[str] = "search"
    topics: ClassVar[tuple[str, ...]] = search.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("search_records", "search_gaps")
    # Searches that found nothing are counted as they happen, not derived from the log.
    unreproducible: ClassVar[dict[str, tuple[str, ...]]] = {"search_gaps": ("*",)}

    def create_statements(self) -> list[sql.Composed]:
        t = self.table
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id uuid PRIMARY KEY, kind text NOT NULL,"
                " fields jsonb NOT NULL)"
            ).format(t("search_records")),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (query text NOT NULL, filters text NOT NULL,"
                " searches bigint NOT NULL, last_seen timestamptz NOT NULL,"
                " PRIMARY KEY (query, filters))"
            ).format(t("search_gaps")),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS search_records_links ON {} "
                "((fields->>'service_id'), (fields->>'location_id')) "
                "WHERE kind = 'service_at_location'"
            ).format(t("search_records")),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS search_records_owner ON {} "
                "((fields->>'organization_id')) WHERE kind = 'service'"
            ).format(t("search_records")),
        ]

    def changed_services(self, curs: DbCursor[Any], page: Sequence[Positioned]) -> list[UUID]:
        """Folds the page into the records; returns the services whose documents changed."""
        records = self._records(curs, {item.event.originator_id for item in page})
        changed = search.fold(page, records)
        curs.executemany(
            sql.SQL(
                "INSERT INTO {} (id, kind, fields) VALUES (%s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET fields = EXCLUDED.fields"
            ).format(self.table("search_records")),
            [(id, records[id].get("kind", ""), Jsonb(records[id])) for id in changed],
        )
        curs.execute(
            sql.SQL(AFFECTED).format(records=self.table("search_records")),
            {"ids": list(changed), "texts": [str(id) for id in changed]},
        )
        return [row["id"] for row in curs.fetchall()]

    def _records(self, curs: DbCursor[Any], ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
        curs.execute(
            sql.SQL("SELECT id, fields FROM {} WHERE id = ANY(%s)").format(
                self.table("search_records")
            ),
            (list(ids),),
        )
        return {row["id"]: row["fields"] for row in curs.fetchall()}

    def count_gap(self, query: SearchQuery) -> None:
        filters = ";".join(
            f"{name}={','.join(value)}"
            for name, value in (
                ("territories", query.territories[:1] if query.territories else ()),
                ("categories", query.categories),
                ("languages", query.languages),
            )
            if value
        )
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL(
                    "INSERT INTO {} (query, filters, searches, last_seen) VALUES (%s, %s, 1, now())"
                    " ON CONFLICT (query, filters) DO UPDATE SET searches = {}.searches + 1,"
                    " last_seen = now()"
                ).format(self.table("search_gaps"), self.table("search_gaps")),
                (" ".join(WORD.findall(fold_text(query.text or ""))), filters),
            )

    def gaps(self, first: int) -> list[tuple[str, str, int]]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT query, filters, searches FROM {} ORDER BY searches DESC, query LIMIT %s"
                ).format(self.table("search_gaps")),
                (first,),
            ).fetchall()
        return [(row["query"], row["filters"], row["searches"]) for row in rows]

    def referral_snapshots(self, ids: Sequence[UUID]) -> dict[UUID, ReferralSnapshot]:
        """Active services as a counsellor gives them: names, first phone, first address."""
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL(SNAPSHOTS).format(records=self.table("search_records")), (list(ids),)
            ).fetchall()
        return {row["id"]: _snapshot(row) for row in rows}

    def organization_names(self, ids: Sequence[str]) -> dict[str, str]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT id::text AS id, fields->>'name.fr' AS fr, fields->>'name.en' AS en"
                    " FROM {} WHERE id = ANY(%s::uuid[]) AND kind = 'organization'"
                ).format(self.table("search_records")),
                (list(ids),),
            ).fetchall()
        return {row["id"]: row["fr"] or row["en"] or "" for row in rows}


SNAPSHOTS = """
SELECT s.id, s.fields AS service, o.fields AS organization, l.fields AS location
FROM {records} s
LEFT JOIN {records} o ON o.id = (s.fields->>'organization_id')::uuid
LEFT JOIN LATERAL (
  SELECT place.fields FROM {records} link
  JOIN {records} place ON place.id = (link.fields->>'location_id')::uuid
  WHERE link.kind = 'service_at_location' AND link.fields->>'service_id' = s.id::text
    AND (link.fields->>'linked')::boolean AND place.fields->>'status' = 'active'
  ORDER BY place.id LIMIT 1
) l ON true
WHERE s.id = ANY(%s) AND s.kind = 'service' AND s.fields->>'status' = 'active'
"""


def _snapshot(row: dict[str, Any]) -> ReferralSnapshot:
    service, organization = row["service"], row["organization"] or {}
    phones = service.get("phones") or []
    address = (row["location"] or {}).get("address")
    return ReferralSnapshot(
        service_id=row["id"],
        organization_id=UUID(service["organization_id"]),
        service_name=service.get("name.fr") or service.get("name.en") or "",
        organization_name=organization.get("name.fr") or organization.get("name.en") or "",
        phone=phones[0]["number"] if phones else None,
        address=(
            f"{address['street']}, {address['city']} {address['postal_code']}" if address else None
        ),
    )
