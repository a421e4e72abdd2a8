"""Nothing a client sends holds the log or a connection without a bound.

Every session Guichet opens carries statement, lock and idle-in-transaction timeouts; a
contact whose save passes its bound fails with a typed error, the contact withdrawn if it was
still queued; and stopping waits for a stuck writer only a bounded time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from eventsourcing import persistence
from psycopg.rows import tuple_row

from domain.interactions import (
    ContactChannel,
    Disposition,
    Inquirer,
    InquirerType,
    Interaction,
)
from domain.operations import Logged
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.contacts import ContactWriter, WriteTimeout
from infra.territories import load_reference
from tests.integration.test_large_writes import in_background
from tests.support.log_lock import log_held


def contact(key: str) -> Interaction:
    started = datetime(2019, 5, 1, 9, tzinfo=UTC)
    return Interaction.log(
        key=key, channel=ContactChannel.CHAT, started_at=started, answered_at=None,
        ended_at=started + timedelta(minutes=5), language="fr", interpreter=False,
        counsellor="counsellor-1", inquirer=Inquirer(InquirerType.SELF), needs=(),
        disposition=Disposition.COMPLETED, follow_up=None, actor="test", at=started,
    )  # fmt: skip


def shown(conn: psycopg.Connection[Any]) -> dict[str, str]:
    names = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
    with conn.cursor(row_factory=tuple_row) as cursor:
        return {name: str(cursor.execute(f"SHOW {name}").fetchone()) for name in names}


BOUNDED = {
    "statement_timeout": "('10s',)",
    "lock_timeout": "('5s',)",
    "idle_in_transaction_session_timeout": "('5s',)",
}


def test_every_session_guichet_opens_is_bounded(container: Container) -> None:
    with container.operations.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
        assert shown(conn) == BOUNDED
    with container.datastore.get_connection() as conn:
        assert shown(conn) == BOUNDED
    with container.database.connect() as conn:
        assert shown(conn) == BOUNDED


def test_maintenance_sessions_are_unbounded_on_purpose(
    environ: dict[str, str],
) -> None:
    from infra.bootstrap import tokens_for
    from infra.database import Database
    from infra.settings import Settings

    settings = Settings.from_environ(environ)
    assert settings.database_url is not None
    database = Database.from_url(settings.database_url, settings.database_schema)
    maintenance = Container(settings, database, tokens_for(settings), maintenance=True)
    try:
        with maintenance.datastore.get_connection() as conn:
            assert shown(conn) == dict.fromkeys(BOUNDED, "('0',)")
    finally:
        maintenance.close()


def test_a_write_waiting_on_a_held_log_fails_at_its_lock_bound(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container(environ | {"GUICHET_LOCK_TIMEOUT": "1"})
    load_reference(container.operations, SystemClock())
    head = container.head()
    with log_held(container):
        started = time.monotonic()
        with pytest.raises(persistence.OperationalError) as failed:
            container.contacts.log(contact("held-1"))
        waited = time.monotonic() - started
    cause = failed.value.__cause__
    assert isinstance(cause, psycopg.errors.LockNotAvailable), repr(failed.value)
    assert waited < 5, "tried again while the lock was held"
    assert container.head() == head


def test_a_request_stops_waiting_for_a_stuck_writer_and_a_queued_contact_is_withdrawn(
    container: Container,
) -> None:
    load_reference(container.operations, SystemClock())
    writer = ContactWriter(container.operations, timeout=1.0)
    try:
        with log_held(container):
            first = in_background(writer.log, contact("stuck-1"))
            time.sleep(0.3)  # taken into a transaction, waiting for the lock
            second = in_background(writer.log, contact("stuck-2"))
            with pytest.raises(WriteTimeout) as running:
                first.result(timeout=5)
            with pytest.raises(WriteTimeout) as queued:
                second.result(timeout=5)
        assert not running.value.withdrawn
        assert queued.value.withdrawn
        # The lock given back, the running transaction ends whole; the withdrawn one is not
        # saved, and a retry of the first is answered as already logged.
        retried = writer.log(contact("stuck-1"))
        assert isinstance(retried, Logged)
        assert retried.replayed
        assert not container.operations.recorder.select_events(contact("stuck-2").id, limit=1)
    finally:
        writer.close()


def test_closing_waits_for_a_stuck_writer_only_a_bounded_time(container: Container) -> None:
    load_reference(container.operations, SystemClock())
    writer = ContactWriter(container.operations, timeout=30)
    with log_held(container):
        pending = in_background(writer.log, contact("closing-1"))
        time.sleep(0.3)
        started = time.monotonic()
        writer.close(timeout=1)
        closed = time.monotonic() - started
    assert closed < 3
    assert isinstance(pending.result(timeout=10), Logged)  # the lock given back, it ended
