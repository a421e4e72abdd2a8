"""Read-your-writes: wait until the views a field reads have reached a log position."""

from __future__ import annotations

import time
from typing import Annotated

import anyio
import strawberry

from api.context import Context
from api.errors import ConsistencyTimeout


async def reach(context: Context, views: tuple[str, ...], position: int | None) -> None:
    if position is None or position <= 0:
        return
    timeout = context.container.settings.consistency_timeout
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        reached = await context.call(context.container.positions, views)
        if reached >= position:
            return
        if time.monotonic() >= deadline:
            raise ConsistencyTimeout(position, reached, timeout)
        await anyio.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 0.05)


CONSISTENT_WITH = strawberry.argument(
    description="Read-your-writes: a `position` a mutation answered. The answer waits until "
    "the views it reads have applied it (2 s at most by default), else it is a "
    "`ConsistencyTimeoutError`. Left out: read at once."
)
ConsistentWith = Annotated[int | None, CONSISTENT_WITH]
