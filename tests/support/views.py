"""Waiting for views in tests that are about something else than how fast views catch up."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from infra.bootstrap import Container


async def settled(container: Container, names: Sequence[str] | None = None) -> None:
    """Waits (30 s at most) until the named views, or all of them, have applied the whole log:
    a reference of a thousand facts takes a loaded machine more than a request's 2 s."""
    wanted = list(names) if names is not None else list(container.runners)
    for _ in range(600):
        if container.positions(wanted) >= container.head():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the views did not catch up")
