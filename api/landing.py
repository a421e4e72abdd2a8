"""The page `/` shows a person who opens the server in a browser: what it is, its version, and
where to go (GraphiQL, health, metrics, the HSDS API). Its own module and template, so that a
fuller browser application can take `/` over by replacing one route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.metadata import version

from starlette.requests import Request
from starlette.responses import Response

from api.assets import asset, page

POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

# Relative links: right at `/`, and under a prefix when the app is mounted under one.
GRAPHIQL_FR = '<li><a href="graphql">GraphiQL</a> : écrire et exécuter des requêtes GraphQL</li>'
GRAPHIQL_EN = '<li><a href="graphql">GraphiQL</a>: write and run GraphQL queries</li>'
GRAPHIQL_OFF_FR = "<li>GraphQL : <code>POST graphql</code> (GraphiQL est désactivé)</li>"
GRAPHIQL_OFF_EN = "<li>GraphQL: <code>POST graphql</code> (GraphiQL is turned off)</li>"
# `/metrics` as GUICHET_METRICS serves it: a browser following the link without a token gets 401.
METRICS = {
    "admin": (
        '<li><a href="metrics">Métriques Prometheus</a> (<code>/metrics</code>), avec un jeton\n'
        "<code>monitoring</code> ou <code>admin</code> (sans jeton : refusé, 401)</li>",
        '<li><a href="metrics">Prometheus metrics</a> (<code>/metrics</code>), with a\n'
        "<code>monitoring</code> or <code>admin</code> token (without one: refused, 401)</li>",
    ),
    "public": (
        '<li><a href="metrics">Métriques Prometheus</a> (<code>/metrics</code>)</li>',
        '<li><a href="metrics">Prometheus metrics</a> (<code>/metrics</code>)</li>',
    ),
    "off": (
        "<li>Métriques Prometheus : désactivées (<code>GUICHET_METRICS=off</code>)</li>",
        "<li>Prometheus metrics: turned off (<code>GUICHET_METRICS=off</code>)</li>",
    ),
}


def landing_endpoint(
    *, graphiql: bool, metrics: str = "admin"
) -> Callable[[Request], Awaitable[Response]]:
    graphql = (
        {"graphql_fr": GRAPHIQL_FR, "graphql_en": GRAPHIQL_EN}
        if graphiql
        else {"graphql_fr": GRAPHIQL_OFF_FR, "graphql_en": GRAPHIQL_OFF_EN}
    )
    graphql["metrics_fr"], graphql["metrics_en"] = METRICS[metrics]

    installed = version("guichet")

    async def landing(request: Request) -> Response:
        return page(
            "landing.html", POLICY, markup=graphql,
            version=installed, style=asset("guichet/landing.css"),
        )  # fmt: skip

    return landing
