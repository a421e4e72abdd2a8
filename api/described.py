"""Descriptions several areas of the schema share: read-your-writes, record ids and versions,
times, and what a result union's errors mean to the client, so each reads the same everywhere."""

from __future__ import annotations

import strawberry

from api.errors import (
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
)

CONSISTENT_WITH = strawberry.argument(
    description="Read-your-writes: a `position` a mutation answered. The answer waits until the "
    "views it reads include that write, 2 seconds at most unless the server sets another wait, "
    "else it is a ConsistencyTimeoutError. Left out or 0: read at once. Ignored without a token "
    "(the public): read at once from the views as they stand, never a ConsistencyTimeoutError, "
    "since whether the wait ran out would tell anyone where the log is."
)
INPUT = strawberry.argument(description="The change, checked whole before anything is written.")
EXPECTED_VERSION = (
    "The record's `version` as last read: if it changed since, nothing is written and the "
    "answer is VersionConflictError."
)
# Read arguments take a moment without an offset as Montréal time (`api.moments`).
MOMENT = "ISO 8601, like 2026-03-01T09:30:00-05:00 (Montréal time when the offset is left out)."
LOCAL_DAY = "A day (YYYY-MM-DD) of the Montréal calendar (America/Montreal)."
VERSION = "The record's version: 1 when created, one more with each fact."
VERSION_AFTER = "The record's version after this fact: 1 for the fact that created it."
POSITION = "Log position of the last fact written; pass it as consistentWith."

_ADVICE: dict[type, str] = {
    InvalidInputError: "InvalidInputError: a value given was refused (`field` names it, "
    "like `input.name.fr`; `message` says why); correct it and send again.",
    NotFoundError: "NotFoundError: no record has that id, or the caller may not see it; show "
    "it as missing.",
    NotAuthorizedError: "NotAuthorizedError: the caller's role may not ask (`requiredRoles` "
    "lists those that may); sign in with one of them.",
    VersionConflictError: "VersionConflictError: the record changed since `expectedVersion` "
    "(`currentVersion` is its version now); read it again, then retry.",
    ConsistencyTimeoutError: "ConsistencyTimeoutError: the views did not reach "
    "`consistentWith` in time; retry, or read without it.",
}


def outcomes(what: str, *errors: type) -> str:
    """A result union's description: what it answers, then each expected error and what the
    client should do about it, in the order of the union's members."""
    return " ".join((f"{what}.", *(_ADVICE[error] for error in errors)))
