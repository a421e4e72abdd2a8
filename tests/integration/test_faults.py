"""Faults while the service works: the database crashing under load, the search engine gone
(and, with a server to test against, back again)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from opensearchpy import OpenSearch
from psycopg import sql

from api.app import create_app
from api.masking import DATABASE_UNAVAILABLE
from domain.services import Service
from domain.values import LocalizedText
from infra.bootstrap import Container, tokens_for
from infra.database import Database
from infra.demo import demo_id, load_demo
from infra.embedded import EmbeddedPostgres
from infra.failures import ServiceUnavailable
from infra.search.opensearch_index import IndexNames
from infra.settings import Settings
from infra.territories import load_reference
from tests.api.test_interactions import CONTACTS, RECORD, ready
from tests.api.test_organizations import CENTRE, ORGANIZATION
from tests.api.test_organizations import REGISTER as REGISTER_CENTRE
from tests.support.ports import free_port
from tests.support.proxy import Proxy
from tests.support.tokens import TOKENS_SETTING

COUNSELLOR = {"Authorization": "Bearer counsellor-token"}
EDITOR = {"Authorization": "Bearer editor-token"}
WRITERS = 4  # counsellors logging contacts at once


def crash_and_restart(server: EmbeddedPostgres) -> str:
    """Stops PostgreSQL as a crash would: SIGQUIT is its immediate shutdown, with no
    checkpoint, so the next start recovers from the write-ahead log."""
    postmaster = psutil.Process(int((server.pgdata / "postmaster.pid").read_text().split()[0]))
    postmaster.send_signal(signal.SIGQUIT)
    postmaster.wait(30)
    server.stop()  # forgets the handle; the server is already down
    return server.start()


async def test_postgresql_crashing_under_load_loses_no_accepted_contact(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "own")
    url = server.start()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    settings = Settings.from_environ({
        "GUICHET_DATABASE_URL": url, "GUICHET_DATABASE_SCHEMA": schema,
        "GUICHET_TOKENS": TOKENS_SETTING, "GUICHET_RATE_LIMIT": "0", "GUICHET_POOL_SIZE": "4",
        "GUICHET_DATA_DIR": str(tmp_path / "data"),
    })  # fmt: skip
    container = Container(settings, Database.from_url(url, schema), tokens_for(settings))
    try:
        ready(container)
        accepted: list[str] = []
        failures: list[Any] = []
        stop = asyncio.Event()
        app = create_app(container)
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://guichet.test"
            ) as http:

                async def log_contacts(writer: int) -> None:
                    number = 0
                    while not stop.is_set():
                        number += 1
                        contact = replace(CONTACTS[1], key=f"crash-{writer}-{number}")
                        body = {"query": RECORD, "variables": {"input": contact.input()}}
                        answer = await http.post("/graphql", json=body, headers=COUNSELLOR)
                        found = (answer.json().get("data") or {}).get("recordInteraction") or {}
                        if found.get("__typename") == "InteractionReceipt":
                            accepted.append(found["id"])
                        else:
                            failures.append(answer.json())
                            await asyncio.sleep(0.05)

                writers = [asyncio.create_task(log_contacts(n)) for n in range(WRITERS)]
                await asyncio.sleep(1.5)
                before = len(accepted)
                assert await asyncio.to_thread(crash_and_restart, server) == url
                await asyncio.sleep(3.0)
                stop.set()
                await asyncio.gather(*writers)
                assert before > 0, failures[:3]
                # A write refused during the outage said why, so that its client could retry.
                assert all(_says_unavailable(f) for f in failures), failures[:3]
                assert len(accepted) > before, (
                    f"no write accepted after the restart: {failures[-3:]}"
                )

                # Every contact the service accepted is in the log after the crash, and the
                # contacts view (its projection survived the outage) catches up to all of them.
                with psycopg.connect(url, autocommit=True) as conn:
                    stored = {str(row[0]) for row in conn.execute(sql.SQL(
                        "SELECT originator_id FROM {}.guichet_events"
                    ).format(sql.Identifier(schema))).fetchall()}  # fmt: skip
                assert set(accepted) <= stored
                for _ in range(200):
                    rows = await asyncio.to_thread(_contact_ids, container)
                    if set(accepted) <= rows:
                        break
                    await asyncio.sleep(0.1)
                assert set(accepted) <= rows
    finally:
        container.close()
        server.stop()


def _says_unavailable(body: dict[str, Any]) -> bool:
    errors = body.get("errors") or []
    return bool(errors) and all(
        (e.get("extensions") or {}).get("code") == DATABASE_UNAVAILABLE for e in errors
    )


async def test_while_postgresql_is_down_requests_say_so_and_succeed_once_it_is_back(
    tmp_path: Path, environ: dict[str, str],
    make_container: Callable[[dict[str, str]], Container],
) -> None:  # fmt: skip
    server = EmbeddedPostgres(tmp_path / "own")
    url = server.start()
    container = make_container({**environ, "GUICHET_DATABASE_URL": url})
    register = {"query": REGISTER_CENTRE, "variables": {"input": CENTRE}}
    try:
        transport = httpx.ASGITransport(app=create_app(container, run_projections=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
            first = await http.post("/graphql", json=register, headers=EDITOR)
            receipt = first.json()["data"]["registerOrganization"]
            assert receipt["__typename"] == "Receipt", receipt
            read = {"query": ORGANIZATION, "variables": {"id": receipt["id"]}}
            await asyncio.to_thread(server.stop)

            written = await http.post("/graphql", json=register, headers=EDITOR)
            looked_up = await http.post("/graphql", json=read)

            for answer in (written, looked_up):
                body = answer.json()
                assert _says_unavailable(body), body
                assert body["errors"][0]["message"].startswith("The database could not be")
                assert str(server.pgdata) not in answer.text  # nor where its socket is
            assert written.json()["data"] is None

            assert await asyncio.to_thread(server.start) == url
            again = await http.post("/graphql", json=register, headers=EDITOR)
            assert again.json()["data"]["registerOrganization"]["__typename"] == "Receipt"
            assert container.head() == 2  # the refused write stored nothing
    finally:
        server.stop()


def _contact_ids(container: Container) -> set[str]:
    with container.database.connect() as conn:
        found = conn.execute(sql.SQL("SELECT id FROM {}").format(
            sql.Identifier(container.database.schema, "interactions"))).fetchall()  # fmt: skip
    return {str(row[0]) for row in found}


SEARCH = """
query { searchServices(text: "aide") { __typename ... on Error { code message } }
        autocomplete(prefix: "ai") { name { fr } } }
