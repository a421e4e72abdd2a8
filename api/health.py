"""`/health`: is the database reachable, and is each projection failing or far behind.

Anyone may ask, so it says whether something fails, never why: errors name hosts, schemas and
tables. The why is in the log, and in GraphQL's `projections` (`error`) for admins. Nor does
it tell the public where the log's head and the views stand: each contact moves them by one,
a clock anyone could read to tell when contacts are logged and undo the statistics'
protections. An admin's token (`Authorization: Bearer …`) gets the head, each view's position
and lag, as `guichet projections status` and GraphQL's `projections` show them. /health is
held to the caller's rate like GraphQL."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api import access
from api.http import GraphQLEndpoint, LimitExceeded, Unauthenticated, address_of, error_response
from infra.bootstrap import Container
from infra.tokens import Principal

log = logging.getLogger(__name__)

# Facts a view may lag before the public is told it is behind: far more than a contact moves it.
BEHIND = 1_000


def health_endpoint(
    container: Container, graphql: GraphQLEndpoint
) -> Callable[[Request], Awaitable[Response]]:
    def report(admin: bool) -> tuple[int, dict[str, object]]:
        problem = container.database_reachable()
        if problem is not None:
            log.warning("health: the database is unreachable: %s", problem)
            return 503, {"status": "unavailable", "database": {"reachable": False}}
        statuses = container.status()
        if not admin:
            return 200, {
                "status": "ok",
                "database": {"reachable": True},
                "projections": [
                    {"name": s.name, "failing": s.error is not None, "behind": s.lag > BEHIND}
                    for s in statuses
                ],
            }
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

    async def health(request: Request) -> Response:
        principal = admitted(graphql, request)
        if isinstance(principal, Response):
            return principal
        status, body = await anyio.to_thread.run_sync(
            report, access.sees_health_details(principal.role)
        )
        return JSONResponse(body, status_code=status)

    return health


def admitted(graphql: GraphQLEndpoint, request: Request) -> Principal | Response:
    """The caller of an endpoint beside GraphQL, signed in and paced as a GraphQL request is,
    or the response that refuses it (401, 429)."""
    address = address_of(request)
    try:
        principal = graphql.sign_in(request.headers.get("authorization"), address)
        graphql.pace(principal, address)
    except LimitExceeded as error:
        return error.response()
    except Unauthenticated as error:
        return error_response(401, error.reason, {"WWW-Authenticate": "Bearer"})
    return principal
