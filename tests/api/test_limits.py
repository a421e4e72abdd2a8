"""Each limit on a request, hit, and refused with an error naming the limit and its value."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.rate import RateLimiter
from infra.bootstrap import Container

LOG = "query ($first: Int!) { auditLog(first: $first) { ... on AuditPage { nodes { position actor } } } }"  # noqa: E501
INTROSPECT = "{ __schema { queryType { name } } }"


async def post(
    container: Container, body: Any = None, token: str | None = None, **request: Any
) -> httpx.Response:
    app = create_app(container, run_projections=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(request.pop("headers", {}))
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        return await http.post("/graphql", json=body, headers=headers, **request)


def limit_of(response: httpx.Response) -> dict[str, Any]:
    [error] = response.json()["errors"]
    extensions: dict[str, Any] = error["extensions"]
    assert extensions["code"] == "LIMIT_EXCEEDED"
    return {"message": error["message"], **extensions}


@pytest.mark.parametrize(
    ("variable", "document", "limit"),
    [
        (
            "GUICHET_MAX_QUERY_DEPTH",
            '{ organization(id: "x") { ... on Organization { name { fr } } } }',
            "depth",
        ),
        ("GUICHET_MAX_ALIASES", "{ a: viewer { role } b: viewer { role } }", "aliases"),
        ("GUICHET_MAX_TOKENS", "{ viewer { role name } }", "tokens"),
    ],
)
async def test_depth_aliases_and_tokens_are_limited(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container],
    variable: str, document: str, limit: str,
) -> None:  # fmt: skip
    container = make_container({**environ, variable: "1"})
    response = await post(container, {"query": document})
    assert response.status_code == 400
    assert limit_of(response) | {"message": ""} == {
        "message": "", "code": "LIMIT_EXCEEDED", "limit": limit, "maximum": 1}  # fmt: skip
    allowed = make_container({**environ, variable: "100"})
    assert (await post(allowed, {"query": document})).status_code == 200


async def test_an_operation_costs_one_per_field_and_a_page_once_per_item_asked(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_MAX_COST": "250"})
    # auditLog and the work it does (200), and its page's entries list, which holds two fields
    # per item: 1 + 200 + 1 + 30 * 2.
    response = await post(container, {"query": LOG, "variables": {"first": 30}}, "auditor-token")
    assert response.status_code == 400
    found = limit_of(response)
    assert (found["limit"], found["maximum"], found["cost"]) == ("cost", 250, 262)
    cheap = await post(container, {"query": LOG, "variables": {"first": 10}}, "auditor-token")
    assert cheap.status_code == 200, cheap.json()
    assert "auditLog" in cheap.json()["data"]


async def test_a_page_larger_than_allowed_is_refused_on_first(container: Container) -> None:
    document = LOG.replace(
        "... on AuditPage", "__typename ... on InvalidInputError { field message } ... on AuditPage"
    )
    response = await post(
        container, {"query": document, "variables": {"first": 501}}, "auditor-token"
    )
    refused = response.json()["data"]["auditLog"]
    assert refused["__typename"] == "InvalidInputError"
    assert refused["field"] == "first"
    assert "500" in refused["message"]


async def test_a_body_larger_than_allowed_is_refused_declared_or_streamed(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_MAX_BODY_BYTES": "200"})
    big = {"query": "{ viewer { role } }", "variables": {"pad": "x" * 500}}
    declared = await post(container, big)
    assert declared.status_code == 413
    assert limit_of(declared)["limit"] == "bodyBytes"
    assert limit_of(declared)["maximum"] == 200

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 50  # no Content-Length: the body is counted as it arrives

    streamed = await post(container, content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert limit_of(streamed)["limit"] == "bodyBytes"
    assert (await post(container, {"query": "{ viewer { role } }"})).status_code == 200


async def test_each_caller_is_held_to_its_rate(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_RATE_LIMIT": "2"})
    app = create_app(container, run_projections=False)
    transport = httpx.ASGITransport(app=app)
    query = {"query": "{ viewer { role } }"}
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        editor = {"Authorization": "Bearer editor-token"}
        answers = [await http.post("/graphql", json=query, headers=editor) for _ in range(12)]
        other = await http.post(
            "/graphql", json=query, headers={"Authorization": "Bearer admin-token"}
        )
    codes = [a.status_code for a in answers]
    assert codes[:4] == [200] * 4  # two seconds' worth at once
    refused = next(a for a in answers if a.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert (limit_of(refused)["limit"], limit_of(refused)["maximum"]) == ("rate", 2)
    assert other.status_code == 200


def test_a_bucket_refills_at_the_rate_and_holds_two_seconds() -> None:
    now = [0.0]
    limiter = RateLimiter(5, clock=lambda: now[0])
    assert [limiter.wait("a") for _ in range(10)] == [0.0] * 10
    assert limiter.wait("a") == pytest.approx(0.2)
    assert limiter.wait("b") == 0.0
    now[0] += 0.2
    assert limiter.wait("a") == 0.0
    now[0] += 100
    assert sum(limiter.wait("a") == 0.0 for _ in range(11)) == 10
    assert RateLimiter(0).wait("a") == 0.0


async def test_introspection_is_for_signed_in_roles_in_production(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    production = make_container({**environ, "GUICHET_MODE": "production"})
    refused = await post(production, {"query": INTROSPECT})
    assert refused.status_code == 400
    assert limit_of(refused)["limit"] == "introspection"
    hidden = 'query { viewer { role } ...F } fragment F on Query { __type(name: "Query") { name } }'
    assert (await post(production, {"query": hidden})).status_code == 400
    assert (await post(production, {"query": INTROSPECT}, "editor-token")).status_code == 200
    # A scraper's token is signed in, but given what the public is in GraphQL.
    scraper = await post(production, {"query": INTROSPECT}, "monitoring-token")
    assert scraper.status_code == 400
    assert limit_of(scraper)["limit"] == "introspection"
    development = make_container(environ)
    assert (await post(development, {"query": INTROSPECT})).status_code == 200
