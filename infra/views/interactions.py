"""Contacts in PostgreSQL: one row per interaction, rewritten when a step or correction arrives.

`row_id` is a small stable number for each contact, so the statistics reader can keep its
columns in arrays; `position` is the log position of the last fact applied to the row, so
the reader can fetch just the rows changed since it last looked. `epoch` changes when the
table is made again (a rebuild), which tells the reader to start over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import Cursor, sql

from domain.contact_values import EARLIEST_CONTACT
from domain.interactions import Interaction
from infra.views import follow_ups
from infra.views.base import LOG_TABLE, PostgresView
from projections import interactions
from projections.base import Positioned
from projections.interactions import ContactRow

COLUMNS = [f.name for f in fields(ContactRow) if f.name != "row_id"]

# The version of each contact fact's payload that this module (the decoding below, and the
# LOGGED statement) reads. A class given a new `class_version` must be read here first: the
# library's upcasting is bypassed on this path.
PAYLOAD_VERSIONS: dict[str, int] = dict.fromkeys(interactions.TOPICS, 1)


class StoredFact:
    """A contact fact read straight from its stored JSON, members as attributes as on the event
    class (`interactions.ContactFact`).

    Rebuilding statistics is dominated by turning millions of payloads into event objects;
    the view reads the payload itself instead, unwrapping the values the transcoder wrapped
    (dates, times).
    """

    __slots__ = ("originator_id", "state", "topic")

    def __init__(self, topic: str, originator_id: UUID, state: dict[str, Any]) -> None:
        self.topic = topic
        self.originator_id = originator_id
        self.state = state

    @classmethod
    def read(cls, topic: str, originator_id: UUID, payload: bytes) -> StoredFact:
        return cls(topic, originator_id, payload_of(topic, payload))

    def __getattr__(self, name: str) -> Any:
        try:
            return self.state[name]
        except KeyError:
            raise AttributeError(name) from None


def payload_of(topic: str, payload: bytes) -> dict[str, Any]:
    """A contact fact's stored payload as plain values, at the version this module reads."""
    state: dict[str, Any] = orjson.loads(payload)
    version = state.pop("class_version", 1)
    if PAYLOAD_VERSIONS.get(topic) != version:
        raise RuntimeError(f"{topic} version {version} is not read by the contacts view")
    for name, value in state.items():
        if isinstance(value, dict) and "_type_" in value:
            state[name] = _UNWRAP[value["_type_"]](value["_data_"])
    return state


_UNWRAP = {"datetime_iso": datetime.fromisoformat, "date_iso": date.fromisoformat}

