"""The browser app: every `/app/...` path answers the same shell page, so that any screen's URL
can be shared and reloaded; the page's ES modules (`api/static/app/`) draw the screen the path
names. Nothing is built: the modules and the vendored Preact + htm are served as they are."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from api.assets import asset, page

# Only this server, and nothing inline, as for GraphiQL. `connect-src 'self'` admits the
# GraphQL endpoint (and its WebSocket, which browsers match to 'self' too).
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


async def app_shell(request: Request) -> Response:
    # Absolute URLs: relative ones would break at `/app/services/ID`.
    root = request.scope.get("root_path", "")
    response = page(
        "app.html",
        POLICY,
        root=root,
        style=f"{root}/{asset('app/app.css')}",
        script=f"{root}/{asset('app/app.js')}",
    )
    # The page's location services ask for geolocation only when the user presses "near me".
    response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
    return response
