"""Large writes reach the log and give the lock back.

The event store library sent each write in psycopg's pipeline mode, whose last step stops
sending once the sync is queued, whether or not the socket took the whole message: a write
larger than the socket's buffer (a few hundred kilobytes) then waited for an answer to a
message the server was still waiting to read, holding the log's lock, for good.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from domain.interactions import (
    AgeBand,
    ContactChannel,
    Disposition,
    Gender,
    Inquirer,
    InquirerType,
    Interaction,
    NeedEntry,
)
from domain.operations import Logged
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.contacts import ContactWriter
from infra.territories import load_reference
from infra.views.base import LOG_TABLE

# Values every bound of the domain accepts: fifty needs with 1,900 characters of information.
T = TypeVar("T")
INFORMATION = ("Renseignements donnés à la personne sur place. " * 40)[:1900]


@pytest.mark.timeout(90, method="thread")
def test_contacts_queued_together_are_saved_in_one_large_transaction(
    container: Container,
) -> None:
    load_reference(container.operations, SystemClock())
    writer = ContactWriter(container.operations)
    contacts = heavy_contacts(40)
    log_table = sql.Identifier(container.database.schema, LOG_TABLE)
    try:
        with container.database.connect() as blocker:
            # Queued behind another transaction, the contacts are saved together: megabytes.
            with blocker.transaction():
                blocker.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(log_table))
                futures = [in_background(writer.log, contact) for contact in contacts]
                time.sleep(0.5)
            results = [future.result(timeout=30) for future in futures]
    finally:
        writer.close()
    assert all(isinstance(result, Logged) and not result.replayed for result in results)
    assert container.head() == max(result.receipt.position for result in results)
    with container.database.connect() as conn:
        row = conn.execute(
            sql.SQL("SELECT sum(length(state)), count(DISTINCT xmin::text) FROM {}").format(
                log_table
            )
        ).fetchone()
    assert row is not None
    assert row[0] > 2_000_000  # the shared transaction was this large


@pytest.mark.timeout(90, method="thread")
@pytest.mark.parametrize("size", [400_000, 1_000_000, 5_000_000])
def test_one_large_event_is_written_and_the_lock_given_back(
    container: Container, size: int
) -> None:
    recorder = container.operations.recorder
    event = StoredEvent(uuid.uuid4(), 1, "test.Large", b"x" * size)
    positions = in_background(recorder.insert_events, [event]).result(timeout=30)
    assert positions == [container.head()]
    # A small write right after takes the lock at once.
    small = StoredEvent(uuid.uuid4(), 1, "test.Small", b"{}")
    assert in_background(recorder.insert_events, [small]).result(timeout=10) == [container.head()]


def in_background(call: Callable[..., T], *args: object) -> Future[T]:
    """Runs `call` on a thread of its own, which a hung call does not keep the test waiting on."""
    done: Future[T] = Future()

    def run() -> None:
        try:
            done.set_result(call(*args))
        except BaseException as error:
            done.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return done


def heavy_contacts(count: int) -> list[Interaction]:
    """Contacts of fifty needs, each with the longest information the domain accepts."""
    started = datetime(2019, 5, 1, 9, tzinfo=UTC)
    return [
        Interaction.log(
            key=f"large-{index}",
            channel=ContactChannel.PHONE,
            started_at=started,
            answered_at=started,
            ended_at=started + timedelta(minutes=20),
            language="fr",
            interpreter=False,
            counsellor="counsellor-1",
            inquirer=Inquirer(InquirerType.SELF, AgeBand.THIRTIES, Gender.FEMALE, "66023"),
            needs=tuple(NeedEntry("BT-4500", information=INFORMATION) for _ in range(50)),
            disposition=Disposition.COMPLETED,
            follow_up=None,
            actor="test",
            at=started,
        )
        for index in range(count)
    ]
