"""The browser app: every `/app/...` path answers the same shell page, so that any screen's URL
can be shared and reloaded; the page's ES modules (`api/static/app/`) draw the screen the path
names. Nothing is built: the modules and the vendored Preact + htm are served as they are."""

from __future__ import annotations

import hashlib
from functools import cache

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from api.assets import STATIC, CachedFiles, page

FILES = STATIC / "app"

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


@cache
def files_root() -> str:
    """Where the app's files are served: a path holding the digest of all of them, since the
    modules import one another by relative URLs that cannot carry a digest of their own, and
    browsers keep these files a year."""
    digest = hashlib.sha256()
    for path in sorted(FILES.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(FILES)).encode() + b"\0" + path.read_bytes())
    return f"/static-app/{digest.hexdigest()[:16]}"


def app_files() -> Mount:
    return Mount(
        files_root(), GZipMiddleware(CachedFiles(directory=FILES), minimum_size=1024), name="app"
    )


async def app_shell(request: Request) -> Response:
    # Absolute URLs: relative ones would break at `/app/services/ID`.
    root = request.scope.get("root_path", "")
    files = root + files_root()
    response = page(
        "app.html", POLICY, root=root, style=f"{files}/app.css", script=f"{files}/app.js"
    )
    # The page's location services ask for geolocation only when the user presses "near me".
    response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
    return response
