"""How every mutation has its command applied: parsed from the input, handed to its handler with
the caller and the time, in a worker thread; the receipt, or the expected error named by the
input's path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from api.context import Info
from api.errors import EXPECTED, Error, as_error, at_input
from api.shared import Receipt
from domain.operations import Receipt as Written

C = TypeVar("C")
R = TypeVar("R")
C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class Handles(Protocol[C_contra, R_co]):
    """A handler's method: a command, who, when; what it wrote."""

    def __call__(self, command: C_contra, /, *, actor: str, at: datetime) -> R_co: ...


async def apply(info: Info, method: Handles[C, R], prepare: Callable[[], C]) -> R:
    """Parses the input into a command (`prepare`) and has `method` apply it as the caller, now."""
    context = info.context
    command = prepare()
    return await context.call(
        method, command, actor=context.actor, at=context.container.clock.now()
    )


async def written(
    info: Info, method: Handles[C, Written], prepare: Callable[[], C]
) -> Receipt | Error:
    """`apply`, for the mutations that answer a record's receipt."""
    try:
        return Receipt.of(await apply(info, method, prepare))
    except EXPECTED as error:
        return as_error(at_input(error))
