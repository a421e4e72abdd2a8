"""The directory read model in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import class_row

from infra.views.base import PostgresView
from projections import directory
from projections.base import Positioned
from projections.directory import OrganizationRow

_COLUMNS = [f.name for f in fields(OrganizationRow)]


class PostgresDirectoryView(PostgresView):
    name: ClassVar[str] = "directory"
    topics: ClassVar[tuple[str, ...]] = directory.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("directory_organizations",)

    def create_statements(self) -> list[sql.Composed]:
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " id uuid PRIMARY KEY, name_fr text NOT NULL, name_en text NOT NULL,"
                " description_fr text NOT NULL, description_en text NOT NULL, website text,"
                " version integer NOT NULL, registered_at timestamptz NOT NULL,"
                " registered_by text NOT NULL, changed_at timestamptz NOT NULL,"
                " changed_by text NOT NULL, position bigint NOT NULL, status text NOT NULL,"
                " verified_at timestamptz, flagged_reason text, merged_into uuid)"
            ).format(self.table("directory_organizations")),
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        rows = self._load(curs, directory.rows_to_load(page))
        changed = {item.event.originator_id for item in page if directory.apply(item, rows)}
        if changed:
            self._store(curs, [rows[key] for key in changed])

    def organizations(self, ids: Sequence[UUID]) -> dict[UUID, OrganizationRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._load(curs, set(ids))

    def organization(self, id: UUID) -> OrganizationRow | None:
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=class_row(OrganizationRow)) as curs,
        ):
            curs.execute(
                sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
                    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                    self.table("directory_organizations"),
                ),
                (id,),
            )
            return curs.fetchone()

    def _load(self, curs: Cursor[Any], ids: set[UUID]) -> dict[UUID, OrganizationRow]:
        if not ids:
            return {}
        curs.execute(
            sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(
                sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                self.table("directory_organizations"),
            ),
            (list(ids),),
        )
        return {row["id"]: OrganizationRow(**row) for row in curs.fetchall()}

    def _store(self, curs: Cursor[Any], rows: list[OrganizationRow]) -> None:
        # COPY into a scratch table, then one upsert: far cheaper than binding arrays per page.
        curs.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS directory_organizations_page "
                "(LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            ).format(self.table("directory_organizations"))
        )
        columns = sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
        with curs.copy(
            sql.SQL("COPY directory_organizations_page ({}) FROM STDIN").format(columns)
        ) as copy:
            for row in rows:
                copy.write_row([getattr(row, name) for name in _COLUMNS])
        curs.execute(
            sql.SQL(
                "INSERT INTO {table} ({columns}) "
                "SELECT {columns} FROM directory_organizations_page "
                "ON CONFLICT (id) DO UPDATE SET {updates}"
            ).format(
                table=self.table("directory_organizations"),
                columns=columns,
                updates=sql.SQL(", ").join(
                    sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name))
                    for name in _COLUMNS[1:]
                ),
            )
        )
