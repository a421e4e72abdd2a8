"""`/health`: is the database reachable, and how far behind is each projection.

Anyone may ask, so it says whether something fails, never why: errors name hosts, schemas and
tables. The why is in the log, and in `projections { error }` for admins."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse

from infra.bootstrap import Container

log = logging.getLogger(__name__)


def health_endpoint(container: Container) -> Callable[[Request], Awaitable[JSONResponse]]:
    def report() -> tuple[int, dict[str, object]]:
        problem = container.database_reachable()
        if problem is not None:
            log.warning("health: the database is unreachable: %s", problem)
            return 503, {"status": "unavailable", "database": {"reachable": False}}
        statuses = container.status()
        return 200, {
            "status": "ok",
            "database": {"reachable": True},
            "head": container.head(),
            "projections": [
                {
                    "name": s.name,
                    "position": s.position,
                    "lag": s.lag,
                    "failing": s.error is not None,
                }
                for s in statuses
            ],
        }

    async def health(request: Request) -> JSONResponse:
        status, body = await anyio.to_thread.run_sync(report)
        return JSONResponse(body, status_code=status)

    return health
