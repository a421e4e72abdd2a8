"""Documents registered once and then named by their hash; production can require them of
the public."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from api.app import create_app
from infra.bootstrap import Container
from infra.persisted import digest

VIEWER = "query Who { viewer { role } }"


async def send(
    container: Container, body: dict[str, Any], token: str | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(container, run_projections=False))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        return await http.post("/graphql", json=body, headers=headers)


def by_hash(sha256: str) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}}}


def code_of(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    code: str = error["extensions"]["code"]
    return code


async def test_a_registered_document_is_run_by_its_hash(container: Container) -> None:
    sha256 = container.persisted.add(VIEWER, "ops", datetime.now(UTC))
    assert sha256 == digest(VIEWER)
    assert container.persisted.add(VIEWER, "ops", datetime.now(UTC)) == sha256  # once only
    assert [r.sha256 for r in container.persisted.all()] == [sha256]

    answer = await send(container, by_hash(sha256), "editor-token")
    assert answer.json() == {"data": {"viewer": {"role": "editor"}}}
    with_text = await send(container, {"query": VIEWER, **by_hash(sha256)})
    assert with_text.json()["data"]["viewer"]["role"] == "public"

    assert code_of(await send(container, by_hash("0" * 64))) == "PERSISTED_QUERY_NOT_FOUND"
    mismatch = {"query": "{ viewer { name } }", **by_hash(sha256)}
    assert code_of(await send(container, mismatch)) == "PERSISTED_QUERY_MISMATCH"
    invalid = {"extensions": {"persistedQuery": {"sha256Hash": 12}}}
    assert code_of(await send(container, invalid)) == "PERSISTED_QUERY_INVALID"


async def test_production_can_refuse_free_documents_from_the_public(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    strict = {"GUICHET_MODE": "production", "GUICHET_PUBLIC_PERSISTED_ONLY": "true"}
    container = make_container({**environ, **strict})
    sha256 = container.persisted.add(VIEWER, "ops", datetime.now(UTC))

    free = await send(container, {"query": VIEWER})
    assert code_of(free) == "PERSISTED_QUERY_REQUIRED"
    assert (await send(container, by_hash(sha256))).json()["data"]["viewer"]["role"] == "public"
    signed_in = await send(container, {"query": VIEWER}, "editor-token")
    assert signed_in.json()["data"]["viewer"]["role"] == "editor"
    scraper = await send(container, {"query": VIEWER}, "monitoring-token")
    assert code_of(scraper) == "PERSISTED_QUERY_REQUIRED"
    # The same setting outside production mode leaves free documents open.
    development = make_container({**environ, "GUICHET_PUBLIC_PERSISTED_ONLY": "true"})
    assert (await send(development, {"query": VIEWER})).status_code == 200
