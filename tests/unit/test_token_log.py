"""A process follows the tokens of the log: issued ones sign in, revoked and expired ones do not,
and a log it cannot read leaves it with what it knew."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.handlers.tokens import IssueToken, RevokeToken, Role, RotateToken, TokenHandler
from domain.operations import Operations
from infra.token_log import IssuedToken, TokenLog, apply
from infra.tokens import Principal, TokenStore, digest

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
GOLDEN = Path(__file__).parents[1] / "golden" / "events.json"


class Clock:
    def __init__(self) -> None:
        self.at = AT

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def operations() -> Operations:
    return Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def followed(operations: Operations, clock: Clock) -> TokenLog:
    return TokenLog(operations, clock.now, interval=0.05)


def issue(
    operations: Operations, name: str, token: str, expires_at: datetime | None = None
) -> None:
    TokenHandler(operations).issue(
        IssueToken(name, Role.EDITOR, digest(token), expires_at), actor="cli:ops", at=AT
    )


def test_issued_tokens_sign_in_and_revoked_ones_stop(
    operations: Operations, followed: TokenLog
) -> None:
    store = TokenStore({}, followed)
    issue(operations, "alice", "one")
    assert store.authenticate("one") is None  # not read yet
    assert followed.refresh() == 1
    assert store.authenticate("one") == Principal("alice", Role.EDITOR)
    assert store.authenticate("two") is None

    TokenHandler(operations).revoke(RevokeToken("alice"), actor="cli:ops", at=AT)
    assert followed.refresh() == 1
    assert store.authenticate("one") is None
    assert followed.refresh() == 0


def test_a_rotated_token_replaces_the_old_one(operations: Operations, followed: TokenLog) -> None:
    issue(operations, "alice", "one")
    TokenHandler(operations).rotate(RotateToken("alice", digest("two")), actor="ops", at=AT)
    followed.refresh()
    store = TokenStore({}, followed)
    assert store.authenticate("one") is None
    assert store.authenticate("two") == Principal("alice", Role.EDITOR)


def test_an_expired_token_stops_at_its_expiry_without_a_read(
    operations: Operations, followed: TokenLog, clock: Clock
) -> None:
    issue(operations, "alice", "one", expires_at=AT + timedelta(seconds=30))
    followed.refresh()
    store = TokenStore({}, followed)
    clock.at = AT + timedelta(seconds=29)
    assert store.authenticate("one") is not None
    clock.at = AT + timedelta(seconds=30)
    assert store.authenticate("one") is None
    assert [token.state(clock.at) for token in followed.tokens()] == ["expired"]


def test_static_tokens_still_sign_in_beside_the_log(
    operations: Operations, followed: TokenLog
) -> None:
    store = TokenStore.load([], "bob:analyst:s3cret").following(followed)
    issue(operations, "alice", "one")
    followed.refresh()
    assert store.authenticate("s3cret") == Principal("bob", Role.ANALYST)
    assert store.authenticate("one") == Principal("alice", Role.EDITOR)


def test_the_thread_sees_a_new_token_within_its_interval(
    operations: Operations, followed: TokenLog
) -> None:
    store = TokenStore({}, followed)
    followed.start()
    try:
        issue(operations, "alice", "one")
        deadline = time.monotonic() + 2
        while store.authenticate("one") is None:
            assert time.monotonic() < deadline, "the new token was not read"
            time.sleep(0.01)
    finally:
        followed.stop()


def test_a_failing_read_logs_once_and_keeps_the_known_tokens(
    operations: Operations, followed: TokenLog, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    issue(operations, "alice", "one")
    followed.refresh()

    def unreachable() -> int:
        raise OSError("connection refused")

    caplog.set_level(logging.INFO, logger="infra.token_log")
    with monkeypatch.context() as patched:
        patched.setattr(operations.recorder, "max_notification_id", unreachable)
        followed._poll()
        followed._poll()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "connection refused" in warnings[0].getMessage()
    assert TokenStore({}, followed).authenticate("one") is not None

    issue(operations, "bob", "two")
    followed._poll()
    assert TokenStore({}, followed).authenticate("two") is not None
    assert caplog.records[-1].getMessage() == "reading the tokens from the log again"


def test_the_golden_token_facts_fold_into_the_rotated_token(operations: Operations) -> None:
    entries = [e for e in json.loads(GOLDEN.read_text()) if e["topic"].startswith("guichet.Token.")]
    assert len(entries) == 3
    tokens: dict[UUID, IssuedToken] = {}
    for entry in entries:
        apply(tokens, operations.mapper.to_domain_event(stored(entry)))
    [token] = tokens.values()
    assert (token.name, token.role, token.digest) == ("ops", Role.ADMIN, digest("golden-two"))
    assert token.issued_at == AT + timedelta(days=30)
    assert token.expires_at == AT + timedelta(days=120)
    assert token.live(AT + timedelta(days=119))


def stored(entry: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(entry["originator_id"]),
        originator_version=entry["originator_version"],
        topic=entry["topic"],
        state=json.dumps(entry["state"]).encode(),
    )


def test_a_read_that_changes_the_tokens_calls_back_and_expiry_is_counted_down(
    operations: Operations, followed: TokenLog, clock: Clock
) -> None:
    calls: list[int] = []
    followed.listen(lambda: calls.append(1))
    issue(operations, "alice", "one", AT + timedelta(minutes=5))
    followed.refresh()
    assert calls == [1]
    followed.refresh()  # nothing new: no call
    assert calls == [1]
    clock.at = AT + timedelta(minutes=2)
    assert followed.remaining(digest("one")) == 180
    assert followed.remaining(digest("unknown")) is None
    TokenHandler(operations).revoke(RevokeToken("alice"), actor="cli:ops", at=AT)
    followed.refresh()
    assert calls == [1, 1]
