"""Read-your-writes: wait until the views a field reads have reached a log position."""

from __future__ import annotations

import time
from typing import Annotated

import anyio

from api.access import reads_log_positions
from api.context import Context
from api.described import CONSISTENT_WITH
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
            shown = reads_log_positions(context.principal.role)
            raise ConsistencyTimeout(position, reached if shown else 0, timeout)
        await anyio.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 0.05)


ConsistentWith = Annotated[int | None, CONSISTENT_WITH]
