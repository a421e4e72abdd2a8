"""The search documents in PostgreSQL, made from the records by SQL.

A page's changes make the documents of the services they touch anew, in the page's transaction.
A rebuild instead folds the whole log into the records and then makes every document in one
statement, indexing them after: while it runs, a row in `search_waiting` says the documents
wait, and whichever transaction makes them removes it (see `apply_page`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from psycopg import Cursor as DbCursor
from psycopg import sql

from infra.search.records import SearchRecordsView
from infra.views.base import LOG_NAME, LOG_TABLE
from projections.base import Positioned

# Each text's vector is made once: `vector` is `names || organization || description`, the
# same concatenation (and so the same positions) as making all six again. The places are
# joined row by row (LATERAL): as plain joins the planner hashed the whole records table
# for every page, and a rebuild grew with the square of the directory.
DOCUMENT = """
INSERT INTO {documents}
SELECT coalesce(p.link_id, s.id), s.id, p.location_id, o.id,
  s.fields->>'status' = 'active' AND o.fields->>'status' = 'active'
    AND coalesce(p.fields->>'status', 'active') = 'active',
  t.name_fr, t.name_en, t.organization_fr, t.organization_en,
  t.description_fr, t.description_en,
  ARRAY(SELECT jsonb_array_elements_text(coalesce(s.fields->'categories', '[]'))),
  ARRAY(SELECT jsonb_array_elements_text(coalesce(s.fields->'languages', '[]'))),
  ARRAY(SELECT jsonb_array_elements_text(coalesce(s.fields->'service_areas', '[]'))),
  (p.fields->'coordinates'->>'latitude')::float8,
  (p.fields->'coordinates'->>'longitude')::float8,
  p.fields->'address'->>'city',
  coalesce(s.fields->'schedule', '{{"hours": [], "closed_on": []}}'),
  v.names, v.organization, v.names || v.organization || v.description,
  lower(public.unaccent(t.name_fr || ' / ' || t.name_en))
FROM {records} s
JOIN {records} o ON o.id = (s.fields->>'organization_id')::uuid
LEFT JOIN LATERAL (
  SELECT l.id AS link_id, loc.id AS location_id, loc.fields FROM {records} l
  LEFT JOIN {records} loc ON loc.id = (l.fields->>'location_id')::uuid
  WHERE l.kind = 'service_at_location' AND l.fields->>'service_id' = s.id::text
    AND (l.fields->>'linked')::boolean
  OFFSET 0
) p ON true
CROSS JOIN LATERAL (SELECT
  coalesce(s.fields->>'name.fr', '') AS name_fr, coalesce(s.fields->>'name.en', '') AS name_en,
  coalesce(o.fields->>'name.fr', '') AS organization_fr,
  coalesce(o.fields->>'name.en', '') AS organization_en,
  coalesce(s.fields->>'description.fr', '') AS description_fr,
  coalesce(s.fields->>'description.en', '') AS description_en) t
CROSS JOIN LATERAL (SELECT
  setweight(to_tsvector('french', public.unaccent(t.name_fr)), 'A')
    || setweight(to_tsvector('english', public.unaccent(t.name_en)), 'A') AS names,
  setweight(to_tsvector('french', public.unaccent(t.organization_fr)), 'B')
    || setweight(to_tsvector('english', public.unaccent(t.organization_en)), 'B')
    AS organization,
  setweight(to_tsvector('french', public.unaccent(t.description_fr)), 'C')
    || setweight(to_tsvector('english', public.unaccent(t.description_en)), 'C')
    AS description) v
WHERE s.kind = 'service' AND {services} AND s.fields->>'status' <> 'merged'
"""

WORDS = """
INSERT INTO {words} SELECT DISTINCT word FROM {documents} d,
  regexp_split_to_table(lower(public.unaccent(d.name_fr || ' ' || d.name_en
  || ' ' || d.organization_fr || ' ' || d.organization_en || ' '
  || d.description_fr || ' ' || d.description_en)), '[^a-z0-9]+') AS word
