"""What both search adapters keep in PostgreSQL: the current fields of the records documents
are built from, and the searches that found nothing."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor as DbCursor
from psycopg import sql

from domain.interactions import ReferralSnapshot
from infra.views.base import PostgresView
from projections import search
from projections.base import Positioned
from projections.search_query import SearchQuery, SearchTimeout, folded_words

log = logging.getLogger(__name__)

# How long one search may run in the database, and how long a search gap is kept, unless
# the settings say otherwise.
SEARCH_TIMEOUT = 2.0
GAP_DAYS = 90
# What is kept of a search that found nothing (see `gap_text`).
GAP_LENGTH = 100
GAP_FILTERS_LENGTH = 200
# Expired gaps are deleted by the write that follows, at most this often per process.
PURGE_EVERY = 3600.0

# The services whose documents a change of these records touches: each part on an index of
# its own (with one `OR` over them, every page read the whole table).
AFFECTED = """
SELECT id FROM {records} WHERE kind = 'service' AND id = ANY(%(ids)s)
UNION
SELECT id FROM {records} WHERE kind = 'service' AND fields->>'organization_id' = ANY(%(texts)s)
UNION
SELECT (fields->>'service_id')::uuid FROM {records}
WHERE kind = 'service_at_location' AND id = ANY(%(ids)s)
UNION
SELECT (fields->>'service_id')::uuid FROM {records}
WHERE kind = 'service_at_location' AND fields->>'location_id' = ANY(%(texts)s)
"""


class SearchRecordsView(PostgresView):
    name: ClassVar[str] = "search"
    topics: ClassVar[tuple[str, ...]] = search.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("search_records", "search_gaps")
    # Searches that found nothing are counted as they happen, not derived from the log.
    unreproducible: ClassVar[dict[str, tuple[str, ...]]] = {"search_gaps": ("*",)}

    def __init__(
        self,
        datastore: PostgresDatastore,
        log_schema: str | None = None,
        *,
        timeout: float = SEARCH_TIMEOUT,
        gap_days: int = GAP_DAYS,
    ) -> None:
        self.timeout = timeout
        self.gap_days = gap_days
        self._purged_at: float | None = None
        super().__init__(datastore, log_schema)

    def create(self) -> None:
        super().create()
        # Rows written before these rules (whole texts, digits, exact times) are not kept.
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE query !~ '^[a-z ]*$' OR length(query) > %s"
                    " OR last_seen <> date_trunc('day', last_seen)"
                    " OR last_seen < now() - make_interval(days => %s)"
                ).format(self.table("search_gaps")),
                (GAP_LENGTH, self.gap_days),
            )

    @contextmanager
    def bounded(self, *, commit: bool = False) -> Iterator[DbCursor[Any]]:
        """A transaction whose statements are cancelled past the search timeout; a search
        cancelled so (or kept waiting for a lock) is a `SearchTimeout`, never an outage."""
        try:
            with self.datastore.transaction(commit=commit) as curs:
                curs.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    (f"{max(1, round(self.timeout * 1000))}ms",),
                )
                yield curs
        except PersistenceError as error:
            cause = error.__cause__
            if isinstance(cause, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable):
                raise SearchTimeout(self.timeout) from error
            raise

    def definition(self) -> str:
        # The categories are stored with each service as `search.categories` computes them:
        # another rule is another definition, and the records are made anew from the log.
        digest = f"{super().definition()}\n{search.CATEGORIES_RULE}"
        return hashlib.sha256(digest.encode()).hexdigest()

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
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS search_records_places ON {} "
                "((fields->>'location_id')) WHERE kind = 'service_at_location'"
            ).format(t("search_records")),
        ]

    def fold_records(self, curs: DbCursor[Any], page: Sequence[Positioned]) -> set[UUID]:
        """Folds the page into the records; returns the records it changed."""
        records = self._records(curs, {item.event.originator_id for item in page})
        changed = search.fold(page, records)
        self._store(curs, [(id, records[id]) for id in changed])
        return changed

    def changed_services(self, curs: DbCursor[Any], page: Sequence[Positioned]) -> list[UUID]:
        """Folds the page into the records; returns the services whose documents changed."""
        changed = self.fold_records(curs, page)
        curs.execute(
            sql.SQL(AFFECTED).format(records=self.table("search_records")),
            {"ids": list(changed), "texts": [str(id) for id in changed]},
        )
        return [row["id"] for row in curs.fetchall()]

    def _store(self, curs: DbCursor[Any], rows: list[tuple[UUID, dict[str, Any]]]) -> None:
        # COPY into a scratch table, then one upsert: a statement per record was most of a
        # rebuild's time. The fields are written as JSON text, coded by orjson.
        if not rows:
            return
        curs.execute(
            "CREATE TEMP TABLE IF NOT EXISTS search_records_page"
            " (id uuid, kind text, fields jsonb) ON COMMIT DELETE ROWS"
        )
        with curs.copy("COPY search_records_page (id, kind, fields) FROM STDIN") as copy:
            for id, fields in rows:
                copy.write_row((id, fields.get("kind", ""), orjson.dumps(fields).decode()))
        curs.execute(
            sql.SQL(
                "INSERT INTO {} (id, kind, fields) SELECT id, kind, fields FROM"
                " search_records_page ON CONFLICT (id) DO UPDATE SET fields = EXCLUDED.fields"
            ).format(self.table("search_records"))
        )

    def _records(self, curs: DbCursor[Any], ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
        curs.execute(
            sql.SQL("SELECT id, fields FROM {} WHERE id = ANY(%s)").format(
                self.table("search_records")
            ),
            (list(ids),),
        )
        return {row["id"]: row["fields"] for row in curs.fetchall()}

    def count_gap(self, query: SearchQuery) -> None:
        """Counts a search that found nothing, for the data team, as `gap_text` keeps it."""
        text = gap_text(query)
        if not text:
            return
        filters = ";".join(
            f"{name}={','.join(value)}"
            for name, value in (
                ("territories", query.territories[:1] if query.territories else ()),
                ("categories", query.categories),
                ("languages", query.languages),
            )
            if value
        )[:GAP_FILTERS_LENGTH]
        try:
            self._write_gap(text, filters)
        except SearchTimeout:
            # Counting is for the data team: the searcher still gets the answer.
            log.warning("a search gap was not counted: its write ran past the search timeout")

    def _write_gap(self, text: str, filters: str) -> None:
        gaps = self.table("search_gaps")
        with self.bounded(commit=True) as curs:
            # By the day: a gap's time must not match it with a call logged at that moment.
            curs.execute(
                sql.SQL(
                    "INSERT INTO {} (query, filters, searches, last_seen)"
                    " VALUES (%s, %s, 1, date_trunc('day', now()))"
                    " ON CONFLICT (query, filters) DO UPDATE SET searches = {}.searches + 1,"
                    " last_seen = EXCLUDED.last_seen"
                ).format(gaps, gaps),
                (text, filters),
            )
            now = time.monotonic()
            if self._purged_at is None or now - self._purged_at > PURGE_EVERY:
                curs.execute(
                    sql.SQL(
                        "DELETE FROM {} WHERE last_seen < now() - make_interval(days => %s)"
                    ).format(gaps),
                    (self.gap_days,),
                )
                self._purged_at = now

    def gaps(self, first: int) -> list[tuple[str, str, int]]:
        """The searches that found nothing within the retention period, most frequent first."""
        with self.bounded() as curs:
            rows = curs.execute(
                sql.SQL(
                    "SELECT query, filters, searches FROM {}"
                    " WHERE last_seen >= now() - make_interval(days => %s)"
                    " ORDER BY searches DESC, query LIMIT %s"
                ).format(self.table("search_gaps")),
                (self.gap_days, first),
            ).fetchall()
        return [(row["query"], row["filters"], row["searches"]) for row in rows]

    def referral_snapshots(self, ids: Sequence[UUID]) -> dict[UUID, ReferralSnapshot]:
        """Active services of active organizations as a counsellor gives them: names, first
        phone, first address."""
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


def gap_text(query: SearchQuery) -> str:
    """What is kept of a search that found nothing: its folded words without any word that
    holds a digit, cut to GAP_LENGTH characters at a word's end.

    Searches are anonymous, but people type who and where they are: phone numbers, postal
    codes, street numbers, dates of birth, file numbers all hold digits, and go. Keeping only
    the words the directory does not know was weighed and not chosen: those are mostly the
    names of people and streets, the part most likely to identify someone, while the known
    words around them ("aide", "logement") are what tells the data team which need was not
    met. Names cannot be told from other words by any rule; the retention period bounds how
    long they stay, and nothing says who searched or exactly when.
    """
    kept = ""
    for word in folded_words(query.text or ""):
        if not word.isalpha():
            continue
        longer = f"{kept} {word}" if kept else word
        if len(longer) > GAP_LENGTH:
            break
        kept = longer
    return kept


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
  AND coalesce(o.fields->>'status', 'active') = 'active'
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
