"""Given/When/Then on the token handler, on the event store's in-memory recorder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Contended, InvalidInput
from domain.handlers.tokens import IssueToken, RevokeToken, Role, RotateToken, TokenHandler
from domain.operations import Operations
from domain.tokens import Token, token_id
from infra.tokens import digest

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = AT + timedelta(hours=1)


@pytest.fixture
def operations() -> Operations:
    return Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def handler(operations: Operations) -> TokenHandler:
    return TokenHandler(operations)


def token(operations: Operations, name: str) -> Token:
    found: object = operations.repository.get(token_id(name))
    assert isinstance(found, Token)
    return found


def facts(operations: Operations) -> list[str]:
    return [n.topic for n in operations.recorder.select_notifications(1, 100)]


def issue(
    handler: TokenHandler, name: str = "alice", made: str = "one", *,
    role: Role = Role.EDITOR, expires_at: datetime | None = None,
) -> None:  # fmt: skip
    handler.issue(IssueToken(name, role, digest(made), expires_at), actor="cli:ops", at=AT)


def test_an_issued_token_records_its_digest_role_and_who_never_the_token(
    handler: TokenHandler, operations: Operations
) -> None:
    issue(handler, expires_at=AT + timedelta(days=30))

    alice = token(operations, "alice")
    assert (alice.name, alice.role, alice.digest) == ("alice", "editor", digest("one"))
    assert (alice.issued_by, alice.issued_at, alice.expires_at) == (
        "cli:ops", AT, AT + timedelta(days=30)
    )  # fmt: skip
    [stored] = operations.recorder.select_notifications(1, 10)
    assert stored.topic == "guichet.Token.Issued"
    assert b"one" not in stored.state.replace(digest("one").encode(), b"")


def test_a_name_holds_one_live_token(handler: TokenHandler, operations: Operations) -> None:
    issue(handler)
    with pytest.raises(InvalidInput, match="has a live token: rotate it") as refused:
        issue(handler, made="two")
    assert refused.value.field == "name"
    assert facts(operations) == ["guichet.Token.Issued"]


def test_a_revoked_token_cannot_be_revoked_twice(
    handler: TokenHandler, operations: Operations
) -> None:
    issue(handler)
    handler.revoke(RevokeToken("alice", "left the team"), actor="cli:ops", at=LATER)
    with pytest.raises(InvalidInput, match="was revoked already, by cli:ops"):
        handler.revoke(RevokeToken("alice"), actor="cli:other", at=LATER)
    assert facts(operations) == ["guichet.Token.Issued", "guichet.Token.Revoked"]
    assert token(operations, "alice").revoked_by == "cli:ops"


def test_a_revoked_or_expired_name_may_be_issued_again(
    handler: TokenHandler, operations: Operations
) -> None:
    issue(handler)
    handler.revoke(RevokeToken("alice"), actor="cli:ops", at=AT)
    issue(handler, made="two")
    issue(handler, "bob", expires_at=AT + timedelta(minutes=1))
    handler.issue(IssueToken("bob", Role.ANALYST, digest("three")), actor="ops", at=LATER)
    assert token(operations, "alice").digest == digest("two")
    assert token(operations, "alice").live(LATER)
    assert token(operations, "bob").role == "analyst"


def test_rotate_revokes_and_issues_in_one_save_keeping_role_and_lifetime(
    handler: TokenHandler, operations: Operations
) -> None:
    issue(handler, role=Role.AUDITOR, expires_at=AT + timedelta(days=90))
    handler.rotate(RotateToken("alice", digest("two")), actor="cli:ops", at=LATER)

    alice = token(operations, "alice")
    assert (alice.role, alice.digest) == ("auditor", digest("two"))
    assert alice.expires_at == LATER + timedelta(days=90)
    assert alice.revoked_at is None
    stored = operations.recorder.select_notifications(1, 10)
    assert [n.topic for n in stored] == [
        "guichet.Token.Issued", "guichet.Token.Revoked", "guichet.Token.Reissued"
    ]  # fmt: skip
    assert stored[1].originator_version + 1 == stored[2].originator_version


def test_a_revoked_or_unknown_name_is_not_rotated(handler: TokenHandler) -> None:
    with pytest.raises(InvalidInput, match="no token is named 'nobody'"):
        handler.rotate(RotateToken("nobody", digest("x")), actor="cli:ops", at=AT)
    issue(handler)
    handler.revoke(RevokeToken("alice"), actor="cli:ops", at=AT)
    with pytest.raises(InvalidInput, match="was revoked: issue a new token"):
        handler.rotate(RotateToken("alice", digest("x")), actor="cli:ops", at=AT)


@pytest.mark.parametrize(
    ("name", "field", "message"),
    [
        ("bob\x00", "name", "NUL"),
        ("bob\x07", "name", "control character"),
        ("\u202eadmin", "name", "bidirectional"),
        ("a" * 201, "name", "longer than 200"),
        ("   ", "name", "blank"),
        ("two words", "name", "one word"),
        # Names that pass for another actor, or look like another name.
        ("cli:root", "name", "ASCII letters, digits"),
        ("guichet:first-start", "name", "ASCII letters, digits"),
        ("\u0430dmin", "name", "ASCII letters, digits"),  # a Cyrillic a
        ("adm\u200bin", "name", "ASCII letters, digits"),  # a zero-width space
        ("-admin", "name", "starting with a letter or a digit"),
        (".admin", "name", "starting with a letter or a digit"),
        ("a" * 65, "name", "1 to 64"),
        ("caf\u00e9", "name", "ASCII letters, digits"),
    ],
)
def test_hostile_names_are_refused_and_nothing_is_written(
    handler: TokenHandler, operations: Operations, name: str, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        issue(handler, name)
    assert refused.value.field == field
    assert facts(operations) == []


@pytest.mark.parametrize("name", ["alice", "a", "ops.backup-2_b", "9" * 64, "A.b-C_d"])
def test_plain_ascii_names_are_issued(
    handler: TokenHandler, operations: Operations, name: str
) -> None:
    issue(handler, name)
    assert token(operations, name).name == name


def test_a_name_issued_before_the_rule_may_be_revoked_but_not_rotated(
    handler: TokenHandler, operations: Operations
) -> None:
    # As an earlier version wrote it, before names were held to plain ASCII.
    earlier = Token._create(
        Token.Issued, id=token_id("cli:root"), timestamp=AT, name="cli:root", role="admin",
        digest=digest("one"), expires_at=None, actor="cli:ops", occurred_at=AT,
    )  # fmt: skip
    operations.save(earlier)
    with pytest.raises(InvalidInput, match="ASCII letters, digits"):
        handler.rotate(RotateToken("cli:root", digest("two")), actor="cli:ops", at=AT)
    handler.revoke(RevokeToken("cli:root"), actor="cli:ops", at=AT)
    assert token(operations, "cli:root").revoked_at == AT


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        (AT, "not in the future"),
        (AT - timedelta(days=1), "not in the future"),
        (AT + timedelta(days=3661), "more than 3660 days"),
        (datetime(2027, 1, 1), "time zone"),
    ],
)
def test_an_expiry_must_be_ahead_and_bounded(
    handler: TokenHandler, operations: Operations, expires_at: datetime, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        issue(handler, expires_at=expires_at)
    assert refused.value.field == "expires"
    assert facts(operations) == []


def test_only_a_digest_enters_the_log(handler: TokenHandler) -> None:
    with pytest.raises(InvalidInput, match="SHA-256") as refused:
        handler.issue(IssueToken("alice", Role.ADMIN, "a-token"), actor="cli:ops", at=AT)
    assert refused.value.field == "digest"


def test_two_issues_of_one_name_at_once_leave_one(
    handler: TokenHandler, operations: Operations
) -> None:
    other = TokenHandler(operations)
    first = Token.issue("alice", Role.EDITOR, digest("one"), None, actor="a", at=AT)
    operations.save(first)
    # The second command read the log before the first saved: it makes the record anew.
    second = Token.issue("alice", Role.ADMIN, digest("two"), None, actor="b", at=AT)
    with pytest.raises(Contended, match="at the same time"):
        other._save(second)
    assert token(operations, "alice").digest == digest("one")
