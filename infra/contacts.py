"""Contacts logged whole, saved together: one transaction for the contacts that arrive while
the previous transaction commits.

Every write to the log takes its table lock until the commit is on disk, so concurrent
contacts saved one by one queue on that lock, each with its own flush. One writer thread per
process takes every contact waiting and saves them in one transaction; under load the lock and
the flush are shared, and alone a contact is saved at once, as before.

A request of the API hands its parsed contact to that thread (`submit`), which applies the
handler's rules to all the contacts taken (their services read together) and saves them: one
hop from the event loop to a thread and back, instead of one to a worker and one to the writer.

A request waits for its save a bounded time. Past it, the request fails with `WriteTimeout`:
a contact not yet taken into a transaction is withdrawn (never stored); one being saved is
stored whole or not at all, and a retry with the same key is answered either way.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import nullcontext, suppress
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg import sql
from psycopg.rows import tuple_row

from domain.errors import InvalidInput
from domain.handlers.contacts import Recording
from domain.interactions import Interaction
from domain.operations import Logged, Operations, Receipt
from infra.database import HeldConnection
from infra.event_log import unreachable

log = logging.getLogger(__name__)

MAX_BATCH = 100
TIMEOUT = 30.0
# How long closing waits for the transaction being saved.
CLOSE_TIMEOUT = 10.0


class WriteTimeout(Exception):
    """A contact's save did not end within the bound."""

    def __init__(self, waited: float, *, withdrawn: bool) -> None:
        outcome = (
            "it was withdrawn before being saved"
            if withdrawn
            else "it is stored whole or not at all; a retry with the same key is answered "
            "as the contact already logged if it was stored"
        )
        super().__init__(f"The contact was not saved within {waited:g} s: {outcome}.")
        self.waited = waited
        self.withdrawn = withdrawn


# A contact to save: its place in the batch, the aggregate and its collected events.
Pending = tuple[int, tuple[Interaction, Sequence[Any]]]


class Recorder(Protocol):
    """The contacts handler's rules for contacts sent together (`ContactHandler.record_each`)."""

    def record_each(self, requests: Sequence[Recording]) -> list[Logged | Exception]: ...


class _Log:
    """An aggregate to save, its rules applied by the caller (`log`)."""

    __slots__ = ("done", "interaction")

    def __init__(self, interaction: Interaction, done: Future[Logged]) -> None:
        self.interaction, self.done = interaction, done


class _Record:
    """A parsed contact whose rules the writer applies (`submit`): `done` says whether the
    writer took it (a request that times out before withdraws it), `waiter` is what its event
    loop awaits, set there from `done` once the batch is answered (`_wake`)."""

    __slots__ = ("done", "handler", "loop", "request", "waiter")

    def __init__(
        self, handler: Recorder, request: Recording, done: Future[Logged],
        loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Logged],
    ) -> None:  # fmt: skip
        self.handler, self.request, self.done = handler, request, done
        self.loop, self.waiter = loop, waiter


def _wake(records: list[_Record]) -> None:
    """On an event loop: each request's answer, from the writer's (one wake-up a batch)."""
    for record in records:
        waiter = record.waiter
        if waiter.done():  # its request timed out meanwhile
            continue
        error = record.done.exception()
        if error is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(record.done.result())


