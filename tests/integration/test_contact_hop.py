"""A contact sent by the API is handed to the writer's thread, which applies the handler's rules
to the contacts waiting and saves them together: each caller gets the answer `record` gives it
alone, on embedded PostgreSQL, whatever else is in its batch."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from uuid import UUID

import psycopg
import pytest
from eventsourcing import persistence
from psycopg import sql

from domain.contact_values import interaction_id
from domain.errors import InvalidInput
from domain.handlers.contacts import ContactHandler, RecordContact, Recording
from domain.handlers.directory import DeactivateRecord, DirectoryHandler
from domain.interactions import Inquirer
from domain.operations import Logged
from domain.records import Record
from infra.bootstrap import Container
from infra.bulk import load_many
from infra.clock import SystemClock
from infra.contacts import ContactWriter, WriteTimeout
from infra.demo import load_demo
from infra.demo_calls import Plan, commands
from infra.territories import load_reference
from infra.views.base import LOG_TABLE
from tests.support.log_lock import log_held

AT = datetime(2019, 12, 2, 15, tzinfo=UTC)
PLAN = Plan(40, date(2019, 5, 1), date(2019, 5, 2), seed=8)
Answer = tuple[str, object, object, object]


def ready(container: Container) -> None:
    load_reference(container.operations, SystemClock())
    operations = container.operations
    load_demo(DirectoryHandler(operations, partial(load_many, operations)), AT)


def deactivate(container: Container, id: UUID) -> None:
    record: Record = container.operations.repository.get(id)
    DirectoryHandler(container.operations).deactivate_record(
        DeactivateRecord(id, record.version, "fermé"), actor="ed", at=AT
    )


def answer(result: Logged | BaseException) -> Answer:
    """What a caller is told, positions aside (they depend on what else was saved)."""
    if isinstance(result, Logged):
        return ("logged", result.receipt.id, result.receipt.version, result.replayed)
    if isinstance(result, InvalidInput):
        return ("refused", result.field, result.message, None)
    return ("failed", type(result), str(result), None)


def alone(handler: ContactHandler, command: RecordContact) -> Logged | BaseException:
    try:
        return handler.record(command, actor="counsellor", at=AT)
    except Exception as error:
        return error


def together(writer: ContactWriter, handler: ContactHandler,
             sent: Sequence[RecordContact]) -> list[Logged | BaseException]:  # fmt: skip
    async def send() -> list[Logged | BaseException]:
        calls = [writer.submit(handler, Recording(c, "counsellor", AT)) for c in sent]
        return await asyncio.gather(*calls, return_exceptions=True)

    return asyncio.run(send())


def released_after(container: Container, seconds: float) -> threading.Thread:
    """Holds the log's lock for `seconds` in another thread, so that what is sent meanwhile
    queues and is taken together."""
    held = threading.Event()

    def hold() -> None:
        with log_held(container):
            held.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    return thread


def mixed(contacts: list[RecordContact], inactive: UUID) -> list[RecordContact]:
    """Contacts of every kind a batch can hold, besides new ones."""
    first = contacts[0]
    other = dataclasses.replace(
        contacts[4], language="en" if contacts[4].language != "en" else "fr"
    )
    need = dataclasses.replace(first.needs[0], service_ids=(inactive,)) if first.needs else None
    nowhere = Inquirer(first.inquirer.type, territory="99999")
    return [
        *contacts[1:],
        first,  # a retry of a contact logged before the batch
        contacts[3],  # the same key twice within the batch, same content
        other,  # the same key with other content
        dataclasses.replace(first, key="inactive", needs=(need,) if need else ()),
        dataclasses.replace(first, key="nowhere", inquirer=nowhere),
        dataclasses.replace(first, key="x" * 10_000),  # refused by the domain's own parsing
    ]


def test_a_batch_answers_each_contact_as_the_handler_alone_does(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    old = make_container(environ)
    new = make_container(
        environ | {"GUICHET_DATABASE_SCHEMA": environ["GUICHET_DATABASE_SCHEMA"] + "n"}
    )
    contacts = [c for c in commands(PLAN) if c.needs and c.needs[0].service_ids]
    inactive = contacts[-1].needs[0].service_ids[0]
    expected: list[Answer] = []
    for container in (old, new):
        ready(container)
        deactivate(container, inactive)
        alone(container.contact_handler, contacts[0])
    sent = mixed(contacts[:-1], inactive)
    expected = [answer(alone(old.contact_handler, command)) for command in sent]
    writer = ContactWriter(new.operations, max_batch=100)
    try:
        holder = released_after(new, 0.5)
        results = together(writer, new.contact_handler, sent)
        holder.join()
    finally:
        writer.close()
    assert [answer(result) for result in results] == expected
    assert {kind for kind, *_ in expected} == {"logged", "refused"}
    refused = [a[1] for a in expected if a[0] == "refused"]
    assert refused == ["input.key", "input.needs[0].referralServiceIds[0]",
                       "input.inquirer.territory", "input.key"], refused  # fmt: skip
    fresh = [r for r in results if isinstance(r, Logged) and not r.replayed]
    assert len({r.receipt.position for r in fresh}) == len(fresh)
    assert max(r.receipt.position for r in fresh) == new.head()
    # Stored alike: each contact's facts, as the handler alone stored them.
    for result in fresh:
        mine = new.operations.recorder.select_events(result.receipt.id)
        theirs = old.operations.recorder.select_events(result.receipt.id)
        assert [(e.topic, e.state) for e in mine] == [(e.topic, e.state) for e in theirs]
    with new.database.connect() as conn:
        found = conn.execute(
            sql.SQL("SELECT count(DISTINCT xmin::text) FROM {} WHERE topic LIKE %s").format(
                sql.Identifier(new.database.schema, LOG_TABLE)
            ),
            ("%Interaction.Logged",),
        ).fetchone()
    assert found is not None
    assert found[0] <= 3, "saved one by one"  # the one before, the first taken, the rest


def test_many_concurrent_contacts_share_transactions(container: Container) -> None:
    ready(container)
    sent = list(commands(Plan(120, date(2019, 6, 1), date(2019, 6, 3), seed=3)))
    writer = ContactWriter(container.operations, max_batch=16)
    try:
        holder = released_after(container, 0.5)
        results = together(writer, container.contact_handler, sent)
        holder.join()
    finally:
        writer.close()
    assert all(isinstance(r, Logged) and not r.replayed for r in results), results
    assert len({r.receipt.position for r in results if isinstance(r, Logged)}) == len(sent)
    with container.database.connect() as conn:
        found = conn.execute(
            sql.SQL("SELECT count(DISTINCT xmin::text) FROM {} WHERE topic LIKE %s").format(
                sql.Identifier(container.database.schema, LOG_TABLE)
            ),
            ("%Interaction.Logged",),
        ).fetchone()
    assert found is not None
    assert found[0] <= 1 + math.ceil(len(sent) / 16)


def test_a_batch_the_database_fails_gives_each_caller_the_error_and_stores_nothing(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container(environ | {"GUICHET_LOCK_TIMEOUT": "1"})
    ready(container)
    sent = list(commands(Plan(6, date(2019, 7, 1), date(2019, 7, 1), seed=4)))
    head = container.head()
    writer = ContactWriter(container.operations)
    try:
        with log_held(container):
            results = together(writer, container.contact_handler, sent)
        assert container.head() == head
        for result in results:
            assert isinstance(result, persistence.OperationalError), result
            assert isinstance(result.__cause__, psycopg.errors.LockNotAvailable)
        # The lock given back, the same contacts are logged, each once.
        again = together(writer, container.contact_handler, sent)
    finally:
        writer.close()
    assert all(isinstance(r, Logged) and not r.replayed for r in again), again


def test_a_submitted_contact_times_out_and_is_withdrawn_while_queued(
    container: Container,
) -> None:
    ready(container)
    first, second = list(commands(Plan(2, date(2019, 8, 1), date(2019, 8, 1), seed=6)))
    writer = ContactWriter(container.operations, timeout=1.0)
    handler = container.contact_handler

    async def send() -> list[Logged | BaseException]:
        running = asyncio.ensure_future(writer.submit(handler, Recording(first, "c", AT)))
        await asyncio.sleep(0.3)  # taken into a transaction, waiting for the lock
        queued = writer.submit(handler, Recording(second, "c", AT))
        return list(await asyncio.gather(running, queued, return_exceptions=True))

    try:
        with log_held(container):
            running, queued = asyncio.run(send())
        assert isinstance(running, WriteTimeout)
        assert not running.withdrawn
        assert isinstance(queued, WriteTimeout)
        assert queued.withdrawn
        # The running transaction ends whole once the lock is given back; a retry is
        # answered as already logged, and the withdrawn contact was never stored.
        [retried] = together(writer, handler, [first])
    finally:
        writer.close()
    assert isinstance(retried, Logged)
    assert retried.replayed
    assert not container.operations.recorder.select_events(interaction_id(second.key), limit=1)


@pytest.mark.parametrize("count", [1, 3])
def test_the_handler_alone_and_in_a_batch_count_the_same_contacts(
    container: Container, count: int
) -> None:
    ready(container)
    counter = container.metrics.contacts
    sent = list(commands(Plan(count, date(2019, 9, 1), date(2019, 9, 1), seed=7)))
    before = sum(sample.value for metric in counter.collect() for sample in metric.samples
                 if sample.name.endswith("_total"))  # fmt: skip
    together(container.contacts, container.contact_handler, [*sent, *sent])
    after = sum(sample.value for metric in counter.collect() for sample in metric.samples
                if sample.name.endswith("_total"))  # fmt: skip
    assert after - before == count  # the replays not counted


def test_the_writers_kept_connection_lost_between_batches_is_replaced(
    container: Container,
) -> None:
    ready(container)
    first = next(c for c in commands(PLAN) if c.needs and c.needs[0].service_ids)
    # Its services read before: the next batch starts with a read of their versions.
    second = dataclasses.replace(first, key="kept-2")
    handler = container.contact_handler
    writer = ContactWriter(container.operations)
    try:
        [logged] = together(writer, handler, [first])  # the writer keeps its connection
        assert isinstance(logged, Logged)
        with container.database.connect() as conn:
            # The session that wrote last, kept by the writer (the pool's own, all lost at
            # once, take the pool a while to replace, with the way before as with this one).
            killed = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s AND query = 'COMMIT' AND state = 'idle'"
                " ORDER BY state_change DESC LIMIT 1",
                (container.database.application,),
            ).fetchone()
        assert killed == (True,)
        [again] = together(writer, handler, [second])
    finally:
        writer.close()
    assert isinstance(again, Logged), again
    assert not again.replayed


def test_contacts_from_two_event_loops_each_get_their_own_answers(
    container: Container,
) -> None:
    ready(container)
    sent = list(commands(Plan(12, date(2019, 10, 1), date(2019, 10, 1), seed=8)))
    writer = ContactWriter(container.operations)
    handler = container.contact_handler
    answers: dict[int, list[Logged | BaseException]] = {}

    def loop_of(number: int, part: Sequence[RecordContact]) -> threading.Thread:
        def run() -> None:
            answers[number] = together(writer, handler, part)

        return threading.Thread(target=run)

    try:
        holder = released_after(container, 0.5)  # both loops' contacts wait, then go together
        loops = [loop_of(0, sent[:6]), loop_of(1, sent[6:])]
        for thread in loops:
            thread.start()
        for thread in loops:
            thread.join()
        holder.join()
    finally:
        writer.close()
    results = answers[0] + answers[1]
    assert all(isinstance(r, Logged) and not r.replayed for r in results), results
    for command, result in zip(sent, results, strict=True):
        assert isinstance(result, Logged)
        assert result.receipt.id == interaction_id(command.key)
    assert len({r.receipt.position for r in results if isinstance(r, Logged)}) == len(sent)


def test_a_cancelled_request_withdraws_its_queued_contact(container: Container) -> None:
    ready(container)
    first, second = list(commands(Plan(2, date(2019, 11, 1), date(2019, 11, 1), seed=9)))
    writer = ContactWriter(container.operations)
    handler = container.contact_handler

    async def send() -> tuple[Logged | BaseException, bool]:
        running = asyncio.ensure_future(writer.submit(handler, Recording(first, "c", AT)))
        await asyncio.sleep(0.3)  # taken into a transaction, waiting for the lock
        queued = asyncio.ensure_future(writer.submit(handler, Recording(second, "c", AT)))
        await asyncio.sleep(0.1)
        queued.cancel()
        await asyncio.gather(queued, return_exceptions=True)
        [answer] = await asyncio.gather(running, return_exceptions=True)
        return answer, queued.cancelled()

    try:
        holder = released_after(container, 1.0)
        running, cancelled = asyncio.run(send())
        holder.join()
    finally:
        writer.close()
    assert cancelled
    assert isinstance(running, Logged)
    assert not container.operations.recorder.select_events(interaction_id(second.key), limit=1)
