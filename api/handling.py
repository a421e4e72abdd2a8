"""How the mutations that answer a record's receipt have their command applied: the receipt,
or the expected error named by the input's path."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from api.context import Handles, Info
from api.errors import EXPECTED, Error, as_error, at_input
from api.shared import Receipt
from domain.operations import Receipt as Written

C = TypeVar("C")


async def written(
    info: Info, method: Handles[C, Written], prepare: Callable[[], C]
) -> Receipt | Error:
    try:
        return Receipt.of(await info.context.handle(method, prepare))
    except EXPECTED as error:
        return as_error(at_input(error))
