"""Keeps a view up to date with the event log, a page per transaction.

Exactly once: the view writes a page's rows and its tracking position in one transaction, and
refuses a position not beyond the tracked one, so a crash anywhere replays at most the page
that did not commit. Positions may have gaps; pages are bounded by a snapshot of the log's
head, and the tracking position moves to that head even when every event in between was of a
topic the view ignores.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    InterfaceError,
    Mapper,
    Notification,
    OperationalError,
    ProgrammingError,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql
from psycopg.rows import tuple_row

from infra import failures
from infra.database import Database
from infra.failures import ServiceUnavailable, ViewFailed, deterministic
from infra.views.base import EVERY_TOPIC
from projections.base import Positioned, View

log = logging.getLogger(__name__)

TRANSIENT = (
    OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
    ServiceUnavailable,
)  # fmt: skip
# The longest wait, in seconds, before a runner tries the database again: it is back within a
# second of a restart, and a try costs PostgreSQL one refused connection.
LONGEST_WAIT = 1.0


@dataclass(frozen=True)
class Progress:
    view: str
    position: int
    head: int
    applied: int
    phase: str = ""  # a pass over the same positions as another (loading in the database)


# A rebuild loads facts applied in the database by ranges of this many positions or more,
# on this many connections: PostgreSQL then works on every core.
LOAD_RANGE = 20_000
LOAD_WORKERS = max(os.cpu_count() or 1, 2)
LOADING = "load in database"


class ViewBusy(RuntimeError):
    pass


def view_lock_key(schema: str, view: str) -> int:
    """The advisory lock a process holds while it runs the view of `schema` (a restore tries it)."""
    digest = hashlib.sha256(f"{schema}.{view}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class ProjectionRunner:
    def __init__(
        self,
        view: View,
        recorder: ApplicationRecorder,
        mapper: Mapper,  # type: ignore[type-arg]
        database: Database,
        *,
        page_size: int = 2000,
        channel: str = "guichet_events",
        coalesce: float = 0.05,
    ) -> None:
        self.view = view
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise TypeError("projections read the event log from PostgreSQL")
        self.recorder = recorder
        self.mapper = mapper
        self.database = database
        self.page_size = page_size
        self.channel = channel
        self.coalesce = coalesce
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def lock_key(self) -> int:
        return view_lock_key(self.database.schema, self.view.name)

    def catch_up(
        self, on_page: Callable[[Progress], None] | None = None, *, applied: int = 0,
        loaded: int = 0,
    ) -> int:  # fmt: skip
        """Applies every event up to the head seen at the start; returns how many it applied.

        The next page is read and decoded on a second thread while this one is written. Facts
        the view applies in the database up to `loaded` were applied already (by a rebuild).
        """
        position = self.view.position()
        head = self.recorder.max_notification_id() or 0
        if position >= head:
            return applied
        with ThreadPoolExecutor(1, thread_name_prefix=f"read-{self.view.name}") as reader:
            pending: Future[tuple[list[Positioned], int]] | None = reader.submit(
                self._fetch, position, head
            )
            while pending is not None:
                page, end = pending.result()
                pending = reader.submit(self._fetch, end, head) if end < head else None
                self.view.apply_page(page, max(position, loaded), end)
                position = end
                applied += len(page)
                if on_page is not None:
                    on_page(Progress(self.view.name, end, head, applied))
        return applied

    @contextmanager
    def _lock(self) -> Iterator[bool]:
        """The view's lock if no other session holds it, released before the connection closes:
        a closed connection's backend lets go of its locks only as it exits, which on a busy
        machine can be after the next call here tries them (and that one finds the view busy)."""
        with self.database.connect() as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_key,)).fetchone()
            held = bool(row and row[0])
            try:
                yield held
            finally:
                if held and not conn.closed:
                    with suppress(psycopg.Error):  # a lost session has let go of it already
                        conn.execute("SELECT pg_advisory_unlock(%s)", (self.lock_key,))

    def rebuild(self, on_page: Callable[[Progress], None] | None = None) -> int:
        """Drops the view and replays the whole log into it; refuses while another runs it."""
        with self._lock() as held:
            if not held:
                raise ViewBusy(
                    f"projection {self.view.name!r} is being run by another process; stop "
                    "that process (guichet serve or guichet project) and rebuild again"
                )
            self.view.drop()
            self.view.create()
            self.view.prepare()
            loaded = self.recorder.max_notification_id() or 0
            applied = self.load_in_database(loaded, on_page)
            applied = self.catch_up(on_page, applied=applied, loaded=loaded)
            self.view.rebuilt()
            return applied

    def load_in_database(self, head: int, on_page: Callable[[Progress], None] | None) -> int:
        """Applies the facts the view applies in the database, up to `head`, into its fresh
        tables: ranges of the log in parallel, one transaction each, before any tracking.

        Safe because such facts come first in their streams and applying one twice changes
        nothing: if this stops halfway, the runner applies them again page by page.
        """
        if not self.view.applied_in_database or head == 0:
            return 0
        step = max(LOAD_RANGE, -(-head // (LOAD_WORKERS * 8)))
        ranges = [(start, min(start + step, head)) for start in range(0, head, step)]

        def load(bounds: tuple[int, int]) -> int:
            return self.view.load_in_database(*bounds)

        applied = covered = 0
        with ThreadPoolExecutor(LOAD_WORKERS, thread_name_prefix=f"load-{self.view.name}") as pool:
            for (start, end), count in zip(ranges, pool.map(load, ranges), strict=True):
                applied, covered = applied + count, covered + end - start
                if on_page is not None:
                    on_page(Progress(self.view.name, covered, head, applied, LOADING))
        return applied

    def bring_up_to_date(
        self, timeout: float = 60.0, on_page: Callable[[Progress], None] | None = None
    ) -> None:
        """Applies what the view lacks, or waits for the process that runs it to do so."""
        with self._lock() as held:
            if held:
                self.make_missing_tables()
                self.catch_up(on_page)
                self.view.caught_up()
                return
        head = self.recorder.max_notification_id() or 0
        deadline = time.monotonic() + timeout
        while self.view.position() < head:
            if time.monotonic() > deadline:
                raise ViewBusy(
                    f"projection {self.view.name!r} is run by another process that did not "
                    f"reach position {head} in {timeout:.0f} s; see `guichet projections status`"
                )
            time.sleep(0.1)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run_forever, name=f"projection-{self.view.name}", daemon=True
        )
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_forever(self) -> None:
        """Follows the log until stopped, retrying transient database errors with backoff;
        stops at a fact the view cannot apply (see `infra.failures`)."""
        backoff = 0.1
        while not self._stop.is_set():
            try:
                with self.database.connect() as listener:
                    self._hold_lock(listener)
                    listener.execute(f'LISTEN "{self.channel}"')
                    self._follow(listener)
                backoff = 0.1
            except ViewFailed as failure:
                self.last_error = str(failure)
                log.error("projection %s %s", self.view.name, failure)
                try:
                    failures.record(self.database, failure)
                except TRANSIENT:
                    log.exception("projection %s: its failure could not be recorded", failure.view)
                return
            except TRANSIENT as error:
                self.last_error = str(error)
                log.warning("projection %s: %s; retrying in %.1fs", self.view.name, error, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, LONGEST_WAIT)
            except Exception as error:
                self.last_error = repr(error)
                log.exception("projection %s failed; retrying in 5s", self.view.name)
                self._stop.wait(5.0)

    def _hold_lock(self, conn: psycopg.Connection) -> None:
        said = False
        while not self._stop.is_set():
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_key,)).fetchone()
            if row and row[0]:
                if said:
                    log.info("projection %s: taking over from the other process", self.view.name)
                return
            if not said:  # once, not every two seconds while another process runs it
                log.info("projection %s is run by another process; standing by", self.view.name)
                said = True
            self._stop.wait(2.0)

    def make_missing_tables(self) -> None:
        """Makes the view's tables again when a rebuild stopped between dropping them and
        making them again (the migration step made them once), then what it writes to besides
        them (`View.prepare`: the search index, as soon as OpenSearch answers, events or not).
        The caller holds the view's lock: no other process makes them now."""
        try:
            self.view.position()
        except ProgrammingError:
            self.view.create()
        self.view.prepare()

    def _follow(self, listener: psycopg.Connection) -> None:
        self.make_missing_tables()
        while not self._stop.is_set():
            before = self.view.position()
            try:
                self.catch_up()
                self.last_error = None
            except IntegrityError as error:
                if self.view.position() == before and deterministic(error):
                    self.isolate(before)  # not another runner: a fact the view refuses
                continue  # another runner moved the view on; reread its position
            except Exception as error:
                if not deterministic(error):
                    raise
                self.isolate(self.view.position())
                continue
            self.view.caught_up()  # outside: an outage is waited for, never a fact isolated
            self.await_writes(listener)

    def await_writes(self, listener: psycopg.Connection) -> None:
        """Waits for a write to the log (at most half a second), then lets a burst of writes
        gather into one page: under load each view catches up once per interval rather than
        once per fact, for that much lag. Once, however many notifications came: psycopg
        yields every one already received (`stop_after` is a floor), and waiting for each
        kept views seconds behind a hundred writes a second."""
        with closing(listener.notifies(timeout=0.5, stop_after=1)) as notifications:
            if next(notifications, None) is None:
                return
        self._stop.wait(self.coalesce)
        # Those received meanwhile are writes the catch-up that follows reads anyway.
        for _ in listener.notifies(timeout=0):
            pass

    def isolate(self, position: int) -> None:
        """Applies the page after `position` one fact at a time, to name the one the view
        cannot apply; raises `ViewFailed` for it (those before it are applied)."""
        head = self.recorder.max_notification_id() or 0
        for notification in self._select(position, head):
            try:
                page = (
                    [Positioned(self.view.decode(self.mapper, notification), notification.id)]
                    if notification.state
                    else []
                )
                self.view.apply_page(page, position, notification.id)
            except Exception as error:
                if not deterministic(error):
                    raise
                raise ViewFailed(
                    self.view.name, notification.id, notification.topic, error
                ) from error
            position = notification.id

    def _fetch(self, position: int, head: int) -> tuple[list[Positioned], int]:
        """The page after `position`, decoded, and the position to track once it is applied.

        Topics are filtered here rather than in SQL: with a topic condition the planner may
        sort the whole rest of the log for every page. Payloads the view will not decode
        (other topics, and those it applies in the database) are not even sent.
        """
        notifications = self._select(position, head)
        end = head if len(notifications) < self.page_size else notifications[-1].id
        decode = self.view.decode
        page = [Positioned(decode(self.mapper, n), n.id) for n in notifications if n.state]
        return page, end

    def _select(self, position: int, head: int) -> list[Notification]:
        return read_page(self.recorder, position, head, self.page_size, decoded_topics(self.view))


def decoded_topics(view: View) -> list[str] | None:
    """The topics whose payloads the view decodes (None: every topic)."""
    applied = view.applied_in_database
    if tuple(applied) == EVERY_TOPIC:
        return []
    if not view.topics:
        return None
    return [t for t in view.topics if t not in applied]


def read_page(
    recorder: PostgresApplicationRecorder, position: int, head: int, limit: int,
    decoded: list[str] | None,
) -> list[Notification]:  # fmt: skip
    """Log entries after `position` up to `head`, with payloads only for `decoded` topics
    (every payload when None); an entry without one has an empty state."""
    statement = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic,"
        " CASE WHEN %s OR topic = ANY(%s) THEN state END"
        " FROM {}.{} WHERE notification_id > %s AND notification_id <= %s"
        " ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(
            statement, (decoded is None, decoded or [], position, head, limit), prepare=True
        )
        rows = curs.fetchall()
    return [
        Notification(id=id, originator_id=originator, originator_version=version,
                     topic=topic, state=bytes(state) if state is not None else b"")
        for id, originator, version, topic, state in rows
    ]  # fmt: skip
