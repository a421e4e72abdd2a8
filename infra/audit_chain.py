"""Tamper evidence for the event log: each stored event is chained to the one before it.

When an event is inserted, a trigger records

    chain = SHA-256(previous chain
                    || position as 8 bytes, big-endian (signed)
                    || length of the topic in bytes as 4 bytes, big-endian || topic (UTF-8)
                    || originator id (16 bytes) || originator version as 8 bytes, big-endian
                    || payload as stored)

where the previous chain is the one of the event just before it in the log (no bytes for the
first event). Inserts into the log are serialised by the event store's table lock, so "the
event just before" is well defined. Changing, removing or moving a stored event changes the
chain from that event on; `verify` recomputes it and names the first position where the
stored chain differs. Someone able to rewrite the whole table could recompute the chain too:
the chain head printed by `guichet audit verify` (and each export) is what an auditor keeps
outside the database to notice that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO
from uuid import UUID

import orjson
import psycopg
from psycopg import sql

from infra.database import Database
from infra.views.base import LOG_TABLE
from projections.interactions import MONTREAL

TRIGGER = "guichet_chain"
READ_BATCH = 5_000


def link(previous: bytes, position: int, topic: str, originator: UUID, version: int,
         payload: bytes) -> bytes:  # fmt: skip
    """The chain of one event (see the module's documentation)."""
    topic_bytes = topic.encode()
    return hashlib.sha256(
        previous + position.to_bytes(8, "big") + len(topic_bytes).to_bytes(4, "big")
        + topic_bytes + originator.bytes + version.to_bytes(8, "big", signed=True) + payload
    ).digest()  # fmt: skip


def install(database: Database) -> None:
    """Adds the chain column and its trigger to the log; chains events stored before, once."""
    schema, table = sql.Identifier(database.schema), sql.Identifier(LOG_TABLE)
    function = sql.Identifier(database.schema, TRIGGER)
    with database.connect(autocommit=False) as conn:
        if _installed(conn, database):
            return
        conn.execute(sql.SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE").format(schema, table))
        if _installed(conn, database):  # by another process starting at the same time
            return
        conn.execute(sql.SQL("ALTER TABLE {}.{} ADD COLUMN IF NOT EXISTS chain bytea").format(
            schema, table))  # fmt: skip
        _chain_existing(conn, database)
        conn.execute(
            sql.SQL("""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE previous bytea;
BEGIN
    SELECT chain INTO previous FROM {schema}.{table}
        WHERE notification_id < NEW.notification_id
        ORDER BY notification_id DESC LIMIT 1;
    NEW.chain := sha256(coalesce(previous, ''::bytea) || int8send(NEW.notification_id)
        || int4send(octet_length(NEW.topic)) || convert_to(NEW.topic, 'UTF8')
        || uuid_send(NEW.originator_id) || int8send(NEW.originator_version) || NEW.state);
    RETURN NEW;
END $$""").format(function=function, schema=schema, table=table)
        )
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE INSERT ON {}.{}"
                " FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(sql.Identifier(TRIGGER), schema, table, function)
        )
        conn.commit()


def _installed(conn: psycopg.Connection, database: Database) -> bool:
    found = conn.execute(
        "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE t.tgname = %s AND c.relname = %s AND n.nspname = %s",
        (TRIGGER, LOG_TABLE, database.schema),
    ).fetchone()
    return found is not None


def _chain_existing(conn: psycopg.Connection, database: Database) -> None:
    """Events stored before the chain existed (an older Guichet) are chained now, in order."""
    previous = b""
    rows = list(_rows(database, conn))
    for row in rows:
        chain = link(previous, row.position, row.topic, row.originator, row.version, row.payload)
        conn.execute(
            sql.SQL("UPDATE {} SET chain = %s WHERE notification_id = %s").format(
                sql.Identifier(database.schema, LOG_TABLE)
            ),
            (chain, row.position),
        )
        previous = chain


@dataclass(frozen=True)
class Row:
    position: int
    originator: UUID
    version: int
    topic: str
    payload: bytes
    chain: bytes | None


def _rows(database: Database, conn: psycopg.Connection, start: int = 0) -> Iterator[Row]:
    statement = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state, chain"
        " FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(database.schema, LOG_TABLE))
    while True:
        batch = conn.execute(statement, (start, READ_BATCH)).fetchall()
        for position, originator, version, topic, payload, chain in batch:
            yield Row(position, originator, version, topic, bytes(payload),
                      bytes(chain) if chain is not None else None)  # fmt: skip
        if len(batch) < READ_BATCH:
            return
        start = batch[-1][0]


@dataclass(frozen=True)
class Verdict:
    events: int
    head: bytes
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(
    database: Database, on_progress: Callable[[int, int, int], None] | None = None
) -> Verdict:
    """Recomputes the chain over the whole log; stops at the first event whose stored chain
    is not the one its content and its predecessor give. `on_progress(events, position,
    head)` is called every 10,000 events and at the end."""
    with database.connect() as conn:
        return verify_on(conn, database, on_progress)


def verify_on(
    conn: psycopg.Connection, database: Database,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> Verdict:  # fmt: skip
    """`verify` on a connection the caller holds, in its transaction: a restore checks the
    events it copied before it commits them."""
    previous = b""
    count = 0
    head = conn.execute(
        sql.SQL("SELECT max(notification_id) FROM {}").format(
            sql.Identifier(database.schema, LOG_TABLE)
        )
    ).fetchone()
    last = (head[0] if head else None) or 0
    for row in _rows(database, conn):
        expected = link(previous, row.position, row.topic, row.originator, row.version,
                        row.payload)  # fmt: skip
        if row.chain != expected:
            reason = (
                "it has no chain (stored around the database, not through Guichet)"
                if row.chain is None
                else "its stored chain is not the one its content and the event before it"
                " give: this event, or one before it, was altered, removed or moved"
            )
            return Verdict(count, previous, row.position, reason)
        previous = expected
        count += 1
        if on_progress is not None and count % 10_000 == 0:
            on_progress(count, row.position, last)
    if on_progress is not None:
        on_progress(count, last, last)
    return Verdict(count, previous)


def export(database: Database, start: date, end: date, out: TextIO) -> tuple[int, bytes]:
    """Writes the events recorded from `start` to `end` (days in Montréal, both included) as
    JSON Lines an auditor can check without Guichet: each line has the payload as stored (a
    UTF-8 JSON text), the chain of the event before it in the log, and its own chain. Returns
    how many lines were written and the chain head of the whole log."""
    previous = b""
    written = 0
    with database.connect() as conn:
        for row in _rows(database, conn):
            state = orjson.loads(row.payload)
            recorded = datetime.fromisoformat(state["timestamp"]["_data_"])
            if start <= recorded.astimezone(MONTREAL).date() <= end:
                line = {
                    "position": row.position,
                    "originator_id": str(row.originator),
                    "originator_version": row.version,
                    "topic": row.topic,
                    "recorded_at": recorded.isoformat(),
                    "actor": state.get("actor"),
                    "payload": row.payload.decode(),
                    "previous": previous.hex(),
                    "chain": (row.chain or b"").hex(),
                }
                out.write(orjson.dumps(line).decode() + "\n")
                written += 1
            previous = row.chain or b""
    return written, previous