WHERE {services} AND length(word) >= 3
ON CONFLICT DO NOTHING
"""

INDEXED = ("vector", "categories", "languages", "areas")


class PostgresDocumentsView(SearchRecordsView):
    tables: ClassVar[tuple[str, ...]] = (
        "search_records", "search_gaps", "search_documents", "search_words", "search_waiting",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # True from a drop until the documents are made: pages then fold records alone.
        self._deferring = False
        super().__init__(*args, **kwargs)

    def create_statements(self) -> list[sql.Composed]:
        t = self.table
        return [
            *super().create_statements(),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id uuid PRIMARY KEY, service_id uuid NOT NULL,"
                " location_id uuid, organization_id uuid NOT NULL, active boolean NOT NULL,"
                " name_fr text NOT NULL, name_en text NOT NULL, organization_fr text NOT NULL,"
                " organization_en text NOT NULL, description_fr text NOT NULL,"
                " description_en text NOT NULL, categories text[] NOT NULL,"
                " languages text[] NOT NULL, areas text[] NOT NULL, latitude float8,"
                " longitude float8, city text, schedule jsonb NOT NULL, names tsvector NOT NULL,"
                " organization tsvector NOT NULL, vector tsvector NOT NULL, folded text NOT NULL)"
            ).format(t("search_documents")),
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (word text PRIMARY KEY)").format(
                t("search_words")
            ),
            *self.document_indexes(),
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (since timestamptz NOT NULL)").format(
                t("search_waiting")
            ),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS search_words_trigram ON {} "
                "USING gin (word public.gin_trgm_ops)"
            ).format(t("search_words")),
        ]

    def document_indexes(self) -> list[sql.Composed]:
        t = self.table
        return [
            *(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin ({})").format(
                    sql.Identifier(f"search_documents_{column}"),
                    t("search_documents"),
                    sql.Identifier(column),
                )
                for column in INDEXED
            ),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS search_documents_service ON {} (service_id)"
            ).format(t("search_documents")),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS search_documents_folded ON {} "
                "USING gin (folded public.gin_trgm_ops)"
            ).format(t("search_documents")),
        ]

    def drop(self) -> None:
        super().drop()
        # Only a rebuild defers: a replay's shadow copy (another schema than the log's) is
        # compared as it stands after its last page, and is not told when that page comes.
        self._deferring = self.log_schema == self.datastore.schema

    def replace_stale(self) -> None:
        # A served runner replays into the new tables while events keep coming: documents are
        # made page by page, as they always are outside a rebuild.
        super().replace_stale()
        self._deferring = False

    def create(self) -> None:
        super().create()
        if not self._deferring:
            return
        # Fresh tables, to be filled from the whole log: the documents wait for the records,
        # and their indexes are built once they are all made (far cheaper than entry by entry).
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL("INSERT INTO {} SELECT now() WHERE NOT EXISTS (SELECT FROM {})").format(
                    self.table("search_waiting"), self.table("search_waiting")
                )
            )
            for name in ("service", "folded", *INDEXED):
                curs.execute(
                    sql.SQL("DROP INDEX IF EXISTS {}").format(
                        sql.Identifier(self.datastore.schema, f"search_documents_{name}")
                    )
                )

    def apply_page(self, page: Sequence[Positioned], start: int, end: int) -> None:
        with self.datastore.transaction(commit=True) as curs:
            # Derived data: a page lost in a crash is applied again from the log.
            curs.execute("SET LOCAL synchronous_commit = off")
            waiting = self._waiting(curs, end)
            if page:
                self.write(curs, page, documents=waiting is None)
            if waiting:
                self.make_documents(curs)
            self._insert_tracking(curs, Tracking(LOG_NAME, end))

    def _waiting(self, curs: DbCursor[Any], end: int) -> bool | None:
        """None when no documents wait; else whether this page makes them: a rebuilding
        process makes them with the page that reaches the log's head, any other at once."""
        row = curs.execute(
            sql.SQL(
                "SELECT EXISTS (SELECT FROM {}) AS waiting,"
                " (SELECT max(notification_id) FROM {}) AS head"
            ).format(self.table("search_waiting"), sql.Identifier(self.log_schema, LOG_TABLE))
        ).fetchone()
        if not (row and row["waiting"]):
            self._deferring = False
            return None
        return not self._deferring or end >= (row["head"] or 0)

    def rebuilt(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            if self._waiting(curs, 0) is not None:
                self.make_documents(curs)
        super().rebuilt()

    def make_documents(self, curs: DbCursor[Any]) -> None:
        """Every document, from the records, and then their indexes."""
        documents = self.table("search_documents")
        # A whole directory's documents are one statement, past the bound set for requests;
        # their GIN indexes are built far faster with more memory than the default.
        curs.execute("SET LOCAL statement_timeout = 0")
        curs.execute("SET LOCAL maintenance_work_mem = '256MB'")
        curs.execute(sql.SQL("DELETE FROM {}").format(documents))
        curs.execute(
            sql.SQL(DOCUMENT).format(
                documents=documents,
                records=self.table("search_records"),
                services=sql.SQL("TRUE"),
            )
        )
        curs.execute(
            sql.SQL(WORDS).format(
                words=self.table("search_words"), documents=documents, services=sql.SQL("TRUE")
            )
        )
        for statement in self.document_indexes():
            curs.execute(statement)
        curs.execute(sql.SQL("DELETE FROM {}").format(self.table("search_waiting")))
        self._deferring = False

    def write(
        self, curs: DbCursor[Any], page: Sequence[Positioned], *, documents: bool = True
    ) -> None:
        if not documents:  # they wait: only the records are folded
            self.fold_records(curs, page)
            return
        services = self.changed_services(curs, page)
        if not services:
            return
        curs.execute(
            sql.SQL("DELETE FROM {} WHERE service_id = ANY(%s)").format(
                self.table("search_documents")
            ),
            (services,),
        )
        chosen = sql.SQL("s.id = ANY(%(services)s)")
        curs.execute(
            sql.SQL(DOCUMENT).format(
                documents=self.table("search_documents"),
                records=self.table("search_records"),
                services=chosen,
            ),
            {"services": services},
        )
        curs.execute(
            sql.SQL(WORDS).format(
                words=self.table("search_words"),
                documents=self.table("search_documents"),
                services=sql.SQL("d.service_id = ANY(%(services)s)"),
            ),
            {"services": services},
        )
