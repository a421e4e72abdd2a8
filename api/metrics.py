"""`/metrics`: the process's figures in Prometheus's text format.

They name no caller, but they are not for the public: the log's head, each view's position
and the count of contacts logged move with each contact, the clock `/health` keeps from the
public (a contact's moment, set against the statistics, undoes their protections). So by
default (`GUICHET_METRICS=admin`, named before the `monitoring` role was) a token that may see
`/health`'s details is needed, as for those details: an admin's or, for a scraper, a read-only
`monitoring` one. `public` opens it to anyone (a server reachable only from its own network),
`off` answers 404. Scrapes are held to the caller's rate, as `/health` is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio.to_thread
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from api import access
from api.health import admitted
from api.http import GraphQLEndpoint, error_response
from infra.bootstrap import Container
from infra.tokens import Role


def metrics_endpoint(
    container: Container, graphql: GraphQLEndpoint
) -> Callable[[Request], Awaitable[Response]]:
    rule = container.settings.metrics
    metrics = container.metrics

    async def scrape(request: Request) -> Response:
        if rule == "off":
            return error_response(404, "Metrics are not served here (GUICHET_METRICS=off).")
        principal = admitted(graphql, request)
        if isinstance(principal, Response):
            return principal
        if rule == "admin" and not access.reads_metrics(principal.role):
            return error_response(
                401 if principal.role is Role.PUBLIC else 403,
                "Metrics need a monitoring or admin token (or GUICHET_METRICS=public).",
                {"WWW-Authenticate": "Bearer"},
            )
        body = await anyio.to_thread.run_sync(generate_latest, metrics.exposition())
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return scrape
