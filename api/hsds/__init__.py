"""The Open Referral HSDS 3.0 API, read-only, beside GraphQL: the public directory only.

Served under `ROOT` (`/hsds/services`, …). Every answer is JSON: 400 names the parameter
refused, 404 an id no active record has, 405 any method but GET, 429 past the caller's rate
(the same buckets as public GraphQL's), 503 while the search engine cannot be reached.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from uuid import UUID

import anyio
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from api.hsds.openapi import document
from api.hsds.params import ENDPOINTS, Parameters, parse, parse_id
from api.http import address_of
from api.rate import RateLimiter
from domain.errors import InvalidInput
from infra.bootstrap import Container
from infra.hsds.pages import Filters, HsdsPages
from infra.hsds.published import HSDS_VERSION, Ask, Published
from projections.search_query import MAX_PAGE, SearchQuery, SearchUnavailable

ROOT = "/hsds"
# A text search narrows a list to this many services, the most relevant first (then ordered
# by id like any page): five pages of the search engine's at most.
SEARCH_MOST = 500
# Every method reaches the endpoint, which answers 405 in JSON to all but GET and HEAD.
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
PROFILE = "https://docs.openreferral.org/en/latest/hsds/overview.html"

Answer = dict[str, Any] | None
Endpoint = Callable[[Request], Awaitable[Response]]


def json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def failure(status: int, code: str, message: str, **more: str) -> Response:
    headers = {"Allow": "GET, HEAD"} if status == 405 else None
    if "retry_after" in more:
        headers = {"Retry-After": more.pop("retry_after")}
    return json({"code": code, "message": message, **more}, status, headers)


def language(request: Request) -> str:
    """HSDS has one language a document: English when the caller prefers it, else French."""
    accept = request.headers.get("accept-language", "")[:200].strip().lower()
    return "en" if accept.startswith("en") else "fr"


class HsdsApi:
    def __init__(self, container: Container, rate: RateLimiter) -> None:
        self.container = container
        self.rate = rate
        self.published = Published(
            HsdsPages(container.history, container.territories, container.taxonomy)
        )

    def routes(self) -> list[BaseRoute]:
        handlers: dict[str, Callable[[Request, Parameters], Awaitable[Answer]]] = {
            "/": self.info,
            "/openapi.json": self.openapi,
            "/services": self.services,
            "/services/{id}": partial(self.one, "service"),
            "/organizations": self.organizations,
            "/organizations/{id}": partial(self.one, "organization"),
            "/service_at_locations": self.service_at_locations,
            "/service_at_locations/{id}": partial(self.one, "service_at_location"),
            "/taxonomies": self.taxonomies,
            "/taxonomies/{id}": partial(self.one, "taxonomy"),
            "/taxonomy_terms": self.taxonomy_terms,
            "/taxonomy_terms/{id}": partial(self.one, "taxonomy_term"),
        }
        routes: list[BaseRoute] = [
            Route(path, self.endpoint(path, handlers[path]), methods=METHODS) for path in ENDPOINTS
        ]
        routes.append(Route("/{rest:path}", self.unknown, methods=METHODS))
        return [Mount(ROOT, routes=routes)]

    def endpoint(
        self, path: str, handler: Callable[[Request, Parameters], Awaitable[Answer]]
    ) -> Endpoint:
        async def answer(request: Request) -> Response:
            if request.method not in ("GET", "HEAD"):
                return failure(405, "METHOD_NOT_ALLOWED", "The HSDS API is read-only: use GET.")
            wait = self.rate.wait("address:" + address_of(request))
            if wait > 0:
                most = self.container.settings.rate_limit
                return failure(
                    429, "RATE_LIMITED",
                    f"More than {most} requests a second from this caller; retry in {wait:.2f} s.",
                    retry_after=str(max(1, math.ceil(wait))),
                )  # fmt: skip
            try:
                given = list(request.query_params.multi_items())
                found = await handler(request, parse(path, given))
            except InvalidInput as error:
                return failure(400, error.code, str(error), parameter=error.field)
            except SearchUnavailable as error:
                return failure(503, "SEARCH_UNAVAILABLE", str(error))
            if found is None:
                return failure(404, "NOT_FOUND", f"No active record has the id {_shown(request)}.")
            return json(found)

        return answer

    async def unknown(self, request: Request) -> Response:
        return failure(404, "NOT_FOUND", "No such endpoint; see openapi.json.")

    async def info(self, request: Request, _: Parameters) -> Answer:
        return {
            "version": HSDS_VERSION,
            "profile": PROFILE,
            "openapi_url": str(request.base_url).rstrip("/") + ROOT + "/openapi.json",
            "description": "The public directory of this 211 (active records only), read-only.",
        }

    async def openapi(self, request: Request, _: Parameters) -> Answer:
        return document(ROOT)

    def ask(self, request: Request, parameters: Parameters, filters: Filters) -> Ask:
        return Ask(
            page=parameters.page,
            per_page=parameters.per_page,
            language=language(request),
            filters=filters,
            full=parameters.full,
        )

    async def filters(self, parameters: Parameters) -> Filters:
        code, services = None, await self.searched(parameters.search)
        if parameters.taxonomy_term_id is not None:
            code = await self.call(self.published.code_of, parameters.taxonomy_term_id)
            if code is None:  # a term no active service carries: nothing matches
                services = ()
        return Filters(
            services=services,
            organization=parameters.organization_id,
            code=code,
            modified_after=parameters.modified_after,
        )

    async def searched(self, text: str | None) -> tuple[UUID, ...] | None:
        """The services a text search finds, the most relevant first, at most SEARCH_MOST."""
        if text is None:
            return None
        found: dict[UUID, None] = {}
        query = SearchQuery(text=text, first=MAX_PAGE, facets=False)
        while len(found) < SEARCH_MOST:
            page = await self.container.search.search(query)
            found.update((hit.service_id, None) for hit in page.hits)
            if not page.has_next or not page.hits:
                break
            query = SearchQuery(
                text=page.rewritten_text or text,
                first=MAX_PAGE,
                facets=False,
                after=page.hits[-1].cursor,
            )
        return tuple(list(found)[:SEARCH_MOST])

    async def call(self, function: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(partial(function, *args))

    async def services(self, request: Request, parameters: Parameters) -> Answer:
        ask = self.ask(request, parameters, await self.filters(parameters))
        found: Answer = await self.call(
            partial(self.published.services, minimal=parameters.minimal), ask
        )
        return found

    async def organizations(self, request: Request, parameters: Parameters) -> Answer:
        ask = self.ask(request, parameters, await self.filters(parameters))
        found: Answer = await self.call(
            partial(self.published.organizations, full_service=parameters.full_service), ask
        )
        return found

    async def service_at_locations(self, request: Request, parameters: Parameters) -> Answer:
        ask = self.ask(request, parameters, await self.filters(parameters))
        found: Answer = await self.call(self.published.service_at_locations, ask)
        return found

    async def taxonomies(self, request: Request, parameters: Parameters) -> Answer:
        return self.published.taxonomies(
            self.ask(request, parameters, Filters()), parameters.search
        )

    async def taxonomy_terms(self, request: Request, parameters: Parameters) -> Answer:
        ask = self.ask(request, parameters, Filters())
        found: Answer = await self.call(self.published.taxonomy_terms, ask, parameters.search)
        return found

    async def one(self, kind: str, request: Request, parameters: Parameters) -> Answer:
        id = parse_id("id", request.path_params["id"])
        published = self.published
        read: dict[str, Callable[[], Answer]] = {
            "service": lambda: published.service(id, language(request)),
            "organization": lambda: published.organization(
                id, language(request), parameters.full_service
            ),
            "service_at_location": lambda: published.service_at_location(id, language(request)),
            "taxonomy": lambda: published.taxonomy(id),
            "taxonomy_term": lambda: published.taxonomy_term(id, language(request)),
        }
        found: Answer = await self.call(read[kind])
        return found


def _shown(request: Request) -> str:
    return str(request.path_params.get("id", ""))[:50]
