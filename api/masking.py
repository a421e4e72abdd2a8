"""What a client is told of a failure of ours: nothing, unless it can act on it.

Errors raised by our code are logged and masked. Two are named instead, since the client can
retry: the database out of reach, and a bound of time passed (a contact's save, a statement or
a wait for a lock past its timeout). They are told by the SQLSTATE, not by the exception
class: psycopg's OperationalError also covers a value too large for an index, a fault of ours
that stays masked.
"""

from __future__ import annotations

import logging

import psycopg
import psycopg_pool
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from infra.contacts import WriteTimeout
from infra.database import driver_error

log = logging.getLogger("guichet.api")

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
WRITE_TIMEOUT = "WRITE_TIMEOUT"
TIMEOUT = "TIMEOUT"
# A statement cancelled by its timeout, a lock not obtained within its timeout.
TIMEOUT_STATES = ("57014", "55P03")
# Connection exceptions, the server shutting down or starting, too many connections.
UNREACHABLE_STATES = ("08", "57P", "53300")


def unreachable(error: BaseException | None) -> bool:
    """Whether `error` says the database could not be reached (the store wraps psycopg's)."""
    error = driver_error(error)
    if isinstance(error, psycopg_pool.PoolTimeout):
        return True
    if not isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
        return False
    # No SQLSTATE: the connection failed or was lost before the server could answer.
    return error.sqlstate is None or error.sqlstate.startswith(UNREACHABLE_STATES)


def timed_out(error: BaseException | None) -> bool:
    """Whether the database ended a statement of ours at its time bound."""
    error = driver_error(error)
    return isinstance(error, psycopg.Error) and error.sqlstate in TIMEOUT_STATES


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
        original = error.original_error
        if isinstance(original, WriteTimeout):
            code, message = WRITE_TIMEOUT, f"{original} Retry the request."
        elif timed_out(original):
            code, message = (
                TIMEOUT,
                (
                    "The database did not answer within its time bound. Retry the request; a "
                    "write either stored all its facts or none."
                ),
            )
        elif unreachable(original):
            code, message = (
                DATABASE_UNAVAILABLE,
                (
                    "The database could not be reached. Retry the request; a write either stored "
                    "all its facts or none."
                ),
            )
        else:
            return super().anonymise_error(error)
        return GraphQLError(
            message, nodes=error.nodes, source=error.source, positions=error.positions,
            path=error.path, extensions={"code": code},
        )  # fmt: skip
