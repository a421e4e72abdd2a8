"""Expected failures, as members of each field's result union."""

from __future__ import annotations

import re

import strawberry

from api.context import Denied
from domain.errors import Contended, DomainError, InvalidInput, NotFound, VersionConflict
from projections.search_query import SearchUnavailable

CONSISTENCY_TIMEOUT = "CONSISTENCY_TIMEOUT"


class ConsistencyTimeout(Exception):
    def __init__(self, position: int, reached: int, waited: float) -> None:
        # 0: the views are empty (the public never waits: `api.consistency.reach`).
        where = f"reached position {reached}, not" if reached else "did not reach"
        super().__init__(
            f"The read models {where} {position} within {waited:g}s. "
            "Retry the query, or read without consistentWith."
        )
        self.position = position
        self.reached = reached
        self.waited = waited


@strawberry.interface(
    description="An expected failure, answered as a member of a field's result union: nothing "
    "was written. Select `... on Error { code message }` to handle every kind at once."
)
class Error:
    code: str = strawberry.field(
        description="What went wrong, stable for programs; each error type lists its own: "
        "`INVALID_INPUT`, `NOT_FOUND`, `VERSION_CONFLICT`, `CONFLICT`, `NOT_AUTHORIZED`, "
        "`CONSISTENCY_TIMEOUT`, `SEARCH_UNAVAILABLE` or `SEARCH_TIMEOUT`."
    )
    message: str = strawberry.field(
        description="What went wrong, in English, for a developer or a log; not translated."
    )


@strawberry.type(
    description="A value was refused (too long, malformed, out of range, unknown code…): fix "
    "the value `field` names and send again."
)
class InvalidInputError(Error):
    code: str = strawberry.field(description="Always `INVALID_INPUT`.")
    field: str = strawberry.field(
        description="The argument or input path refused, as sent: `after`, `input.name.fr`, "
        "`input.serviceAreas[2]`."
    )


@strawberry.type(
    description="No record with this id that the caller may see: it does not exist, or it is "
    "hidden from the caller (an inactive record for anyone but editors). Do not retry."
)
class NotFoundError(Error):
    code: str = strawberry.field(description="Always `NOT_FOUND`.")
    id: strawberry.ID = strawberry.field(description="The id asked for.")


@strawberry.type(
    description="Nothing was written. `VERSION_CONFLICT`: the record changed since the caller "
    "read it; read it again, show the change to the user, and send again with "
    "`expectedVersion: currentVersion` if they confirm. `CONFLICT`: other writes kept changing "
    "what a rule reads; send the same request again."
)
class VersionConflictError(Error):
    code: str = strawberry.field(
        description="`VERSION_CONFLICT` (the record changed) or `CONFLICT` (other writes kept "
        "changing what a rule reads), as the type's description says."
    )
    id: strawberry.ID = strawberry.field(description="The record's id.")
    expected_version: int = strawberry.field(description="The version the request expected.")
    current_version: int = strawberry.field(description="The record's version now.")


@strawberry.type(
    description="The caller's role may not do this (or read this argument): sign in with a "
    "token of one of `requiredRoles`. Retrying with the same token fails the same way."
)
class NotAuthorizedError(Error):
    code: str = strawberry.field(description="Always `NOT_AUTHORIZED`.")
    role: str = strawberry.field(
        description="The caller's role: `public` (no token), `counsellor`, `editor`, "
        "`coverage_admin`, `analyst`, `auditor`, `monitoring` or `admin`."
    )
    required_roles: list[str] = strawberry.field(
        description="The roles that may; `admin` may always, and is not listed."
    )


@strawberry.type(
    description="`consistentWith` asked for a log position the views did not reach in time "
    "(2 seconds unless the server sets another wait): retry the query, or read without "
    "`consistentWith`."
)
class ConsistencyTimeoutError(Error):
    code: str = strawberry.field(description="Always `CONSISTENCY_TIMEOUT`.")
    position: int = strawberry.field(description="The log position asked for.")
    reached: int = strawberry.field(
        description="The position the views had reached. Only a caller with a token waits, "
        "so only one gets this error."
    )
    waited_seconds: float = strawberry.field(description="How long the request waited, in seconds.")


@strawberry.type(
    description="The search engine did not answer (`SEARCH_UNAVAILABLE`) or not in time "
    "(`SEARCH_TIMEOUT`): show the user that search is down and retry later, with backoff."
)
class SearchUnavailableError(Error):
    code: str = strawberry.field(
        description="`SEARCH_UNAVAILABLE` (no answer) or `SEARCH_TIMEOUT` (not in time)."
    )


EXPECTED = (DomainError, Denied, ConsistencyTimeout, SearchUnavailable)


def as_error(error: Exception) -> Error:
    if isinstance(error, InvalidInput):
        return InvalidInputError(code=error.code, message=error.message, field=error.field)
    if isinstance(error, NotFound):
        return NotFoundError(
            code=error.code, message=error.message, id=strawberry.ID(str(error.id))
        )
    if isinstance(error, VersionConflict):
        return VersionConflictError(
            code=error.code,
            message=error.message,
            id=strawberry.ID(str(error.id)),
            expected_version=error.expected_version,
            current_version=error.current_version,
        )
    if isinstance(error, Contended):
        # The record is where the request found it: both versions are the one it has.
        return VersionConflictError(
            code=error.code,
            message=error.message,
            id=strawberry.ID(str(error.id)),
            expected_version=error.version,
            current_version=error.version,
        )
    if isinstance(error, Denied):
        return NotAuthorizedError(
            code="NOT_AUTHORIZED",
            message=str(error),
            role=error.principal.role.value,
            required_roles=[role.value for role in error.roles],
        )
    if isinstance(error, SearchUnavailable):
        return SearchUnavailableError(code=error.code, message=str(error))
    if isinstance(error, ConsistencyTimeout):
        return ConsistencyTimeoutError(
            code=CONSISTENCY_TIMEOUT,
            message=str(error),
            position=error.position,
            reached=error.reached,
            waited_seconds=error.waited,
        )
    raise error


_WORD = re.compile(r"_([a-z])")


def at_input(error: Exception, root: str = "input") -> Exception:
    """An InvalidInput the domain raised with its own field name (`reason`, `name.fr`,
    `service_areas[2]`), named as the mutation's input path (`input.reason`, `input.name.fr`,
    `input.serviceAreas[2]`); other errors, and fields already named so, are unchanged."""
    if not isinstance(error, InvalidInput) or error.field.startswith(f"{root}."):
        return error
    field = _WORD.sub(lambda found: found.group(1).upper(), error.field)
    return InvalidInput(f"{root}.{field}", error.message.removeprefix(f"{error.field}: "))
