"""Failed authentications from an address never lock out a valid token from it: only requests
with invalid tokens are refused (429) once the address is past the limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from infra.bootstrap import Container

PROTOCOL = ["graphql-transport-ws"]
QUERY = {"query": "{ viewer { role } }"}
BAD = {"Authorization": "Bearer guess"}
GOOD = {"Authorization": "Bearer admin-token"}


def test_a_valid_token_is_served_after_the_address_failed_too_often(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_AUTH_FAILURES": "3"})
    with TestClient(create_app(container, run_projections=False)) as client:
        codes = [client.post("/graphql", json=QUERY, headers=BAD).status_code for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        served = client.post("/graphql", json=QUERY, headers=GOOD)
        assert served.status_code == 200, served.text
        assert served.json()["data"]["viewer"]["role"] == "admin"
        refused = client.post("/graphql", json=QUERY, headers=BAD)
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["extensions"]["limit"] == "authFailures"
        # Over WebSocket too: on the upgrade request and at connection_init.
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL, headers=GOOD) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
            ws.send_json(
                {"type": "connection_init", "payload": {"authorization": "Bearer admin-token"}}
            )
            assert ws.receive_json()["type"] == "connection_ack"
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL, headers=BAD) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4429
