"""`statisticsChanged` over graphql-transport-ws: authenticated at connection time, sent again as
contacts are logged."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from infra.bootstrap import Container
from tests.api.test_interactions import CONTACTS, RECORD, ready

SUBSCRIBE = """
subscription ($from: Date!, $to: Date!) {
  statisticsChanged(from: $from, to: $to) {
    __typename
    ... on Statistics { exact position contacts { value suppressed } }
    ... on Error { code message }
  }
}
"""
PROTOCOL = ["graphql-transport-ws"]


def subscribe(ws: Any, token: str | None) -> None:
    payload = {"authorization": f"Bearer {token}"} if token else {}
    ws.send_json({"type": "connection_init", "payload": payload})
    assert ws.receive_json()["type"] == "connection_ack"
    variables = {"from": "2018-04-01", "to": "2018-07-30"}
    ws.send_json({"id": "1", "type": "subscribe",
                  "payload": {"query": SUBSCRIBE, "variables": variables}})  # fmt: skip


def next_figures(ws: Any) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    result: dict[str, Any] = message["payload"]["data"]["statisticsChanged"]
    return result


def log(client: TestClient, index: int) -> None:
    response = client.post(
        "/graphql", json={"query": RECORD, "variables": {"input": CONTACTS[index].input()}},
        headers={"Authorization": "Bearer counsellor-token"},
    )  # fmt: skip
    assert response.json()["data"]["recordInteraction"]["__typename"] == "InteractionReceipt"


def test_a_dashboard_is_sent_new_figures_as_contacts_are_logged(container: Container) -> None:
    ready(container)
    with (
        TestClient(create_app(container)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        subscribe(ws, "analyst-token")
        first = next_figures(ws)
        assert first["exact"] is True
        assert first["contacts"]["value"] == 0
        log(client, 0)
        second = next_figures(ws)
        assert second["contacts"]["value"] == 1
        assert second["position"] > first["position"]
        log(client, 1)
        assert next_figures(ws)["contacts"]["value"] == 2
        ws.send_json({"id": "1", "type": "complete"})


def test_the_public_is_refused_figures_of_too_few_contacts(container: Container) -> None:
    ready(container)
    with (
        TestClient(create_app(container)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        subscribe(ws, None)
        refused = next_figures(ws)
        assert refused["__typename"] == "InvalidInputError", refused
        assert "at least 10 contacts" in refused["message"]
        log(client, 0)
        ws.send_json({"id": "1", "type": "complete"})


def test_a_bad_token_is_refused_at_connection(container: Container) -> None:
    with (
        TestClient(create_app(container)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403


def test_the_legacy_protocol_is_not_offered(container: Container) -> None:
    with (
        TestClient(create_app(container)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws,
    ):
        ws.send_json({"type": "start", "id": "1", "payload": {"query": SUBSCRIBE}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4406  # subprotocol not acceptable
