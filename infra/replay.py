"""Verified replay: every projection rebuilt from the log into shadow tables and compared.

The shadow views are the live views' classes on a schema of their own (`<schema>_shadow`),
reading the same log. Once both sides have applied the log to the same position, each table
is compared row for row (leaving out what a replay cannot reproduce, such as row numbers);
any row on one side and not the other is a difference. The shadow schema is dropped after.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql
from psycopg.rows import tuple_row

from infra.bootstrap import Container
from infra.database import Database
from infra.runner import LOAD_WORKERS, Progress, ProjectionRunner, decoded_topics
from infra.views.base import PostgresView
from projections.base import Positioned

SAMPLES = 3
# Positions of the log replayed at a time: every shadow view applies each range as one page.
SPAN = 20_000
SETTLE_ATTEMPTS = 20

Digest = tuple[int, int]  # rows, sum of their hashes
# Column types compared as another: json has no equality, tsvector no hash (its text is
# canonical: lexemes sorted).
COMPARED_AS = {"json": "jsonb", "tsvector": "text"}


@dataclass(frozen=True)
class TableDifference:
    table: str
    only_live: int
    only_replayed: int
    samples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ViewVerdict:
    view: str
    position: int
    rows: int
    differences: list[TableDifference]
    note: str = ""
    replayed_in: float = 0.0  # seconds to rebuild the shadow copy
    compared_in: float = 0.0

    @property
    def identical(self) -> bool:
        return not self.differences


@contextmanager
def shadow_database(database: Database) -> Iterator[Database]:
    shadow = replace(database, schema=f"{database.schema}_shadow")
    _drop(shadow)
    shadow.ensure_schema()
    try:
        yield shadow
    finally:
        _drop(shadow)


def _drop(database: Database) -> None:
    with database.connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.Identifier(database.schema)))  # fmt: skip


def verify(
    container: Container, names: list[str], on_page: Callable[[Progress], None] | None = None
) -> list[ViewVerdict]:
    """Replays the log into shadow copies of the named views (all when none) and compares."""
    chosen = [container.views[runner.view.name] for runner in container.select(names)]
    verdicts: list[ViewVerdict] = []
    with shadow_database(container.database) as shadow:
        datastore = shadow.datastore(LOAD_WORKERS + 1)
        try:
            copies: dict[str, PostgresView] = {}
            for live in chosen:
                try:
                    copies[live.name] = type(live)(datastore, log_schema=container.database.schema)
                except TypeError:
                    note = "not verified: this view's rows are kept outside PostgreSQL"
                    verdicts.append(ViewVerdict(live.name, live.position(), 0, [], note))
            started = time.perf_counter()
            runners = _replay(container, list(copies.values()), shadow, on_page)
            replayed_in = time.perf_counter() - started
            for name, copy in copies.items():
                verdict = _settle_and_compare(container, container.views[name], copy, runners[name])
                verdicts.append(replace(verdict, replayed_in=replayed_in))
        finally:
            datastore.close()
    order = [view.name for view in chosen]
    return sorted(verdicts, key=lambda verdict: order.index(verdict.view))


def _replay(
    container: Container, copies: list[PostgresView], shadow: Database,
    on_page: Callable[[Progress], None] | None,
) -> dict[str, ProjectionRunner]:  # fmt: skip
    """Replays the log once into every copy: the facts views apply in the database are loaded
    first, by ranges on every core; then each range of the log is read once, with only the
    facts some copy decodes, and given to each copy as one page."""
    recorder, mapper = container.operations.recorder, container.operations.mapper
    assert isinstance(recorder, PostgresApplicationRecorder)
    runners = {copy.name: ProjectionRunner(copy, recorder, mapper, shadow) for copy in copies}
    for copy in copies:
        copy.drop()
        copy.create()
    _lighten(shadow)
    head = recorder.max_notification_id() or 0
    applied = 0
    loaded: dict[str, int] = {}
    for copy in copies:
        loaded[copy.name] = head if copy.applied_in_database else 0
        if copy.applied_in_database:
            applied += runners[copy.name].load_in_database(head, on_page)
    wanted = {copy.name: decoded_topics(copy) for copy in copies}
    every = any(topics is None for topics in wanted.values())
    union = sorted({t for topics in wanted.values() if topics for t in topics})
    for start in range(0, head, SPAN):
        end = min(start + SPAN, head)
        entries = _entries(recorder, start, end, None if every else union)
        for copy in copies:
            topics = wanted[copy.name]
            chosen = set(topics) if topics is not None else None
            page = [
                Positioned(copy.decode(mapper, entry), entry.id) for entry in entries
                if chosen is None or entry.topic in chosen
            ]  # fmt: skip
            copy.apply_page(page, max(start, loaded[copy.name]), end)
            applied += len(page)
        if on_page is not None:
            on_page(Progress("", end, head, applied))  # every copy at once
    return runners


def _entries(
    recorder: PostgresApplicationRecorder, start: int, end: int, topics: list[str] | None
) -> list[Notification]:
    """The log's entries after `start` up to `end` of `topics` (None: all), in order.

    Filtered in SQL, unlike a runner's pages: a replay reads every view's facts at once, and
    most of a large log is contacts, which only views applying them in the database want.
    The range of positions bounds the scan whatever plan the topics condition gets.
    """
    statement = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {}"
        " WHERE notification_id > %s AND notification_id <= %s AND (%s OR topic = ANY(%s))"
        " ORDER BY notification_id"
    ).format(sql.Identifier(recorder.datastore.schema, recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(statement, (start, end, topics is None, topics or []), prepare=True)
        rows = curs.fetchall()
    return [
        Notification(id=id, originator_id=originator, originator_version=version,
                     topic=topic, state=bytes(state))
        for id, originator, version, topic, state in rows
    ]  # fmt: skip


def _lighten(shadow: Database) -> None:
    """A shadow copy is written once and scanned once, then dropped: its tables skip the
    write-ahead log, and keep only the unique indexes its writes rely on."""
    with shadow.connect() as conn, conn.transaction():
        found = conn.execute(
            "SELECT c.relname, i.indisunique, x.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_index i ON i.indrelid = c.oid"
            " LEFT JOIN pg_class x ON x.oid = i.indexrelid"
            " WHERE n.nspname = %s AND c.relkind = 'r'",
            (shadow.schema,),
        ).fetchall()
        for table in sorted({row[0] for row in found}):
            conn.execute(sql.SQL("ALTER TABLE {} SET UNLOGGED").format(
                sql.Identifier(shadow.schema, table)))  # fmt: skip
        for _, unique, index in found:
            if index is not None and not unique:
                conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(shadow.schema, index)))


def _settle_and_compare(
    container: Container, live: PostgresView, copy: PostgresView, runner: ProjectionRunner
) -> ViewVerdict:
    """Brings both sides to the same position, then compares them in one snapshot."""
    live_runner = container.runners[live.name]
    for _ in range(SETTLE_ATTEMPTS):
        live_runner.bring_up_to_date()
        runner.catch_up()
        if live.position() == copy.position():
            break
        time.sleep(0.1)
    started = time.perf_counter()
    tables = [t for t in live.tables if "*" not in live.unreproducible.get(t, ())]
    with container.database.connect() as conn, conn.transaction():
        # One snapshot for the live view's position and all its tables.
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        tracked = conn.execute(sql.SQL("SELECT max(notification_id) FROM {}").format(
            live.table(live.tracking_table_name))).fetchone()  # fmt: skip
        position = int(tracked[0] or 0) if tracked else 0
        if position != copy.position():
            return ViewVerdict(live.name, position, 0, [], "not verified: the log kept moving")
        columns = {t: _columns(conn, live, t) for t in tables}
        # The shadow copy no longer changes: its side is digested on a connection of its own,
        # on the other core, while this one digests the live side in its snapshot.
        with ThreadPoolExecutor(1, thread_name_prefix="replay-digest") as pool:
            replayed = pool.submit(_copy_digests, copy, columns)
            live_digests = {t: _digest(conn, live.table(t), columns[t]) for t in tables}
            copy_digests = replayed.result()
        differences, rows = [], 0
        for table in tables:
            rows += live_digests[table][0]
            if live_digests[table] != copy_digests[table]:
                differences.append(_differences(conn, live, copy, table, columns[table]))
    compared_in = time.perf_counter() - started
    return ViewVerdict(live.name, position, rows, differences, "", 0.0, compared_in)


def _columns(conn: psycopg.Connection, live: PostgresView, table: str) -> sql.Composable:
    """The columns a replay must reproduce, each as a type with equality and a hash."""
    left_out = live.unreproducible.get(table, ())
    found = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (live.datastore.schema, table),
    ).fetchall()
    return sql.SQL(", ").join(
        sql.SQL("{}::{}").format(sql.Identifier(name), sql.SQL(COMPARED_AS[kind]))
        if kind in COMPARED_AS else sql.Identifier(name)
        for name, kind in found if name not in left_out
    )  # fmt: skip


# A table's rows as a multiset, in one pass and without sorting: their count and the sum of
# each row's 64-bit hash (by each column type's own hash, not its text). Equal digests are
# taken as equal tables; unequal ones are compared row by row to say which rows differ.
DIGEST = "SELECT count(*), coalesce(sum(hash_record_extended(ROW({c}), 0)), 0) FROM {t}"


def _digest(
    conn: psycopg.Connection[Any], table: sql.Composable, columns: sql.Composable
) -> Digest:
    found = (
        conn.cursor(row_factory=tuple_row)
        .execute(sql.SQL(DIGEST).format(c=columns, t=table))
        .fetchone()
    )
    assert found is not None
    return int(found[0]), int(found[1])


def _copy_digests(copy: PostgresView, columns: dict[str, sql.Composable]) -> dict[str, Digest]:
    with copy.datastore.get_connection() as conn:
        return {
            table: _digest(conn, copy.table(table), chosen) for table, chosen in columns.items()
        }


def _differences(
    conn: psycopg.Connection, live: PostgresView, copy: PostgresView, table: str,
    columns: sql.Composable,
) -> TableDifference:  # fmt: skip
    live_table, copy_table = live.table(table), copy.table(table)

    def only(a: sql.Composable, b: sql.Composable) -> list[tuple[object, ...]]:
        statement = sql.SQL("SELECT {c} FROM {a} EXCEPT ALL SELECT {c} FROM {b}").format(
            c=columns, a=a, b=b)  # fmt: skip
        return conn.execute(statement).fetchall()

    only_live, only_replayed = only(live_table, copy_table), only(copy_table, live_table)
    samples = [f"live only: {row}" for row in only_live[:SAMPLES]]
    samples += [f"replayed only: {row}" for row in only_replayed[:SAMPLES]]
    return TableDifference(table, len(only_live), len(only_replayed), samples)
