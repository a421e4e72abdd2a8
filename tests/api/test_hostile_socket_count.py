"""One address holds at most `GUICHET_SOCKETS_PER_ADDRESS` open WebSockets; one more is
closed with 4429, and a socket closed frees its place."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from infra.bootstrap import Container

PROTOCOL = ["graphql-transport-ws"]


def test_an_address_holds_a_bounded_number_of_sockets(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_SOCKETS_PER_ADDRESS": "3"})
    with TestClient(create_app(container, run_projections=False)) as client:
        with ExitStack() as open_sockets:
            for _ in range(3):
                ws = open_sockets.enter_context(
                    client.websocket_connect("/graphql", subprotocols=PROTOCOL)
                )
                ws.send_json({"type": "connection_init", "payload": {}})
                assert ws.receive_json()["type"] == "connection_ack"
            with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as extra:
                extra.send_json({"type": "connection_init", "payload": {}})
                with pytest.raises(WebSocketDisconnect) as closed:
                    extra.receive_json()
                assert closed.value.code == 4429
        # All closed: a new one is served.
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
