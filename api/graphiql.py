"""GraphiQL from the package's own files (`api/static/graphiql/`, see its VERSIONS): the page
`/graphql` answers a browser with, so that the IDE works with no network but this server's."""

from __future__ import annotations

from starlette.responses import HTMLResponse

from api.assets import asset, page

# Only this server, and nothing inline: scripts (the boot script too) and styles are its files;
# fonts and the icon are data: URIs. GraphiQL sets styles through the DOM, which the policy
# allows; `tests/e2e/test_graphiql_offline.py` fails on any violation the browser reports.
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


def graphiql_page() -> HTMLResponse:
    return page(
        "graphiql.html",
        POLICY,
        graphiql_css=asset("graphiql/graphiql.min.css"),
        page_css=asset("guichet/graphiql.css"),
        react=asset("graphiql/react.production.min.js"),
        react_dom=asset("graphiql/react-dom.production.min.js"),
        graphiql=asset("graphiql/graphiql.min.js"),
        boot=asset("guichet/graphiql.js"),
    )
