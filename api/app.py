"""The ASGI application: `/graphql`, `/health`, `/metrics`, the HSDS API (`/hsds/`), a landing
page (`/`) and the browser app (`/app/`) over one composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.assets import ROOT as STATIC_ROOT
from api.assets import static_files
from api.health import health_endpoint
from api.hsds import HsdsApi
from api.http import GraphQLEndpoint
from api.landing import landing_endpoint
from api.metrics import metrics_endpoint
from api.webapp import app_files, app_shell
from infra.bootstrap import Container


def create_app(
    container: Container, *, run_projections: bool | None = None, owns_container: bool = False
) -> Starlette:
    """Builds the app; projections run on threads inside it unless told otherwise. An app
    that owns its container closes it when it shuts down."""
    in_process = container.settings.run_projections if run_projections is None else run_projections

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        container.token_log.start()
        if in_process:
            container.start_projections()
        try:
            yield
        finally:
            # Told together: each runner waits up to half a second for the log before it sees
            # it was told, so stopping them one after another took seconds.
            for runner in container.runners.values():
                runner.request_stop()
            for runner in container.runners.values():
                runner.stop()
            container.token_log.stop()
            await container.search.close()
            container.metrics.close()
            if owns_container:
                container.close()

    graphql = GraphQLEndpoint(container)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/health", health_endpoint(container, graphql), methods=["GET"]),
        Route("/metrics", metrics_endpoint(container, graphql), methods=["GET"]),
        # The HSDS API, paced by the same buckets as GraphQL: one rate for a caller.
        *HsdsApi(container, graphql.rate_limiter).routes(),
        # The landing page and the browser files of it and of GraphiQL, all from the package.
        Route(
            "/",
            landing_endpoint(
                graphiql=bool(graphql.graphql_ide), metrics=container.settings.metrics
            ),
            methods=["GET"],
        ),
        Mount(STATIC_ROOT, static_files(), name="static"),
        # The browser app: one shell for every path under /app/, so its URLs can be shared.
        Route("/app", app_shell, methods=["GET"]),
        Route("/app/{path:path}", app_shell, methods=["GET"]),
        app_files(),
    ]
    # The caller's address is the peer's, unless the peer is a proxy named in
    # GUICHET_TRUSTED_PROXIES: then it is the right-most address of X-Forwarded-For that is
    # not one of them. The server itself reads no such header (`infra.cli`, `infra.worker`).
    trusted = list(container.settings.trusted_proxies)
    middleware = [Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)] if trusted else []
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
