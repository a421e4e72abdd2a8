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
    """Every `consistentWith` comes through here. The public's is ignored: it never writes, so
    holds no receipt to wait for, and how long the wait took (or whether it ran out) would tell
    it where the log's head is, one bisection step per request."""
    if position is None or position <= 0 or not reads_log_positions(context.principal.role):
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


ConsistentWith = Annotated[int | None, CONSISTENT_WITH]