class ContactSaver:
    """Saves whole contacts (the contacts handler's `ContactLog` port), each call in one
    transaction, straight to the event store."""

    def __init__(self, operations: Operations) -> None:
        self.operations = operations

    def log(self, interaction: Interaction) -> Logged:
        [result] = self.log_many([interaction])
        if isinstance(result, InvalidInput):
            raise result
        return result

    def log_many(self, interactions: Sequence[Interaction]) -> list[Logged | InvalidInput]:
        """Saves whole contacts together, in one transaction, and gives each its receipt or
        the reason it was refused. Contacts logged before (retries, or the same key twice in
        the batch) are taken out and answered alone, so that one retry does not make the
        others wait for a transaction each: the same content is the first receipt, replayed;
        other content under the same key is refused."""
        operations = self.operations
        # Collected once: a failed save has taken the aggregates' pending events already.
        waiting: list[Pending] = list(enumerate((i, i.collect_events()) for i in interactions))
        results: dict[int, Logged | InvalidInput] = {}
        while waiting:
            batch: list[Pending] = []
            later: list[Pending] = []
            ids: set[UUID] = set()
            for entry in waiting:
                (later if entry[1][0].id in ids else batch).append(entry)
                ids.add(entry[1][0].id)
            try:
                recordings = operations.save(*[e for _, (_, events) in batch for e in events])
            except IntegrityError:
                logged = {id for id in ids if operations.recorder.select_events(id, limit=1)}
                if not logged:
                    raise
                for index, (interaction, events) in batch:
                    if interaction.id in logged:
                        results[index] = self._alone(interaction, events)
                waiting = [e for e in batch if e[1][0].id not in logged] + later
                continue
            positions: dict[UUID, int] = {}
            for recording in recordings:
                id = recording.domain_event.originator_id
                positions[id] = max(positions.get(id, 0), recording.notification.id)
            for index, (interaction, _) in batch:
                receipt = Receipt(interaction.id, interaction.version, positions[interaction.id])
                results[index] = Logged(receipt, replayed=False)
            waiting = later
        return [results[index] for index in range(len(interactions))]

    def _alone(self, interaction: Interaction, events: Sequence[Any]) -> Logged | InvalidInput:
        operations = self.operations
        try:
            recordings = operations.save(*events)
            position = max(recording.notification.id for recording in recordings)
            return Logged(Receipt(interaction.id, interaction.version, position), replayed=False)
        except IntegrityError:
            existing: Interaction = operations.repository.get(interaction.id)
            if existing.digest != interaction.digest:
                return InvalidInput(
                    "input.key",
                    f"{interaction.key!r} already logged another contact; use a new key",
                )
            position = operations.recorder.max_notification_id() or 0
            return Logged(Receipt(existing.id, existing.version, position), replayed=True)