# `interactions._created` in SQL, for contacts logged whole. Times are read as the transcoder
# wrote them ({"_type_": "datetime_iso", "_data_": ...}); durations are floored, never below 0.
# The row's document (`detail`) is left NULL: it is the logged fact's payload at `position`,
# which reads take from the log (see `PostgresInteractionView.reads`). Building and keeping a
# copy of every payload cost half of a rebuild, and most of comparing the view in a replay.
# json_to_record reads the members in one pass over the payload's text, parsing only the
# documents it needs (inquirer, needs) as jsonb. OFFSET 0 keeps the planner from inlining the
# lateral subqueries, which would compute them once for every reference.
LOGGED = sql.SQL("""
INSERT INTO {interactions} (id, key, position, recorded_at, channel, started_at, answered_at,
    ended_at, day, language, interpreter, counsellor, inquirer_type, age_band, gender,
    territory, disposition, wait_seconds, handle_seconds, need_codes, need_unmet,
    referral_organizations)
SELECT e.originator_id, r.key, e.notification_id, (r.timestamp->>'_data_')::timestamptz,
    r.channel, t.started, t.answered, t.ended,
    (t.started AT TIME ZONE 'America/Montreal')::date,
    r.language, r.interpreter, r.counsellor,
    r.inquirer->>'type', r.inquirer->>'age_band', r.inquirer->>'gender',
    r.inquirer->>'territory', r.disposition,
    CASE WHEN t.answered IS NOT NULL
        THEN greatest(floor(extract(epoch FROM t.answered - t.started)), 0)::int END,
    CASE WHEN t.answered IS NOT NULL AND t.ended IS NOT NULL
        THEN greatest(floor(extract(epoch FROM t.ended - t.answered)), 0)::int END,
    coalesce(n.codes, '{{}}'), coalesce(n.unmet, '{{}}'),
    ARRAY(SELECT jsonb_array_elements_text(
        jsonb_path_query_array(t.needs, '$[*].referrals[*].organization_id')))
FROM {events} e
CROSS JOIN LATERAL json_to_record(convert_from(e.state, 'UTF8')::json) AS r(
    key text, "timestamp" json, channel text, started_at json, answered_at json,
    ended_at json, language text, interpreter boolean, counsellor text, inquirer jsonb,
    disposition text, needs jsonb)
CROSS JOIN LATERAL (SELECT (r.started_at->>'_data_')::timestamptz AS started,
    (r.answered_at->>'_data_')::timestamptz AS answered,
    (r.ended_at->>'_data_')::timestamptz AS ended,
    coalesce(r.needs, '[]') AS needs OFFSET 0) t
CROSS JOIN LATERAL (SELECT array_agg(x.need->>'code' ORDER BY x.i) AS codes,
    array_agg(coalesce(x.need->'unmet'->>'reason', '') ORDER BY x.i) AS unmet
    FROM jsonb_array_elements(t.needs) WITH ORDINALITY x(need, i)) n
WHERE e.notification_id > %(start)s AND e.notification_id <= %(end)s AND e.topic = %(topic)s
ORDER BY e.notification_id
{conflict}
""")