"""
REGISTER = """
mutation { registerOrganization(input: {name: {fr: "Accueil", en: "Welcome"},
  description: {fr: "Aide", en: "Help"}}) { __typename } }
"""


async def test_with_opensearch_unreachable_writes_succeed_and_searches_say_so(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    closed = free_port()
    container = make_container({**environ, "GUICHET_OPENSEARCH_URL": f"http://127.0.0.1:{closed}"})
    async with (
        LifespanManager(create_app(container, run_projections=False)) as manager,  # closes search
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://guichet.test"
        ) as http,
    ):
        written = await http.post("/graphql", json={"query": REGISTER}, headers=EDITOR)
        searched = await http.post("/graphql", json={"query": SEARCH})
    assert written.json()["data"]["registerOrganization"]["__typename"] == "Receipt"
    found = searched.json()["data"]
    assert found["searchServices"]["__typename"] == "SearchUnavailableError"
    assert found["searchServices"]["code"] == "SEARCH_UNAVAILABLE"
    assert found["autocomplete"] == []  # suggestions fall back to none
    # The search projection waits for OpenSearch: it lags, and its error says why.
    runner = container.runners["search"]
    with pytest.raises(ServiceUnavailable):
        runner.catch_up()
    assert container.views["search"].position() < container.head()


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_the_proxy_cuts_a_server_off_and_restores_it() -> None:
    """The fault the OpenSearch test below makes, shown on a server of our own."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Proxy("127.0.0.1", server.server_address[1]) as proxy, httpx.Client() as http:
            assert http.get(proxy.url).text == "hello"
            proxy.cut()
            with pytest.raises(httpx.TransportError):
                http.get(proxy.url)
            proxy.restore()
            assert http.get(proxy.url).text == "hello"
    finally:
        server.shutdown()
        server.server_close()


OPENSEARCH_URL = os.environ.get("GUICHET_OPENSEARCH_URL")
RENAMED = demo_id("service", 0, 0)
FIND = 'query { searchServices(text: "zanzibar") { ... on SearchConnection { totalCount } '
FIND += "... on Error { code } } }"


@pytest.mark.skipif(not OPENSEARCH_URL, reason="GUICHET_OPENSEARCH_URL is not set")
async def test_opensearch_gone_and_back_the_search_projection_catches_up(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    assert OPENSEARCH_URL is not None
    target = urlsplit(OPENSEARCH_URL)
    with Proxy(target.hostname or "127.0.0.1", target.port or 9200) as proxy:
        container = make_container({**environ, "GUICHET_OPENSEARCH_URL": proxy.url})
        try:
            clock = container.clock
            load_reference(container.operations, clock)
            load_demo(container.directory_handler, clock.now())
            search = container.views["search"]
            async with (
                LifespanManager(create_app(container)) as manager,
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=manager.app), base_url="http://guichet.test"
                ) as http,
            ):
                await _until(lambda: search.position() >= container.head())
                proxy.cut()
                written = await http.post("/graphql", json={"query": REGISTER}, headers=EDITOR)
                assert written.json()["data"]["registerOrganization"]["__typename"] == "Receipt"
                service: Service = container.operations.repository.get(RENAMED)
                service.rename(LocalizedText("Zanzibar", "Zanzibar"), reason=None,
                               actor="edith", at=clock.now())  # fmt: skip
                container.operations.save(service)
                gone = (await http.post("/graphql", json={"query": FIND})).json()["data"]
                assert gone["searchServices"] == {"code": "SEARCH_UNAVAILABLE"}
                await asyncio.sleep(1.0)
                assert search.position() < container.head(), "the projection cannot have applied"
                proxy.restore()
                await _until(lambda: search.position() >= container.head())
                back = (await http.post("/graphql", json={"query": FIND})).json()["data"]
                assert back["searchServices"] == {"totalCount": 1}
        finally:
            await container.search.close()
            client = OpenSearch(hosts=[OPENSEARCH_URL])
            names = IndexNames.for_schema(container.database.schema)
            client.indices.delete(index=f"{names.alias}-v*")
            client.indices.delete_index_template(name=names.template)
            client.close()


async def _until(reached: Callable[[], bool], seconds: float = 60.0) -> None:
    for _ in range(int(seconds * 10)):
        if await asyncio.to_thread(reached):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not reached within {seconds:.0f} s")