class ContactWriter(ContactSaver):
    """Saves each contact as it comes, together with those waiting when it does."""

    def __init__(
        self, operations: Operations, max_batch: int = MAX_BATCH, timeout: float = TIMEOUT
    ) -> None:
        super().__init__(operations)
        self.max_batch = max_batch
        self.timeout = timeout
        self._waiting: queue.SimpleQueue[_Log | _Record | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def log(self, interaction: Interaction) -> Logged:
        """Saves the contact (blocking until it is committed) with those waiting, as
        `log_many` does; the contact's rules were applied by `ContactHandler`."""
        done: Future[Logged] = Future()
        self._ensure_started()
        self._waiting.put(_Log(interaction, done))
        try:
            return done.result(self.timeout)
        except FutureTimeout:
            raise self._timed_out(done.cancel()) from None  # withdrawn only while queued

    async def submit(self, handler: Recorder, request: Recording) -> Logged:
        """Has the writer apply `handler`'s rules to the contact and save it with those
        waiting, answering as `handler.record` would; bounded as `log` is. Called on an event
        loop, which the writer wakes when the answer is there."""
        done: Future[Logged] = Future()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Logged] = loop.create_future()
        self._ensure_started()
        self._waiting.put(_Record(handler, request, done, loop, waiter))
        try:
            async with asyncio.timeout(self.timeout):
                return await waiter
        except TimeoutError:
            # Withdrawn if the writer has not taken it yet.
            raise self._timed_out(done.cancel()) from None
        except asyncio.CancelledError:
            done.cancel()  # the request was cancelled: withdrawn too, if not yet taken
            raise

    def _timed_out(self, withdrawn: bool) -> WriteTimeout:
        log.error(
            "a contact waited %g s for the writer (%s); is the database stuck?",
            self.timeout, "withdrawn" if withdrawn else "its transaction is still running",
        )  # fmt: skip
        return WriteTimeout(self.timeout, withdrawn=withdrawn)

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Saves what is queued and stops, waiting at most `timeout` for the writer."""
        if self._thread is not None:
            self._waiting.put(None)
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("the contact writer did not stop within %g s; left behind", timeout)
            self._thread = None

    def _ensure_started(self) -> None:
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="contact-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            held = getattr(self.operations.recorder, "held", None)
            if isinstance(held, HeldConnection):
                held.release()

    def _serve(self) -> None:
        while (first := self._waiting.get()) is not None:
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            # From here a request that times out can no longer withdraw its contact.
            taken = [item for item in batch if item.done.set_running_or_notify_cancel()]
            if taken:
                self._take(taken)
            if stop:
                return

    def _take(self, taken: list[_Log | _Record]) -> None:
        held = getattr(self.operations.recorder, "held", None)
        try:
            # The batches' statements share a connection, not taken and checked for each.
            with held.holding() if isinstance(held, HeldConnection) else nullcontext():
                logs = [item for item in taken if isinstance(item, _Log)]
                if logs:
                    self._save(logs)
                records = [item for item in taken if isinstance(item, _Record)]
                if records:
                    self._record(records)
        except Exception as error:
            # No connection could be had for the batch: each request gets why.
            log.warning("saving %d contacts failed: %r", len(taken), error)
            for item in taken:
                if not item.done.done():
                    item.done.set_exception(error)
            self._wake([item for item in taken if isinstance(item, _Record)])

    def _record(self, batch: list[_Record]) -> None:
        handlers = {id(item.handler): item.handler for item in batch}
        for key, handler in handlers.items():
            items = [item for item in batch if id(item.handler) == key]
            try:
                answers = handler.record_each([item.request for item in items])
            except Exception as error:
                answers = [error] * len(items)
            failed = [a for a in answers if isinstance(a, Exception)]
            if failed and not all(isinstance(a, InvalidInput) for a in failed):
                log.warning("recording %d contacts: %d failed (%r)", len(items), len(failed),
                            next(a for a in failed if not isinstance(a, InvalidInput)))  # fmt: skip
            for item, answer in zip(items, answers, strict=True):
                if isinstance(answer, Exception):
                    item.done.set_exception(answer)
                else:
                    item.done.set_result(answer)
        self._wake(batch)

    @staticmethod
    def _wake(batch: Sequence[_Record]) -> None:
        """Wakes each event loop once for its requests of the batch, not once a request (each
        `call_soon_threadsafe` writes to the loop's self-pipe, which it then reads)."""
        loops: dict[asyncio.AbstractEventLoop, list[_Record]] = {}
        for item in batch:
            loops.setdefault(item.loop, []).append(item)
        for loop, records in loops.items():
            # A closed loop (RuntimeError) has no one waiting for these any more.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(_wake, records)

    def _save(self, batch: list[_Log]) -> None:
        try:
            results = self.log_many([item.interaction for item in batch])
        except Exception as error:
            # Nothing of the batch was written (one transaction); a repeated key is handled
            # inside, so this is the database failing: every request sent gets the error.
            log.warning("saving %d contacts failed: %r", len(batch), error)
            for item in batch:
                item.done.set_exception(error)
            return
        for item, result in zip(batch, results, strict=True):
            if isinstance(result, Logged):
                item.done.set_result(result)
            else:
                item.done.set_exception(result)


class RecordVersions:
    """The latest version of records, read from the log in one statement (the contacts
    handler's `RecordVersions` port)."""

    def __init__(self, operations: Operations) -> None:
        recorder = operations.recorder
        assert isinstance(recorder, PostgresAggregateRecorder)
        self.datastore = recorder.datastore
        self.held: HeldConnection | None = getattr(recorder, "held", None)
        # Rendered once, and prepared by each connection that runs it.
        self.statement = (
            sql.SQL(
                "SELECT originator_id, max(originator_version) AS version FROM {}.{}"
                " WHERE originator_id = ANY(%s) GROUP BY originator_id"
            )
            .format(
                sql.Identifier(recorder.datastore.schema),
                sql.Identifier(recorder.events_table_name),
            )
            .as_bytes(None)
        )

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        try:
            return self._versions(ids)
        except (OperationalError, InterfaceError) as error:
            # A kept connection lost since its last use: once more, on one from the pool.
            if not unreachable(error):
                raise
            return self._versions(ids)

    def _versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        held = self.held.connection() if self.held else self.datastore.get_connection()
        with held as conn, conn.cursor(row_factory=tuple_row) as cursor:
            rows = cursor.execute(self.statement, (list(ids),), prepare=True).fetchall()
        # psycopg reads a uuid column as a UUID already.
        return {id if type(id) is UUID else UUID(str(id)): int(version) for id, version in rows}
