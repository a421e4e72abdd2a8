"""A view that counts how many times each log position was applied to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from psycopg import Cursor, sql

from infra.views.base import PostgresView
from projections.base import Positioned


class InjectedFault(RuntimeError):
    pass


class CountingView(PostgresView):
    name: ClassVar[str] = "counting"
    topics: ClassVar[tuple[str, ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ("counting_applied",)
    fail_on_page: int | None = None
    pages = 0

    def create_statements(self) -> list[sql.Composed]:
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} "
                "(position bigint PRIMARY KEY, times integer NOT NULL)"
            ).format(self.table("counting_applied"))
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        self.pages += 1
        curs.execute(
            sql.SQL(
                "INSERT INTO {0} (position, times) SELECT unnest(%s::bigint[]), 1 "
                "ON CONFLICT (position) DO UPDATE SET times = {0}.times + 1"
            ).format(self.table("counting_applied")),
            ([item.position for item in page],),
        )
        if self.pages == self.fail_on_page:
            raise InjectedFault(f"fault injected after writing page {self.pages}")

    def counts(self) -> dict[int, int]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT position, times FROM {}").format(self.table("counting_applied"))
            ).fetchall()
        return {row["position"]: row["times"] for row in rows}


def all_positions(recorder: Any) -> list[int]:
    return [n.id for n in recorder.select_notifications(start=None, limit=10**9)]
