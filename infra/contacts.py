"""Contacts logged whole, saved together: one transaction for the contacts that arrive while
the previous transaction commits.

Every write to the log takes its table lock until the commit is on disk, so concurrent
contacts saved one by one queue on that lock, each with its own flush. One writer thread per
process takes every contact waiting and saves them in one transaction; under load the lock and
the flush are shared, and alone a contact is saved at once, as before.

A request waits for its save a bounded time. Past it, the request fails with `WriteTimeout`:
a contact not yet taken into a transaction is withdrawn (never stored); one being saved is
stored whole or not at all, and a retry with the same key is answered either way.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from uuid import UUID

from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg import sql

from domain.interactions import Interaction
from domain.operations import Logged, Operations

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


class ContactWriter:
    def __init__(
        self, operations: Operations, max_batch: int = MAX_BATCH, timeout: float = TIMEOUT
    ) -> None:
        self.operations = operations
        self.max_batch = max_batch
        self.timeout = timeout
        self._waiting: queue.SimpleQueue[tuple[Interaction, Future[Logged]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def log(self, interaction: Interaction) -> Logged:
        """Saves the contact (blocking until it is committed) as `Operations.log_interactions`
        does; the contact's rules were applied by `ContactHandler`."""
        done: Future[Logged] = Future()
        self._ensure_started()
        self._waiting.put((interaction, done))
        try:
            return done.result(self.timeout)
        except FutureTimeout:
            withdrawn = done.cancel()  # only while it waits in the queue
            log.error(
                "a contact waited %g s for the writer (%s); is the database stuck?",
                self.timeout, "withdrawn" if withdrawn else "its transaction is still running",
            )  # fmt: skip
            raise WriteTimeout(self.timeout, withdrawn=withdrawn) from None

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
            batch = [(i, done) for i, done in batch if done.set_running_or_notify_cancel()]
            if batch:
                self._save(batch)
            if stop:
                return

    def _save(self, batch: list[tuple[Interaction, Future[Logged]]]) -> None:
        try:
            results = self.operations.log_interactions([interaction for interaction, _ in batch])
        except Exception as error:
            # Nothing of the batch was written (one transaction); a repeated key is handled
            # inside, so this is the database failing: every request sent gets the error.
            log.warning("saving %d contacts failed: %r", len(batch), error)
            for _, done in batch:
                done.set_exception(error)
            return
        for (_, done), result in zip(batch, results, strict=True):
            if isinstance(result, Logged):
                done.set_result(result)
            else:
                done.set_exception(result)


class RecordVersions:
    """The latest version of records, read from the log in one statement (the contacts
    handler's `RecordVersions` port)."""

    def __init__(self, operations: Operations) -> None:
        recorder = operations.recorder
        assert isinstance(recorder, PostgresAggregateRecorder)
        self.datastore = recorder.datastore
        self.statement = sql.SQL(
            "SELECT originator_id, max(originator_version) AS version FROM {}.{}"
            " WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(sql.Identifier(recorder.datastore.schema),
                 sql.Identifier(recorder.events_table_name))  # fmt: skip

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(self.statement, (list(ids),)).fetchall()
        return {UUID(str(row["originator_id"])): int(row["version"]) for row in rows}
