"""The territory read model in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from psycopg import Cursor, sql
from psycopg.rows import class_row

from domain.territories import Territory
from infra.views.base import PostgresView
from projections import territories
from projections.base import Positioned
from projections.territories import ParentLink, TerritoryRow, TerritorySnapshot

_COLUMNS = [
    "code", "id", "name", "kind", "parent_code", "population", "groupings", "ancestors",
    "position",
]  # fmt: skip


class PostgresTerritoryView(PostgresView):
    name: ClassVar[str] = "territories"
    topics: ClassVar[tuple[str, ...]] = territories.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("territories", "territory_links", "territories_changed")
    _snapshot: tuple[int, TerritorySnapshot] | None = None

    def create_statements(self) -> list[sql.Composed]:
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " code text PRIMARY KEY, id uuid NOT NULL, name text NOT NULL, kind text NOT NULL,"
                " parent_code text, population bigint, groupings text[] NOT NULL,"
                " ancestors text[] NOT NULL, position bigint NOT NULL)"
            ).format(self.table("territories")),
            sql.SQL("CREATE INDEX IF NOT EXISTS territories_parent ON {} (parent_code)").format(
                self.table("territories")
            ),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (code text NOT NULL, parent_code text,"
                " valid_from date, position bigint NOT NULL, recorded_at timestamptz NOT NULL)"
            ).format(self.table("territory_links")),
            # The position of the last territory fact applied: what snapshots are checked against.
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (one boolean PRIMARY KEY DEFAULT true"
                " CHECK (one), changed bigint NOT NULL)"
            ).format(self.table("territories_changed")),
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        rows = territories.defined_rows(page)
        table = self.table("territories")
        curs.execute(
            sql.SQL(
                "INSERT INTO {} (changed) VALUES (%s) ON CONFLICT (one) DO UPDATE"
                " SET changed = EXCLUDED.changed"
            ).format(self.table("territories_changed")),
            (max(item.position for item in page),),
        )
        if rows:
            with curs.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(
                    table, sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
                )
            ) as copy:
                for row in rows:
                    copy.write_row([getattr(row, column) for column in _COLUMNS])
        curs.execute(
            sql.SQL("SELECT id, code FROM {} WHERE id = ANY(%s)").format(table),
            ([item.event.originator_id for item in page],),
        )
        codes = {row["id"]: row["code"] for row in curs.fetchall()}
        links = []
        for item in page:
            code = codes[item.event.originator_id]
            link = territories.parent_link(item, code)
            if link is not None:
                links.append(link)
            if isinstance(item.event, Territory.Renamed):
                curs.execute(
                    sql.SQL("UPDATE {} SET name = %s WHERE code = %s").format(table),
                    (item.event.name, code),
                )
            elif link is not None and link.valid_from is not None:
                # The table shows the latest recorded place; dated ones are in the links.
                curs.execute(
                    sql.SQL("UPDATE {} SET parent_code = %s WHERE code = %s").format(table),
                    (link.parent_code, code),
                )
        if links:
            curs.executemany(
                sql.SQL(
                    "INSERT INTO {} (code, parent_code, valid_from, position, recorded_at)"
                    " VALUES (%s, %s, %s, %s, %s)"
                ).format(self.table("territory_links")),
                [(k.code, k.parent_code, k.valid_from, k.position, k.recorded_at) for k in links],
            )
            self._refresh_ancestors(curs)

    def _refresh_ancestors(self, curs: Cursor[Any]) -> None:
        # The whole reference is about 1,300 rows: recomputing every chain is cheaper than
        # working out which ones a page touched.
        table = self.table("territories")
        curs.execute(
            sql.SQL("SELECT code, parent_code, groupings, ancestors FROM {}").format(table)
        )
        found = curs.fetchall()
        parents = {row["code"]: row["parent_code"] for row in found}
        groupings = {row["code"]: row["groupings"] for row in found}
        changed = [
            (chain, row["code"])
            for row in found
            if (chain := territories.ancestors(row["code"], parents, groupings)) != row["ancestors"]
        ]
        if changed:
            curs.executemany(
                sql.SQL("UPDATE {} SET ancestors = %s WHERE code = %s").format(table), changed
            )

    def snapshot(self) -> TerritorySnapshot:
        """Every territory, indexed for coverage; rebuilt only when territory rows change,
        since reading and indexing all of them costs more than most queries that need them."""
        with self.datastore.get_connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT changed FROM {}").format(self.table("territories_changed"))
            ).fetchone()
        version = row["changed"] if row else 0
        cached = self._snapshot
        if cached is not None and cached[0] == version:
            return cached[1]
        rows = self.children(None, None)
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=class_row(ParentLink)) as curs,
        ):
            curs.execute(
                sql.SQL(
                    "SELECT code, parent_code, valid_from, position, recorded_at FROM {}"
                ).format(self.table("territory_links"))
            )
            links = curs.fetchall()
        snapshot = TerritorySnapshot({r.code: r for r in rows}, links)
        self._snapshot = (version, snapshot)
        return snapshot

    def territories(self, codes: Sequence[str]) -> list[TerritoryRow]:
        return self._select(sql.SQL("code = ANY(%s)"), (list(codes),))

    def descendants(self, code: str) -> list[TerritoryRow]:
        """Every place below `code`, or grouped in it."""
        return self._select(sql.SQL("%s = ANY(ancestors)"), (code,))

    def children(self, parent_code: str | None, kind: str | None) -> list[TerritoryRow]:
        conditions = [sql.SQL("TRUE")]
        params: list[object] = []
        if parent_code is not None:
            conditions.append(sql.SQL("(parent_code = %s OR %s = ANY(groupings))"))
            params += [parent_code, parent_code]
        if kind is not None:
            conditions.append(sql.SQL("kind = %s"))
            params.append(kind)
        return self._select(sql.SQL(" AND ").join(conditions), tuple(params))

    def _select(self, where: sql.Composable, params: tuple[object, ...]) -> list[TerritoryRow]:
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=class_row(TerritoryRow)) as curs,
        ):
            curs.execute(
                sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY code").format(
                    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                    self.table("territories"),
                    where,
                ),
                params,
            )
            return curs.fetchall()