class PostgresInteractionView(PostgresView):
    name: ClassVar[str] = "interactions"
    topics: ClassVar[tuple[str, ...]] = interactions.TOPICS
    tables: ClassVar[tuple[str, ...]] = ("interactions", "interactions_epoch")
    # Most contacts are logged whole, in one fact: PostgreSQL turns those into rows itself,
    # several times faster than fetching, decoding and folding them here. The statement must
    # give the rows `interactions.fold` gives (tests compare the two on every kind of value).
    applied_in_database: ClassVar[tuple[str, ...]] = (Interaction.Logged.TOPIC,)
    # Row numbers follow the order rows were written (ranges load in parallel); the epoch is
    # new for each table.
    unreproducible: ClassVar[dict[str, tuple[str, ...]]] = {
        "interactions": ("row_id",), "interactions_epoch": ("*",),
    }  # fmt: skip

    def create_statements(self) -> list[sql.Composed]:
        t = self.table
        return [
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (row_id bigserial, id uuid PRIMARY KEY,"
                " key text NOT NULL, position bigint NOT NULL, recorded_at timestamptz NOT NULL,"
                " channel text NOT NULL, started_at timestamptz NOT NULL,"
                " answered_at timestamptz, ended_at timestamptz, day date NOT NULL,"
                " language text NOT NULL, interpreter boolean NOT NULL, counsellor text NOT NULL,"
                " inquirer_type text NOT NULL, age_band text NOT NULL, gender text NOT NULL,"
                " territory text, disposition text, wait_seconds int, handle_seconds int,"
                " need_codes text[] NOT NULL, need_unmet text[] NOT NULL,"
                " referral_organizations text[] NOT NULL, detail jsonb)"
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

    def decode(self, mapper: Mapper[UUID], stored: StoredEvent) -> Any:
        # The payload as stored, without the cost of an event object (see StoredFact); the
        # application neither compresses nor encrypts, which this relies on.
        if mapper.cipher is not None or mapper.compressor is not None:
            raise RuntimeError("the contacts view reads payloads as stored: plain JSON only")
        id = stored.originator_id
        return StoredFact.read(stored.topic, id if isinstance(id, UUID) else UUID(id),
                               stored.state)  # fmt: skip

    def write_in_database(
        self, curs: Cursor[Any], start: int, end: int, *, first_time: bool = False
    ) -> None:
        events = sql.SQL("{}.{}").format(sql.Identifier(self.log_schema), sql.Identifier(LOG_TABLE))
        # The planner caches the needs' aggregates by their document, which no two contacts
        # share: four in five lookups missed, and the cache cost a tenth of the statement.
        curs.execute("SET LOCAL enable_memoize = off")
        curs.execute(
            LOGGED.format(
                interactions=self.table("interactions"),
                events=events,
                conflict=sql.SQL("" if first_time else "ON CONFLICT (id) DO NOTHING"),
            ),
            {"start": start, "end": end, "topic": Interaction.Logged.TOPIC},
            prepare=True,
        )

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
        # The text format written by hand: the driver's row writer, with its per-value type
        # dispatch, cost more than the rest of a rebuild together.
        with curs.copy(statement) as copy:
            copy.write(copy_lines(rows, columns).encode())

    def _load(self, curs: Cursor[Any], ids: set[UUID]) -> dict[UUID, ContactRow]:
        if not ids:
            return {}
        rows = self._select(curs, sql.SQL("i.id = ANY(%(ids)s)"), "", {"ids": list(ids)})
        return {row.id: row for row in rows}

    def _select(
        self, curs: Cursor[Any], where: sql.Composable, order: str, params: dict[str, Any]
    ) -> list[ContactRow]:
        """Rows with their documents: a row without one is the contact as logged, and its
        document is the payload of the fact at its position."""
        statement = sql.SQL(
            "SELECT i.row_id, {columns}, e.state AS logged FROM {interactions} i"
            " LEFT JOIN {events} e ON i.detail IS NULL AND e.notification_id = i.position"
            " WHERE {where} {order}"
        ).format(
            columns=sql.SQL(", ").join(sql.Identifier("i", c) for c in COLUMNS),
            interactions=self.table("interactions"),
            events=sql.Identifier(self.log_schema, LOG_TABLE),
            where=where,
            order=sql.SQL(order),
        )
        curs.execute(statement, params)
        found = []
        for row in curs.fetchall():
            logged = row.pop("logged")
            if row["detail"] is None:
                payload = payload_of(Interaction.Logged.TOPIC, logged)
                row["detail"] = interactions.created_detail(payload)
            found.append(ContactRow(**row))
        return found

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
        where, params = _period(start, end, counsellor)
        if after is not None:
            where = sql.SQL("{} AND (i.started_at, i.row_id) < (%(at)s, %(row)s)").format(where)
            params.update(at=after[0], row=after[1])
        with self.datastore.transaction(commit=False) as curs:
            return self._select(
                curs, where, "ORDER BY i.started_at DESC, i.row_id DESC LIMIT %(n)s",
                {**params, "n": first},
            )  # fmt: skip

    def count_contacts(self, start: datetime, end: datetime, counsellor: str | None) -> int:
        where, params = _period(start, end, counsellor)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                sql.SQL("SELECT count(*) AS n FROM {} i WHERE {}").format(
                    self.table("interactions"), where
                ),
                params,
            )
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def follow_ups_due(
        self, day: date, before: datetime, counsellor: str | None, first: int,
        after: tuple[datetime, int, int] | None, since: date | None = None,
    ) -> list[tuple[ContactRow, int]]:  # fmt: skip
        """Follow-ups due on `day` (or from `since` to `day`) and not done, of contacts started
        before `before`, oldest contact first, after the cursor (started, row_id, number):
        each contact's row and the follow-up's number in it."""
        where, params = _period(EARLIEST_CONTACT, before, counsellor)
        at, row, number = after or (EARLIEST_CONTACT, -1, -1)
        params.update(day=day.isoformat(), since=(since or day).isoformat(), n=first, at=at,
                      row=row, number=number)  # fmt: skip
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._due(follow_ups.PAGE, where), params)
            due = [(found["id"], int(found["number"])) for found in curs.fetchall()]
            rows = self._load(curs, {id for id, _ in due})
        return [(rows[id], number) for id, number in due]

    def count_follow_ups_due(
        self, day: date, before: datetime, counsellor: str | None, since: date | None = None
    ) -> int:
        where, params = _period(EARLIEST_CONTACT, before, counsellor)
        params.update(day=day.isoformat(), since=(since or day).isoformat())
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._due(follow_ups.COUNT, where), params)
            found = curs.fetchone()
        return int(found["n"]) if found else 0

    def _due(self, statement: sql.SQL, where: sql.Composable) -> sql.Composed:
        events = sql.Identifier(self.log_schema, LOG_TABLE)
        return statement.format(interactions=self.table("interactions"), where=where, events=events)


