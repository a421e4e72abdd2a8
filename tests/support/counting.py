"""Counting what happens: how many times each log position was applied to a view, and the
statements a piece of code sends to the database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore
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


@contextmanager
def statements(
    datastore: PostgresDatastore, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """The statements sent on the datastore's connections meanwhile, as text."""
    sent: list[str] = []

    class Recording(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            composed = isinstance(query, sql.Composable)
            sent.append(query.as_string(self) if composed else str(query))
            return super().execute(query, params, **options)

    opened = datastore.get_connection

    @contextmanager
    def recorded() -> Iterator[Any]:
        with opened() as conn:
            before = conn.cursor_factory
            conn.cursor_factory = Recording
            try:
                yield conn
            finally:
                conn.cursor_factory = before

    with monkeypatch.context() as patch:
        patch.setattr(datastore, "get_connection", recorded)
        yield sent
