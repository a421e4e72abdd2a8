"""What a client is told of a failure of ours: nothing, unless it can act on it.

Errors raised by our code are logged and masked. One is named instead: the database out of
reach, since the client can retry. It is told by the SQLSTATE, not by the exception class:
psycopg's OperationalError also covers a value too large for an index or a cancelled
statement, which are faults of ours and stay masked.
"""

from __future__ import annotations

import logging

import psycopg
import psycopg_pool
from eventsourcing import persistence
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

log = logging.getLogger("guichet.api")

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
# Connection exceptions, the server shutting down or starting, too many connections.
UNREACHABLE_STATES = ("08", "57P", "53300")


def unreachable(error: BaseException | None) -> bool:
    """Whether `error` says the database could not be reached (the store wraps psycopg's)."""
    if isinstance(error, persistence.PersistenceError):
        error = error.__cause__
    if isinstance(error, psycopg_pool.PoolTimeout):
        return True
    if not isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
        return False
    # No SQLSTATE: the connection failed or was lost before the server could answer.
    return error.sqlstate is None or error.sqlstate.startswith(UNREACHABLE_STATES)


def should_mask(error: GraphQLError) -> bool:
    """Masks errors raised by our code, logging them first; keeps the caller's own mistakes."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error("unexpected error at %s", error.path, exc_info=original)
    return True


class Masking(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if not unreachable(error.original_error):
            return super().anonymise_error(error)
        return GraphQLError(
            "The database could not be reached. Retry the request; a write either stored all "
            "its facts or none.",
            nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
            extensions={"code": DATABASE_UNAVAILABLE},
        )  # fmt: skip
