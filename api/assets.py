"""The package's own browser files: served under `/static/`, named in pages by a URL that
carries their digest, so that a browser may keep them for a year and still sees a new version
at once. Pages are templates in `api/templates/`, filled with escaped values and served with a
Content-Security-Policy that admits nothing from elsewhere."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

ROOT = "/static"
STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "templates"
YEAR = 365 * 24 * 3600


class CachedFiles(StaticFiles):
    """`StaticFiles`, with the year-long cache its URLs' digests make safe."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def static_files() -> ASGIApp:
    """The files, compressed for browsers that accept it: GraphiQL's 4.1 MB are 1.06 MB so.
    Each browser fetches them once (the cache), so compressing on the fly (150 ms of a core for
    GraphiQL's script, in 64 KiB steps) costs less than shipping a second, compressed copy."""
    return GZipMiddleware(CachedFiles(directory=STATIC), minimum_size=1024, compresslevel=6)


@cache
def asset(name: str) -> str:
    """The URL of a file under `api/static/`, relative to a page at the root (`/`, `/graphql`)
    so that the app also works mounted under a prefix."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]
    return f"{ROOT.lstrip('/')}/{name}?v={digest}"


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def page(
    name: str, policy: str, *, markup: Mapping[str, str] | None = None, **values: str
) -> HTMLResponse:
    """A template filled with escaped values (and `markup`: fragments written in our code, put
    in as they are), with the headers every page of ours carries."""
    escaped = {key: html.escape(value) for key, value in values.items()}
    body = template(name).substitute({**escaped, **(markup or {})})
    return HTMLResponse(
        body,
        headers={
            "Content-Security-Policy": policy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )
