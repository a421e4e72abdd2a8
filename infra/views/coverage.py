"""Coverage agreements over time in PostgreSQL: one row per version of each agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import class_row

from infra.views.base import PostgresView
from projections import coverage
from projections.base import Positioned
from projections.coverage import AgreementVersion

_COLUMNS = [f.name for f in fields(AgreementVersion)]

KNOWN = """
WITH known AS (
  SELECT DISTINCT ON (agreement_id) {columns} FROM {table}
  WHERE %(known_at)s::timestamptz IS NULL OR recorded_at <= %(known_at)s
  ORDER BY agreement_id, version DESC
)
"""


class PostgresCoverageView(PostgresView):
    name: ClassVar[str] = "coverage"
    topics: ClassVar[tuple[str, ...]] = coverage.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("coverage_versions",)

    def create_statements(self) -> list[sql.Composed]:
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (agreement_id uuid NOT NULL, version int NOT NULL,"
                " recorded_at timestamptz NOT NULL, fact text NOT NULL, actor text NOT NULL,"
                " reason text, territories text[] NOT NULL, channels text[] NOT NULL,"
                " effective_from date NOT NULL, effective_until date, funder text NOT NULL,"
                " programme text, cancelled boolean NOT NULL, position bigint NOT NULL,"
                " PRIMARY KEY (agreement_id, version))"
            ).format(self.table("coverage_versions")),
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        latest = self._latest(curs, {item.event.originator_id for item in page})
        rows: list[AgreementVersion] = []
        for item in page:
            version = coverage.next_version(latest.get(item.event.originator_id), item)
            if version is not None:
                latest[version.agreement_id] = version
                rows.append(version)
        if not rows:
            return
        with curs.copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(
                self.table("coverage_versions"), sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
            )
        ) as copy:
            for row in rows:
                copy.write_row([getattr(row, column) for column in _COLUMNS])

    def _latest(self, curs: Cursor[Any], ids: set[UUID]) -> dict[UUID, AgreementVersion]:
        curs.execute(
            sql.SQL(
                "SELECT DISTINCT ON (agreement_id) {} FROM {} WHERE agreement_id = ANY(%s)"
                " ORDER BY agreement_id, version DESC"
            ).format(self._columns(), self.table("coverage_versions")),
            (list(ids),),
        )
        return {row["agreement_id"]: AgreementVersion(**row) for row in curs.fetchall()}

    def _columns(self) -> sql.Composable:
        return sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))

    def _covering(self) -> sql.Composed:
        # The SQL form of `projections.coverage.covers_place`, for the query asked most; a
        # test holds the two to the same answers.
        return sql.SQL(
            KNOWN + "SELECT * FROM known WHERE NOT cancelled AND %(channel)s = ANY(channels)"
            " AND effective_from <= %(at)s"
            " AND (effective_until IS NULL OR %(at)s < effective_until)"
            " AND territories && %(codes)s::text[] ORDER BY effective_from, agreement_id"
        ).format(columns=self._columns(), table=self.table("coverage_versions"))

    def covering(
        self, codes: Sequence[str], channel: str, at: date, known_at: datetime | None
    ) -> list[AgreementVersion]:
        """Agreements, as known then, that cover one of `codes` on `channel` at `at`."""
        params = {"known_at": known_at, "channel": channel, "at": at, "codes": list(codes)}
        return self._select(self._covering(), params)

    def agreements(self, known_at: datetime | None) -> list[AgreementVersion]:
        """Every agreement not cancelled, as known at `known_at` (now when None)."""
        statement = sql.SQL(
            KNOWN + "SELECT * FROM known WHERE NOT cancelled ORDER BY effective_from, agreement_id"
        ).format(columns=self._columns(), table=self.table("coverage_versions"))
        return self._select(statement, {"known_at": known_at})

    def _select(self, statement: sql.Composed, params: dict[str, Any]) -> list[AgreementVersion]:
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=class_row(AgreementVersion)) as curs,
        ):
            curs.execute(statement, params)
            return curs.fetchall()
