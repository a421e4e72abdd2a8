"""The annual-check read model in PostgreSQL, and the directory's lists read from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import class_row

from infra.views import listing
from infra.views.base import PostgresView
from projections import verification
from projections.base import Positioned
from projections.verification import CheckRow, Listing

_COLUMNS = [f.name for f in fields(CheckRow)]


class PostgresVerificationView(PostgresView):
    name: ClassVar[str] = "verification"
    topics: ClassVar[tuple[str, ...]] = verification.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("verification_records",)

    def create_statements(self) -> list[sql.Composed]:
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id uuid PRIMARY KEY, kind text NOT NULL,"
                " name_fr text NOT NULL, name_en text NOT NULL, status text NOT NULL,"
                " registered_at timestamptz NOT NULL, verified_at timestamptz,"
                " position bigint NOT NULL, organization_id uuid,"
                ' sort_name text COLLATE "C" NOT NULL, changed_at timestamptz NOT NULL,'
                " flagged_reason text, areas text[] NOT NULL, city text)"
            ).format(self.table("verification_records")),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS verification_records_listed ON {} (kind, sort_name, id)"
            ).format(self.table("verification_records")),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS verification_records_owner ON {} (organization_id)"
            ).format(self.table("verification_records")),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS verification_records_checked ON {} "
                "((coalesce(verified_at, registered_at))) WHERE status = 'active'"
            ).format(self.table("verification_records")),
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        rows = self._load(curs, verification.rows_to_load(page))
        changed = {item.event.originator_id for item in page if verification.apply(item, rows)}
        if not changed:
            return
        curs.executemany(
            sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}").format(
                self.table("verification_records"),
                sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                sql.SQL(", ").join(sql.Placeholder() * len(_COLUMNS)),
                sql.SQL(", ").join(
                    sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in _COLUMNS[1:]
                ),
            ),
            [[getattr(rows[id], c) for c in _COLUMNS] for id in changed],
        )

    def checks(self, ids: Sequence[UUID]) -> dict[UUID, CheckRow]:
        """These records' rows, by id (the owners of a queue's services and locations)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._load(curs, set(ids))

    def _load(self, curs: Cursor[Any], ids: set[UUID]) -> dict[UUID, CheckRow]:
        if not ids:
            return {}
        curs.execute(
            sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(
                sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                self.table("verification_records"),
            ),
            (list(ids),),
        )
        return {row["id"]: CheckRow(**row) for row in curs.fetchall()}

    def queue(
        self, state: str, as_of: datetime, kinds: Sequence[str], first: int,
        after: tuple[datetime, UUID] | None = None,
    ) -> list[CheckRow]:  # fmt: skip
        """Active records by annual-check state at `as_of`, the longest unchecked first, after
        the (checked, id) of `after`.

        A record is checked when it was last verified, or registered if never verified; it is
        OVERDUE a year after that, DUE in the month before, VERIFIED_THIS_YEAR when its last
        verification falls in the calendar year of `as_of` (Montréal time), and FLAGGED while
        flagged for review and not verified since.
        """
        where, params = _queue(state, as_of, kinds)
        if after is not None:
            where = sql.SQL("{} AND ({}, id) > (%(checked)s, %(id)s)").format(where, CHECKED)
            params.update(checked=after[0], id=after[1])
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=class_row(CheckRow)) as curs,
        ):
            curs.execute(
                sql.SQL("SELECT {} FROM {} r WHERE {} ORDER BY {}, id LIMIT %(n)s").format(
                    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
                    self.table("verification_records"),
                    where,
                    CHECKED,
                ),
                {**params, "n": first},
            )
            return curs.fetchall()

    def count(self, state: str, as_of: datetime, kinds: Sequence[str]) -> int:
        where, params = _queue(state, as_of, kinds)
        return self._count(
            sql.SQL("SELECT count(*) AS n FROM {} r WHERE {}").format(
                self.table("verification_records"), where
            ),
            params,
        )

    def listed(self, wanted: Listing, first: int, after: tuple[str, UUID] | None) -> list[Listed]:
        """The ids and sort names of a page of a list (`infra.views.listing`)."""
        statement, params = listing.page(self.table("verification_records"), wanted, first, after)
        with self.datastore.get_connection() as conn:
            rows = conn.execute(statement, params).fetchall()
        return [(row["sort_name"], row["id"]) for row in rows]

    def count_listed(self, wanted: Listing) -> int:
        return self._count(*listing.count(self.table("verification_records"), wanted))

    def _count(self, statement: sql.Composed, params: dict[str, Any]) -> int:
        with self.datastore.get_connection() as conn:
            row = conn.execute(statement, params).fetchone()
        return int(row["n"]) if row else 0


Listed = tuple[str, UUID]  # a record's sort name and id
CHECKED = sql.SQL("coalesce(verified_at, registered_at)")


def _queue(
    state: str, as_of: datetime, kinds: Sequence[str]
) -> tuple[sql.Composable, dict[str, Any]]:
    where = sql.SQL("status = 'active' AND kind = ANY(%(kinds)s) AND {}").format(
        listing.STATES[state]
    )
    return where, {"at": as_of, "kinds": list(kinds)}
