"""The access log of a real `guichet serve` keeps which path answered, never the query string
(HTTP and WebSocket lines alike): a 211's searches and GraphQL GET variables stay out of the
logs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.e2e.test_command import serve, stop, wait_healthy
from tests.support.ports import free_port

SECRET = "refuge-violence-conjugale"


def test_the_access_log_says_which_path_answered_but_not_what_was_asked(tmp_path: Path) -> None:
    port = free_port()
    process = serve(tmp_path / "data", port)
    try:
        wait_healthy(port, process)
        origin = f"http://127.0.0.1:{port}"
        page = httpx.get(f"{origin}/app/search", params={"q": SECRET, "pres": "45.5231,-73.5812"})
        read = httpx.get(
            f"{origin}/graphql",
            params={"query": f'{{ searchServices(text: "{SECRET}") {{ __typename }} }}'},
            headers={"Accept": "application/json"},
        )
        with connect(
            f"ws://127.0.0.1:{port}/graphql?{SECRET}=1",
            subprotocols=[Subprotocol("graphql-transport-ws")],
        ) as socket:
            socket.close()
    finally:
        output = stop(process)

    assert page.status_code == 200
    assert read.status_code == 200, read.text
    assert "searchServices" in json.dumps(read.json())
    assert '"GET /app/search?… HTTP/1.1" 200' in output, output
    assert '"GET /graphql?… HTTP/1.1" 200' in output, output
    assert '"WebSocket /graphql?…"' in output, output
    assert SECRET not in output, output
    assert "45.52" not in output, output
