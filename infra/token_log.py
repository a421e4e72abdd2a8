"""The tokens the event log holds, as a running process follows them.

Every process reads the token facts (`domain.tokens.TOPICS`) from the log itself, not from a
view: it needs no projection, so a server with `GUICHET_RUN_PROJECTIONS=false`, a worker, or
another host sees a token added or revoked from anywhere. A background thread reads the log
after the position it reached, every `interval` seconds: when nothing changed, that is one
query for the head; each later read scans only the positions written since. A request is
only ever checked against what is in memory, so signing in never waits for the database, and
an expired token is refused at its expiry, whenever the last read was.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain.operations import Operations
from domain.tokens import TOPICS, Role, Token
from infra.tokens import Principal

log = logging.getLogger(__name__)

# Seconds between two reads of the log: a change reaches every process within about this.
INTERVAL = 1.0
# Token facts read in one query.
PAGE = 1000


@dataclass(frozen=True)
class IssuedToken:
    """A name's current token, as the log has it."""

    name: str
    role: Role
    digest: str
    issued_by: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_by: str | None = None
    revoked_at: datetime | None = None
    revoked_because: str | None = None

    def live(self, at: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or at < self.expires_at)

    def state(self, at: datetime) -> str:
        if self.revoked_at is not None:
            why = f" ({self.revoked_because})" if self.revoked_because else ""
            when = self.revoked_at.isoformat(timespec="seconds")
            return f"revoked {when} by {self.revoked_by}{why}"
        if not self.live(at):
            return "expired"
        return "live"


def apply(tokens: dict[UUID, IssuedToken], fact: object) -> None:
    """Folds one token fact into the current token of each name (keyed by record)."""
    if isinstance(fact, Token.Issued | Token.Reissued):
        tokens[fact.originator_id] = IssuedToken(
            fact.name, Role(fact.role), fact.digest, fact.actor, fact.occurred_at, fact.expires_at
        )
    elif isinstance(fact, Token.Revoked):
        current = tokens.get(fact.originator_id)
        if current is not None and current.digest == fact.digest:
            tokens[fact.originator_id] = replace(
                current, revoked_by=fact.actor, revoked_at=fact.occurred_at,
                revoked_because=fact.reason,
            )  # fmt: skip


class TokenLog:
    def __init__(
        self, operations: Operations, now: Callable[[], datetime], *,
        interval: float = INTERVAL,
    ) -> None:  # fmt: skip
        self._operations = operations
        self._now = now
        self._interval = interval
        self._position = 0
        self._tokens: dict[UUID, IssuedToken] = {}
        # Replaced whole on each change, never changed in place: requests read it unlocked.
        self._by_digest: dict[str, IssuedToken] = {}
        self._reading = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self._listeners: list[Callable[[], None]] = []

    def listen(self, callback: Callable[[], None]) -> None:
        """Calls `callback` after each read that changed the tokens, on the reading thread: it
        must be quick and thread-safe (WebSockets signed in with a token re-check it then)."""
        self._listeners.append(callback)

    def principal(self, digest: str) -> Principal | None:
        found = self._by_digest.get(digest)
        if found is None or not found.live(self._now()):
            return None
        return Principal(found.name, found.role)

    def remaining(self, digest: str) -> float | None:
        """Seconds until the token of that digest expires; None if it never does."""
        found = self._by_digest.get(digest)
        if found is None or found.expires_at is None:
            return None
        return (found.expires_at - self._now()).total_seconds()

    def tokens(self) -> list[IssuedToken]:
        """Each name's current token, by name."""
        return sorted(self._tokens.values(), key=lambda token: token.name)

    def ever_issued(self) -> bool:
        return bool(self._tokens)

    def live_count(self) -> int:
        at = self._now()
        return sum(token.live(at) for token in self._tokens.values())

    def refresh(self) -> int:
        """Reads the token facts written since the last read; returns how many."""
        with self._reading:
            recorder = self._operations.recorder
            head = recorder.max_notification_id() or 0
            read = 0
            while self._position < head:
                page = recorder.select_notifications(
                    self._position, PAGE, stop=head, topics=TOPICS, inclusive_of_start=False
                )
                for notification in page:
                    apply(self._tokens, self._operations.mapper.to_domain_event(notification))
                read += len(page)
                # Positions are committed in order (the log's table lock), so every token
                # fact up to the head is read once the pages stop short of the limit.
                self._position = page[-1].id if len(page) == PAGE else head
            if read:
                self._by_digest = {token.digest: token for token in self._tokens.values()}
                for callback in self._listeners:
                    callback()
            return read

    def start(self) -> None:
        """Reads at once, then every `interval` seconds on a daemon thread, until `stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._follow, name="token-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            # A read in progress is bounded by the session's statement timeout; the thread is a
            # daemon, so a stuck one never holds the process.
            self._thread.join(timeout=self._interval + 1)
            self._thread = None

    def _follow(self) -> None:
        while True:
            self._poll()
            if self._stop.wait(self._interval):
                return

    def _poll(self) -> None:
        try:
            self.refresh()
        except Exception as error:
            if not self._failing:
                self._failing = True
                log.warning(
                    "cannot read the tokens from the log (%s); the tokens read before still "
                    "sign in, and the read is retried every %g s",
                    str(error) or type(error).__name__, self._interval,
                )  # fmt: skip
            return
        if self._failing:
            self._failing = False
            log.info("reading the tokens from the log again")
