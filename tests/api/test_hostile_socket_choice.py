"""A WebSocket `subscribe` runs the one subscription its document selects, and nothing else:
a document with several operations and no `operationName`, an `operationName` that names
none, or one that names a query or a mutation is refused with a message, never run."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Container

PROTOCOL = ["graphql-transport-ws"]
FIGURES = """subscription S { statisticsChanged(from: "2018-04-01", to: "2018-04-30") {
  __typename } }"""
MUTATION = (
    'mutation M { registerOrganization(input: {name: {fr: "Par le socket"}}) { __typename } }'
)


def subscribe(ws: Any, id: str, query: str, operation: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"query": query}
    if operation is not None:
        payload["operationName"] = operation
    ws.send_json({"id": id, "type": "subscribe", "payload": payload})
    answer: dict[str, Any] = ws.receive_json()
    return answer


@pytest.mark.parametrize(
    ("query", "operation"),
    [
        (MUTATION + FIGURES, None),  # several operations, none named
        (FIGURES + MUTATION, None),
        ("query Q { viewer { role } }" + FIGURES, None),
        (MUTATION + FIGURES, "Nowhere"),  # a name that matches no operation
        (MUTATION + FIGURES, "M"),  # a name that selects a mutation
    ],
)
def test_only_the_selected_subscription_may_run(
    container: Container, query: str, operation: str | None
) -> None:
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        ws.send_json(
            {"type": "connection_init", "payload": {"authorization": "Bearer editor-token"}}
        )
        assert ws.receive_json()["type"] == "connection_ack"
        answer = subscribe(ws, "1", query, operation)
        assert answer["type"] == "error", answer
        [error] = answer["payload"]
        assert error["extensions"]["code"] == "SUBSCRIPTIONS_ONLY", error
        assert "Unexpected" not in error["message"]
        assert "operation" in error["message"]
    # Nothing was written: the mutation never ran.
    assert container.operations.recorder.max_notification_id() in (None, 0)


def test_the_subscription_a_document_names_runs_alone(container: Container) -> None:
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        ws.send_json(
            {"type": "connection_init", "payload": {"authorization": "Bearer analyst-token"}}
        )
        assert ws.receive_json()["type"] == "connection_ack"
        answer = subscribe(ws, "1", MUTATION + FIGURES, "S")
        assert answer["type"] == "next", answer
        assert answer["payload"]["data"]["statisticsChanged"]["__typename"]
    assert container.operations.recorder.max_notification_id() in (None, 0)
