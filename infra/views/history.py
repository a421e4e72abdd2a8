"""Field-level record history in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from infra.views.base import PostgresView
from projections import history
from projections.base import Positioned
from projections.history import Change, Json

_COLUMNS = [f.name for f in fields(Change)]
_JSON = {"previous", "replacement"}


class PostgresHistoryView(PostgresView):
    name: ClassVar[str] = "history"
    topics: ClassVar[tuple[str, ...]] = history.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("record_history", "record_fields")

    def create_statements(self) -> list[sql.Composed]:
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " record_id uuid NOT NULL, version integer NOT NULL, field text NOT NULL,"
                " fact text NOT NULL, previous jsonb, replacement jsonb, actor text NOT NULL,"
                " occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL,"
                " reason text, position bigint NOT NULL, PRIMARY KEY (record_id, version, field))"
            ).format(self.table("record_history")),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (record_id uuid NOT NULL, field text NOT NULL,"
                " value jsonb, PRIMARY KEY (record_id, field))"
            ).format(self.table("record_fields")),
            # The HSDS API's pages find records by kind, status and link in id order. Only
            # short fields: a long text would not fit a B-tree entry.
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS record_fields_links ON {} (field, value, record_id)"
                " WHERE field IN ('kind', 'status', 'organization_id', 'service_id',"
                " 'location_id', 'linked')"
            ).format(self.table("record_fields")),
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        current = self._current(curs, {item.event.originator_id for item in page})
        found = [change for item in page for change in history.changes(item, current)]
        if not found:
            return
        with curs.copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(
                self.table("record_history"), sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
            )
        ) as copy:
            for change in found:
                copy.write_row(
                    [
                        Jsonb(getattr(change, c)) if c in _JSON else getattr(change, c)
                        for c in _COLUMNS
                    ]
                )
        latest = {(c.record_id, c.field): c.replacement for c in found}
        curs.executemany(
            sql.SQL(
                "INSERT INTO {} (record_id, field, value) VALUES (%s, %s, %s) "
                "ON CONFLICT (record_id, field) DO UPDATE SET value = EXCLUDED.value"
            ).format(self.table("record_fields")),
            [(record, field, Jsonb(value)) for (record, field), value in latest.items()],
        )

    def _current(self, curs: Cursor[Any], records: set[UUID]) -> dict[tuple[UUID, str], Json]:
        curs.execute(
            sql.SQL("SELECT record_id, field, value FROM {} WHERE record_id = ANY(%s)").format(
                self.table("record_fields")
            ),
            (list(records),),
        )
        return {(row["record_id"], row["field"]): row["value"] for row in curs.fetchall()}

    def changes(self, record_id: UUID, after: tuple[int, str] | None, first: int) -> list[Change]:
        """The record's changes in (version, field) order after `after`, `first` at most."""
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=class_row(Change)) as curs,
        ):
            curs.execute(
                sql.SQL(
                    "SELECT {} FROM {} WHERE record_id = %s AND (version, field) > (%s, %s) "
                    "ORDER BY version, field LIMIT %s"
                ).format(
                    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                    self.table("record_history"),
                ),
                (record_id, *(after or (0, "")), first),
            )
            return curs.fetchall()

    def count_changes(self, record_id: UUID) -> int:
        with self.datastore.get_connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*) AS n FROM {} WHERE record_id = %s").format(
                    self.table("record_history")
                ),
                (record_id,),
            ).fetchone()
            return int(row["n"]) if row else 0

    def records(self, ids: Sequence[UUID]) -> dict[UUID, dict[str, Json]]:
        """The current value of every field of each record, as its facts left it."""
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT f.record_id, f.field, f.value, v.version FROM {} f JOIN "
                    "(SELECT record_id, max(version) AS version FROM {} "
                    "WHERE record_id = ANY(%s) GROUP BY record_id) v USING (record_id) "
                    # Named on both sides: the planner, guessing many groups, would otherwise
                    # scan every record's fields (37 ms for a page of 50 services among 10,000).
                    "WHERE f.record_id = ANY(%s)"
                ).format(self.table("record_fields"), self.table("record_history")),
                (list(ids), list(ids)),
            ).fetchall()
        found: dict[UUID, dict[str, Json]] = {}
        for row in rows:
            record = found.setdefault(row["record_id"], {"version": row["version"]})
            record[row["field"]] = row["value"]
        return found

    def ids_of_kind(self, kind: str) -> list[UUID]:
        """Every record of one kind (organization, service, location, service_at_location)."""
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT record_id FROM {} WHERE field = 'kind' AND value = to_jsonb(%s::text) "
                    "ORDER BY record_id"
                ).format(self.table("record_fields")),
                (kind,),
            ).fetchall()
        return [row["record_id"] for row in rows]

    def changes_of(self, ids: Sequence[UUID]) -> dict[UUID, list[Change]]:
        """Every change of each record, in order."""
        found: dict[UUID, list[Change]] = {id: [] for id in ids}
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=class_row(Change)) as curs,
        ):
            curs.execute(
                sql.SQL(
                    "SELECT {} FROM {} WHERE record_id = ANY(%s) ORDER BY record_id, version, field"
                ).format(
                    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                    self.table("record_history"),
                ),
                (list(ids),),
            )
            for change in curs.fetchall():
                found[change.record_id].append(change)
        return found

    def linked(self, end: str, id: UUID) -> list[UUID]:
        """Links still in force whose `end` (service_id or location_id) is `id`."""
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT e.record_id FROM {0} e JOIN {0} l ON l.record_id = e.record_id "
                    "AND l.field = 'linked' AND l.value = 'true'::jsonb "
                    "WHERE e.field = %s AND e.value = to_jsonb(%s::text) ORDER BY e.record_id"
                ).format(self.table("record_fields")),
                (end, str(id)),
            ).fetchall()
        return [row["record_id"] for row in rows]

    def last_version(self, record_id: UUID) -> int:
        with self.datastore.get_connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT max(version) AS v FROM {} WHERE record_id = %s").format(
                    self.table("record_history")
                ),
                (record_id,),
            ).fetchone()
        return int(row["v"] or 0) if row else 0
