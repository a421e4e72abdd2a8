"""Contacts in PostgreSQL: one row per interaction, rewritten when a step or correction arrives.

`row_id` is a small stable number for each contact, so the statistics reader can keep its
columns in arrays; `position` is the log position of the last fact applied to the row, so
the reader can fetch just the rows changed since it last looked. `epoch` changes when the
table is made again (a rebuild), which tells the reader to start over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from infra.views.base import PostgresView
from projections import interactions
from projections.base import Positioned
from projections.interactions import ContactRow

COLUMNS = [f.name for f in fields(ContactRow) if f.name != "row_id"]


class PostgresInteractionView(PostgresView):
    name: ClassVar[str] = "interactions"
    topics: ClassVar[tuple[str, ...]] = interactions.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("interactions", "interactions_epoch")

    def create_statements(self) -> list[sql.Composed]:
        t = self.table
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (row_id bigserial UNIQUE, id uuid PRIMARY KEY,"
                " key text NOT NULL, position bigint NOT NULL, recorded_at timestamptz NOT NULL,"
                " channel text NOT NULL, started_at timestamptz NOT NULL,"
                " answered_at timestamptz, ended_at timestamptz, day date NOT NULL,"
                " language text NOT NULL, interpreter boolean NOT NULL, counsellor text NOT NULL,"
                " inquirer_type text NOT NULL, age_band text NOT NULL, gender text NOT NULL,"
                " territory text, disposition text, wait_seconds int, handle_seconds int,"
                " need_codes text[] NOT NULL, need_unmet text[] NOT NULL,"
                " referral_organizations text[] NOT NULL, detail jsonb NOT NULL)"
            ).format(t("interactions")),
            sql.SQL("CREATE INDEX IF NOT EXISTS interactions_position ON {} (position)").format(
                t("interactions")
            ),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS interactions_started ON {} (started_at, row_id)"
            ).format(t("interactions")),
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (epoch uuid NOT NULL)").format(
                t("interactions_epoch")
            ),
            sql.SQL(
                "INSERT INTO {} SELECT gen_random_uuid() WHERE NOT EXISTS (SELECT FROM {})"
            ).format(t("interactions_epoch"), t("interactions_epoch")),
        ]

    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None:
        rows = self._load(curs, interactions.needs_preceding_rows(page))
        changed = interactions.fold(page, rows)
        if not changed:
            return
        stored = [rows[id] for id in changed if rows[id].row_id is not None]
        new = [rows[id] for id in changed if rows[id].row_id is None]
        if stored:
            curs.execute(
                sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(self.table("interactions")),
                ([row.id for row in stored],),
            )
            self._copy(curs, stored, ["row_id", *COLUMNS])
        self._copy(curs, new, COLUMNS)

    def _copy(self, curs: Cursor[Any], rows: list[ContactRow], columns: list[str]) -> None:
        if not rows:
            return
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            self.table("interactions"), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with curs.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        Jsonb(row.detail) if column == "detail" else getattr(row, column)
                        for column in columns
                    ]
                )

    def _load(self, curs: Cursor[Any], ids: set[UUID]) -> dict[UUID, ContactRow]:
        if not ids:
            return {}
        curs.execute(
            sql.SQL("SELECT row_id, {} FROM {} WHERE id = ANY(%s)").format(
                sql.SQL(", ").join(map(sql.Identifier, COLUMNS)), self.table("interactions")
            ),
            (list(ids),),
        )
        return {row["id"]: ContactRow(**row) for row in curs.fetchall()}

    # Reads.

    def contact(self, id: UUID) -> ContactRow | None:
        with self.datastore.transaction(commit=False) as curs:
            found = self._load(curs, {id})
        return found.get(id)

    def contacts(
        self, start: datetime, end: datetime, counsellor: str | None, first: int,
        after: tuple[datetime, int] | None,
    ) -> list[ContactRow]:  # fmt: skip
        """Contacts started in [start, end), newest first, after the cursor (started, row_id)."""
        conditions = [sql.SQL("started_at >= %(start)s AND started_at < %(end)s")]
        if counsellor is not None:
            conditions.append(sql.SQL("counsellor = %(counsellor)s"))
        if after is not None:
            conditions.append(sql.SQL("(started_at, row_id) < (%(at)s, %(row)s)"))
        statement = sql.SQL(
            "SELECT row_id, {} FROM {} WHERE {} ORDER BY started_at DESC, row_id DESC LIMIT %(n)s"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
            self.table("interactions"),
            sql.SQL(" AND ").join(conditions),
        )
        params = {
            "start": start, "end": end, "counsellor": counsellor, "n": first,
            "at": after[0] if after else None, "row": after[1] if after else None,
        }  # fmt: skip
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [ContactRow(**row) for row in curs.fetchall()]
