"""The global log as auditors read it: one row per stored event, with who, when and why.

Every fact carries its actor and business time, and its recording time; the row keeps them
as columns so the log can be filtered by period, actor and kind and paged by position, and one
record's history read in order. Rows are made by PostgreSQL from the stored payloads, so the
view never decodes an event in Python.

A fact's own fields are read from the log itself, for the rows a page returns: kept here too,
they doubled the stored log and took most of a rebuild's time, and auditors read them as
stored, where the hash chain covers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor, sql

from infra.views.base import EVERY_TOPIC, LOG_TABLE, PostgresView

# What every fact carries, kept in columns; the rest of the payload is the fact's fields.
METADATA = ("timestamp", "originator_topic", "actor", "occurred_at", "reason")

# json_to_record reads the four members in one pass over the text, several times faster than
# building the whole document as jsonb to look them up.
ROWS = sql.SQL("""
INSERT INTO {audit} (position, originator_id, originator_version, topic, actor, recorded_at,
    occurred_at, reason)
SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, r.actor,
    (r.timestamp->>'_data_')::timestamptz, (r.occurred_at->>'_data_')::timestamptz, r.reason
FROM {events} e
CROSS JOIN LATERAL json_to_record(convert_from(e.state, 'UTF8')::json)
    AS r(actor text, "timestamp" json, occurred_at json, reason text)
WHERE e.notification_id > %(start)s AND e.notification_id <= %(end)s
{conflict}
""")


@dataclass(frozen=True)
class AuditRow:
    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    actor: str | None
    recorded_at: datetime
    occurred_at: datetime | None
    reason: str | None
    fields: dict[str, Any]


class PostgresAuditView(PostgresView):
    name: ClassVar[str] = "audit"
    topics: ClassVar[tuple[str, ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ("audit_log",)
    applied_in_database: ClassVar[tuple[str, ...]] = EVERY_TOPIC

    def create_statements(self) -> list[sql.Composed]:
        t = self.table("audit_log")
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (position bigint PRIMARY KEY,"
                " originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
                " topic text NOT NULL, actor text, recorded_at timestamptz NOT NULL,"
                " occurred_at timestamptz, reason text)"
            ).format(t),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS audit_log_stream ON {} (originator_id, position)"
            ).format(t),
            sql.SQL("CREATE INDEX IF NOT EXISTS audit_log_actor ON {} (actor, position)").format(t),
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS audit_log_recorded ON {} (recorded_at, position)"
            ).format(t),
        ]

    def write_in_database(
        self, curs: Cursor[Any], start: int, end: int, *, first_time: bool = False
    ) -> None:
        curs.execute(
            ROWS.format(
                audit=self.table("audit_log"),
                events=self._log(),
                conflict=sql.SQL("" if first_time else "ON CONFLICT (position) DO NOTHING"),
            ),
            {"start": start, "end": end},
            prepare=True,
        )

    def _log(self) -> sql.Composable:
        return sql.Identifier(self.log_schema, LOG_TABLE)

    def write(self, curs: Cursor[Any], page: Any) -> None:
        raise AssertionError("every fact is applied in the database")

    # Reads.

    def log(
        self, start: datetime | None, end: datetime | None, actor: str | None,
        types: list[str], first: int, after: int,
    ) -> list[AuditRow]:  # fmt: skip
        """Events recorded in [start, end), by `actor`, of topics starting with one of `types`,
        after position `after`, in log order."""
        where, params = _filters(start, end, actor, types)
        params.update(after=after, first=first)
        return self._select(sql.SQL("position > %(after)s AND {}").format(where), params)

    def count(
        self, start: datetime | None, end: datetime | None, actor: str | None, types: list[str]
    ) -> int:
        """How many events `log` would list over all its pages."""
        where, params = _filters(start, end, actor, types)
        statement = sql.SQL("SELECT count(*) AS n FROM {} a WHERE {}").format(
            self.table("audit_log"), where
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def stream(self, id: UUID) -> list[AuditRow]:
        """Every event of one aggregate, in order (a history needs the earlier values)."""
        return self._select(sql.SQL("a.originator_id = %(id)s"), {"id": id, "first": None})

    def versions(self, id: UUID) -> list[tuple[int, datetime, datetime | None]]:
        """One aggregate's (version, recorded at, occurred at), in order: what `asOf` needs to
        choose a version, without the facts' fields."""
        statement = sql.SQL(
            "SELECT originator_version, recorded_at, occurred_at FROM {}"
            " WHERE originator_id = %s ORDER BY position"
        ).format(self.table("audit_log"))
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (id,))
            return [
                (row["originator_version"], row["recorded_at"], row["occurred_at"])
                for row in curs.fetchall()
            ]

    def _select(self, where: sql.Composable, params: dict[str, Any]) -> list[AuditRow]:
        statement = sql.SQL(
            "SELECT position, a.originator_id, a.originator_version, a.topic, actor, recorded_at,"
            " occurred_at, reason, convert_from(e.state, 'UTF8')::jsonb - {metadata} AS fields"
            " FROM {audit} a JOIN {log} e ON e.notification_id = a.position"
            " WHERE {where} ORDER BY position LIMIT %(first)s"
        ).format(
            audit=self.table("audit_log"), log=self._log(), where=where,
            metadata=sql.SQL("ARRAY[{}]").format(sql.SQL(", ").join(map(sql.Literal, METADATA))),
        )  # fmt: skip
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [AuditRow(**row) for row in curs.fetchall()]


def _filters(
    start: datetime | None, end: datetime | None, actor: str | None, types: list[str]
) -> tuple[sql.Composable, dict[str, Any]]:
    conditions = [sql.SQL("true")]
    if start is not None:
        conditions.append(sql.SQL("recorded_at >= %(start)s"))
    if end is not None:
        conditions.append(sql.SQL("recorded_at < %(end)s"))
    if actor is not None:
        conditions.append(sql.SQL("actor = %(actor)s"))
    if types:
        conditions.append(sql.SQL("a.topic LIKE ANY(%(types)s)"))
    params: dict[str, Any] = {"start": start, "end": end, "actor": actor}
    params.update(types=[_prefix(t) for t in types])
    return sql.SQL(" AND ").join(conditions), params


def _prefix(kind: str) -> str:
    """`guichet.Service` matches every fact of services, `guichet.Service.Renamed` one kind."""
    escaped = kind.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped if kind.count(".") >= 2 else escaped + ".%"
