"""The projection runner on a real PostgreSQL: exactly once, gaps, crashes, concurrency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import ProgrammingError

from domain.directory import Organization
from domain.errors import VersionConflict
from infra.bootstrap import Container
from infra.database import Database
from infra.runner import ProjectionRunner, ViewBusy
from tests.support.counting import CountingView, InjectedFault, all_positions
from tests.support.seed import register

ROOT = Path(__file__).resolve().parents[2]


def counting_runner(container: Container, page_size: int = 10) -> ProjectionRunner:
    view = CountingView(container.datastore)
    view.create()
    return ProjectionRunner(
        view,
        container.operations.recorder,
        container.operations.mapper,
        container.database,
        page_size=page_size,
    )


def counts(runner: ProjectionRunner) -> dict[int, int]:
    assert isinstance(runner.view, CountingView)
    return runner.view.counts()


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_catch_up_applies_every_event_once_across_pages(container: Container) -> None:
    for number in range(53):
        register(container.operations, number)
    runner = counting_runner(container, page_size=10)

    applied = runner.catch_up()

    assert applied == 53
    assert counts(runner) == dict.fromkeys(all_positions(container.operations.recorder), 1)
    assert runner.view.position() == container.head()
    assert runner.catch_up() == 0


def test_a_fault_inside_a_page_leaves_nothing_half_written(container: Container) -> None:
    for number in range(35):
        register(container.operations, number)
    runner = counting_runner(container, page_size=10)
    assert isinstance(runner.view, CountingView)
    runner.view.fail_on_page = 3
    positions = all_positions(container.operations.recorder)

    with pytest.raises(InjectedFault):
        runner.catch_up()

    assert sorted(counts(runner)) == positions[:20]
    assert runner.view.position() == positions[19]

    runner.catch_up()

    assert counts(runner) == dict.fromkeys(positions, 1)


def test_a_runner_killed_between_pages_resumes_exactly_once(
    container: Container, environ: dict[str, str]
) -> None:
    for number in range(60):
        register(container.operations, number)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.kill_target"],
        cwd=ROOT,
        env={**os.environ, **environ},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    committed = [process.stdout.readline() for _ in range(3)]
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert all(line.startswith("committed") for line in committed), committed

    runner = counting_runner(container)
    killed_at = runner.view.position()
    assert 0 < killed_at < container.head()
    runner.catch_up()

    assert counts(runner) == dict.fromkeys(all_positions(container.operations.recorder), 1)


def test_gaps_in_positions_are_crossed(container: Container) -> None:
    taken = uuid4()
    register(container.operations, 1, id=taken)
    with pytest.raises(VersionConflict):
        register(container.operations, 2, id=taken)  # the failed insert burns a position
    register(container.operations, 3)
    positions = all_positions(container.operations.recorder)
    assert positions[1] - positions[0] > 1, positions

    runner = counting_runner(container)
    runner.catch_up()

    assert counts(runner) == dict.fromkeys(positions, 1)


def test_ignored_events_still_move_the_position(container: Container) -> None:
    for number in range(5):
        register(container.operations, number)
    runner = counting_runner(container)
    runner.view.topics = ("guichet.NothingWritesThis",)  # type: ignore[misc]

    runner.catch_up()

    assert counts(runner) == {}
    assert runner.view.position() == container.head()


def test_writers_on_many_threads_are_all_projected(container: Container) -> None:
    container.start_projections()
    written: list[str] = []
    lock = threading.Lock()

    def write(thread: int) -> None:
        for number in range(40):
            receipt = register(container.operations, thread * 1000 + number)
            with lock:
                written.append(str(receipt.id))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(lambda: container.directory.position() >= container.head())

    with container.datastore.get_connection() as conn:
        rows = conn.execute(
            f'SELECT id::text AS id FROM "{container.database.schema}".directory_organizations'
        ).fetchall()
    assert sorted(row["id"] for row in rows) == sorted(written)
    assert len(written) == 240


def test_a_rebuild_gives_the_same_rows(container: Container) -> None:
    receipts = [register(container.operations, number) for number in range(25)]
    for receipt in receipts[:5]:
        organization: Organization = container.operations.repository.get(receipt.id)
        organization.rename(
            type(organization.name)(fr="Nouveau", en="New"),
            reason=None,
            actor="t",
            at=organization.modified_on,
        )
        container.operations.save(organization)
    runner = container.runners["directory"]
    runner.catch_up()
    before = snapshot(container)

    runner.rebuild()

    assert snapshot(container) == before
    assert len(before) == 25
    assert sum(1 for row in before if row[1] == "Nouveau") == 5


def test_a_rebuild_is_refused_while_another_runner_holds_the_view(container: Container) -> None:
    container.start_projections()
    runner = container.runners["directory"]
    wait_for(lambda: lock_held(container, runner.lock_key))

    with pytest.raises(ViewBusy, match="directory"):
        runner.rebuild()


def test_the_runner_reconnects_after_its_connections_are_killed(container: Container) -> None:
    container.start_projections()
    register(container.operations, 1)
    wait_for(lambda: container.directory.position() >= container.head())

    with psycopg.connect(container.database.conninfo, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    for number in range(2, 6):
        register(container.operations, number)

    wait_for(lambda: container.directory.position() >= container.head())
    assert len(snapshot(container)) == 5


def test_a_runner_taking_over_a_view_whose_tables_were_dropped_makes_them_again(
    container: Container,
) -> None:
    # As a rebuild killed between dropping the view and making it again leaves it.
    for number in range(1, 4):
        register(container.operations, number)
    with psycopg.connect(container.database.conninfo, autocommit=True) as admin:
        for table in ("directory_organizations", "directory_tracking"):
            admin.execute(f'DROP TABLE "{container.database.schema}".{table}')

    container.start_projections(["directory"])

    def caught_up() -> bool:
        try:
            return container.directory.position() >= container.head()
        except ProgrammingError:  # not made again yet
            return False

    wait_for(caught_up)
    assert len(snapshot(container)) == 3


def snapshot(container: Container) -> list[tuple[object, ...]]:
    with psycopg.connect(container.database.conninfo) as conn:
        return conn.execute(
            f'SELECT id, name_fr, name_en, version, position FROM "{container.database.schema}"'
            ".directory_organizations ORDER BY id"
        ).fetchall()


def lock_held(container: Container, key: int) -> bool:
    with psycopg.connect(container.database.conninfo) as conn:
        unsigned = key & 0xFFFFFFFFFFFFFFFF
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
            (unsigned >> 32, unsigned & 0xFFFFFFFF),
        ).fetchone()
    return bool(row and row[0])


class CountedWaits(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.waits = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.waits += 1
        return super().wait(timeout)


def test_a_burst_of_writes_is_waited_for_once_whatever_its_size(container: Container) -> None:
    # Waiting once per notification received (psycopg hands over every one already read) kept
    # views seconds behind a hundred writes a second.
    runner = counting_runner(container)
    waits = CountedWaits()
    runner._stop = waits
    with container.database.connect() as listener, container.database.connect() as writer:
        listener.execute(f'LISTEN "{runner.channel}"')
        listener.commit()
        writer.autocommit = True
        for _ in range(40):
            writer.execute(f'NOTIFY "{runner.channel}"')
        listener.execute("SELECT 1")  # a query reads the notifications into the backlog
        runner.await_writes(listener)
        assert waits.waits == 1
        # Every one of the burst was taken: the next call waits for a new write.
        runner.await_writes(listener)
        assert waits.waits == 1
        writer.execute(f'NOTIFY "{runner.channel}"')
        runner.await_writes(listener)
        assert waits.waits == 2


def test_the_view_s_lock_is_let_go_before_its_session_closes(container: Container) -> None:
    """A closed session's backend releases its locks only as it exits: the next rebuild or
    bring-up, from another session, must not depend on how fast that is."""
    register(container.operations, 1)
    runner = counting_runner(container)
    held_at_close: list[bool] = []
    conninfo = container.database.conninfo

    class Watched(psycopg.Connection):
        def close(self) -> None:
            if not self.closed:
                held = self.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid()"
                ).fetchone()
                held_at_close.append(bool(held and held[0]))
            super().close()

    class Watching(Database):
        def connect(self, *, autocommit: bool = True, timeout: int = 5) -> psycopg.Connection:
            return Watched.connect(conninfo, autocommit=autocommit, connect_timeout=timeout)

    database = container.database
    runner.database = Watching(**{f.name: getattr(database, f.name) for f in fields(database)})
    runner.bring_up_to_date()
    runner.rebuild()
    assert held_at_close == [False, False]
    assert counts(runner) == {1: 1}
