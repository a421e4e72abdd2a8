"""Bearer tokens an operator issues and revokes, as facts: who issued which token to whom, with
which role, until when, and who revoked it.

One aggregate a name, not one a token: a name holds at most one live token, so two commands
issuing the same name at once conflict on the aggregate's version instead of both succeeding,
and a rotation (the old token revoked, a new one issued) is one save. The facts hold a token's
SHA-256 digest, never the token: the log, its backups and its audit rows give no way in.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import limits
from domain.errors import InvalidInput
from domain.events import Fact
from domain.text import parse_optional_text, parse_text

# A token lives at most this long: a credential nobody rotates for ten years is forgotten.
LIFETIME_MAX = timedelta(days=3660)
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# A name a token is issued under: it becomes the actor of facts, so it must not pass for
# another actor (`cli:…`, `guichet:…`) nor look like another name (a Cyrillic a, a
# zero-width space): plain ASCII, no colon.
_ISSUED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ISSUED_NAME_RULE = (
    "is 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or a digit"
)


class Role(StrEnum):
    PUBLIC = "public"
    COUNSELLOR = "counsellor"
    EDITOR = "editor"
    COVERAGE_ADMIN = "coverage_admin"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    # A scraper's: `/metrics` and `/health`'s details, and in GraphQL only what the public may.
    MONITORING = "monitoring"
    ADMIN = "admin"


def token_id(name: str) -> UUID:
    """A name's tokens are one record, known by the name."""
    return uuid5(NAMESPACE_URL, f"guichet:token:{name}")


def parse_name(raw: str) -> str:
    """A token's name is the actor of every fact written with it, so it follows the actor's
    rule; it is also typed in commands, so it is one word."""
    name = parse_text("name", raw, max_length=limits.PERSON_MAX, required=True)
    if " " in name:
        raise InvalidInput("name", "is one word (no spaces)")
    return name


def parse_issued_name(raw: str) -> str:
    """The name of a token issued into the log. Names issued before this rule, and static
    tokens' names, still follow `parse_name`, so such a token can still be revoked."""
    name = parse_name(raw)
    if _ISSUED_NAME.fullmatch(name) is None:
        raise InvalidInput("name", ISSUED_NAME_RULE)
    return name


def parse_role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InvalidInput("role", f"{raw!r} is not a role (roles: {allowed})") from None


def parse_digest(raw: str) -> str:
    if not _DIGEST.match(raw):
        raise InvalidInput("digest", "is not a SHA-256 digest like sha256:<64 hex digits>")
    return raw


def parse_expiry(expires_at: datetime | None, at: datetime) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise InvalidInput("expires", "needs a time zone")
    if expires_at <= at:
        raise InvalidInput("expires", f"{expires_at.isoformat()} is not in the future")
    if expires_at - at > LIFETIME_MAX:
        raise InvalidInput("expires", f"is more than {LIFETIME_MAX.days} days ahead")
    return expires_at


class Token(Aggregate):
    TOPIC = "guichet.Token"

    class Event(Fact):
        pass

    class Issued(Aggregate.Created, Event):
        """The first token of a name."""

        TOPIC = "guichet.Token.Issued"
        name: str
        role: str
        digest: str
        expires_at: datetime | None

    Created = Issued

    @event(Issued)
    def __init__(
        self, name: str, role: str, digest: str, expires_at: datetime | None,
        actor: str, occurred_at: datetime,
    ) -> None:  # fmt: skip
        self._issue(name, role, digest, expires_at, actor, occurred_at)

    class Reissued(Event):
        """A new token under a name whose last one was revoked or expired, or in a rotation."""

        TOPIC = "guichet.Token.Reissued"
        name: str
        role: str
        digest: str
        expires_at: datetime | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Token)
            aggregate._issue(
                self.name, self.role, self.digest, self.expires_at, self.actor, self.occurred_at
            )

    class Revoked(Event):
        TOPIC = "guichet.Token.Revoked"
        digest: str
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Token)
            aggregate.revoked_by = self.actor
            aggregate.revoked_at = self.occurred_at

    def _issue(
        self, name: str, role: str, digest: str, expires_at: datetime | None,
        actor: str, at: datetime,
    ) -> None:  # fmt: skip
        self.name = name
        self.role = role
        self.digest = digest
        self.expires_at = expires_at
        self.issued_by = actor
        self.issued_at = at
        self.revoked_by: str | None = None
        self.revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls, name: str, role: Role, digest: str, expires_at: datetime | None,
        *, actor: str, at: datetime,
    ) -> Token:  # fmt: skip
        name = parse_issued_name(name)
        return cls._create(
            cls.Issued, id=token_id(name), timestamp=at, name=name, role=role.value,
            digest=parse_digest(digest), expires_at=parse_expiry(expires_at, at),
            actor=actor, occurred_at=at,
        )  # fmt: skip

    def live(self, at: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or at < self.expires_at)

    def reissue(
        self, role: Role, digest: str, expires_at: datetime | None, *, actor: str, at: datetime
    ) -> None:
        """A new token under this name; the one it held must be revoked or expired first."""
        if self.live(at):
            raise InvalidInput(
                "name", f"{self.name!r} has a live token: rotate it, or revoke it first"
            )
        self.trigger_event(
            self.Reissued, name=self.name, role=role.value, digest=parse_digest(digest),
            expires_at=parse_expiry(expires_at, at), actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip

    def revoke(self, reason: str | None, *, actor: str, at: datetime) -> None:
        if self.revoked_at is not None:
            raise InvalidInput(
                "name",
                f"{self.name!r} was revoked already, by {self.revoked_by} "
                f"at {self.revoked_at.isoformat(timespec='seconds')}",
            )
        why = parse_optional_text("reason", reason, max_length=limits.REASON_MAX)
        self.trigger_event(
            self.Revoked, digest=self.digest, reason=why, actor=actor, occurred_at=at, timestamp=at
        )

    def lifetime(self) -> timedelta | None:
        return None if self.expires_at is None else self.expires_at - self.issued_at


# The facts a running server follows to know its tokens.
TOPICS = (Token.Issued.TOPIC, Token.Reissued.TOPIC, Token.Revoked.TOPIC)
