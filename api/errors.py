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
        super().__init__(
            f"The read models reached position {reached}, not {position}, within {waited:g}s. "
            "Retry the query, or read without consistentWith."
        )
        self.position = position
        self.reached = reached
        self.waited = waited


@strawberry.interface(description="An expected failure: nothing was written.")
class Error:
    code: str
    message: str


@strawberry.type
class InvalidInputError(Error):
    field: str


@strawberry.type
class NotFoundError(Error):
    id: strawberry.ID


@strawberry.type
class VersionConflictError(Error):
    id: strawberry.ID
    expected_version: int
    current_version: int


@strawberry.type
class NotAuthorizedError(Error):
    role: str
    required_roles: list[str]


@strawberry.type
class ConsistencyTimeoutError(Error):
    position: int
    reached: int
    waited_seconds: float


@strawberry.type
class SearchUnavailableError(Error):
    pass


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