def _period(
    start: datetime, end: datetime, counsellor: str | None
) -> tuple[sql.Composable, dict[str, Any]]:
    conditions = [sql.SQL("i.started_at >= %(start)s AND i.started_at < %(end)s")]
    if counsellor is not None:
        conditions.append(sql.SQL("i.counsellor = %(counsellor)s"))
    return sql.SQL(" AND ").join(conditions), {"start": start, "end": end, "counsellor": counsellor}


def _escaped(text: str) -> str:
    # Chained replaces: str.translate looks each character up in a dict, far slower here.
    return (
        text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        .replace("\t", "\\t")
    )  # fmt: skip


def _optional(write: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: "\\N" if value is None else write(value)


def _array(items: list[str]) -> str:
    inner = ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return _escaped("{" + inner + "}")


def _json(value: dict[str, Any]) -> str:
    return _escaped(orjson.dumps(value).decode())


def _boolean(value: bool) -> str:
    return "t" if value else "f"


def _moment(value: datetime | date) -> str:
    return value.isoformat()


# COPY's text format, one writer a column, chosen once rather than by testing each value.
_WRITERS: dict[str, Callable[[Any], str]] = {
    "row_id": str, "id": str, "key": _escaped, "position": str, "recorded_at": _moment,
    "channel": _escaped, "started_at": _moment, "answered_at": _optional(_moment),
    "ended_at": _optional(_moment), "day": _moment, "language": _escaped,
    "interpreter": _boolean, "counsellor": _escaped, "inquirer_type": _escaped,
    "age_band": _escaped, "gender": _escaped, "territory": _optional(_escaped),
    "disposition": _optional(_escaped), "wait_seconds": _optional(str),
    "handle_seconds": _optional(str), "need_codes": _array, "need_unmet": _array,
    "referral_organizations": _array, "detail": _json,
}  # fmt: skip


def copy_lines(rows: list[ContactRow], columns: list[str]) -> str:
    if columns == COLUMNS:
        return "".join(map(_new_row, rows))
    writers = [(column, _WRITERS[column]) for column in columns]
    return "".join(
        "\t".join([write(getattr(row, column)) for column, write in writers]) + "\n" for row in rows
    )


def _new_row(r: ContactRow) -> str:
    """One new row as a COPY line: the rebuild's hot path, written out column by column."""
    n, e = "\\N", _escaped
    return (
        f"{r.id}\t{e(r.key)}\t{r.position}\t{r.recorded_at.isoformat()}\t{e(r.channel)}\t"
        f"{r.started_at.isoformat()}\t"
        f"{r.answered_at.isoformat() if r.answered_at is not None else n}\t"
        f"{r.ended_at.isoformat() if r.ended_at is not None else n}\t{r.day.isoformat()}\t"
        f"{e(r.language)}\t{'t' if r.interpreter else 'f'}\t{e(r.counsellor)}\t"
        f"{e(r.inquirer_type)}\t{e(r.age_band)}\t{e(r.gender)}\t"
        f"{e(r.territory) if r.territory is not None else n}\t"
        f"{e(r.disposition) if r.disposition is not None else n}\t"
        f"{r.wait_seconds if r.wait_seconds is not None else n}\t"
        f"{r.handle_seconds if r.handle_seconds is not None else n}\t"
        f"{_array(r.need_codes)}\t{_array(r.need_unmet)}\t{_array(r.referral_organizations)}\t"
        f"{_json(r.detail)}\n"
    )
