"""The WebSocket under the rules of HTTP: subscriptions only, the persisted-only rule, the
caller's rate, a bounded number of operations per socket, and tokens checked (and their
failures counted) on the upgrade request as on `connection_init`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from infra.bootstrap import Container

PROTOCOL = ["graphql-transport-ws"]
FIGURES = """subscription { statisticsChanged(from: "2018-04-01", to: "2018-04-30") {
  __typename } }"""


def connect(ws: Any, token: str | None = None) -> None:
    payload = {"authorization": f"Bearer {token}"} if token else {}
    ws.send_json({"type": "connection_init", "payload": payload})
    assert ws.receive_json()["type"] == "connection_ack"


def send(ws: Any, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
    ws.send_json({"id": id, "type": "subscribe",
                  "payload": {"query": query, "variables": variables or {}}})  # fmt: skip


def error_of(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "error", message
    [error] = message["payload"]
    extensions: dict[str, Any] = error.get("extensions") or {}
    return extensions


def test_public_free_form_documents_are_refused_in_persisted_only_production(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_MODE": "production",
                                "GUICHET_PUBLIC_PERSISTED_ONLY": "true"})  # fmt: skip
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws)
        send(ws, "1", "{ viewer { role } }")
        assert error_of(ws.receive_json())["code"] == "PERSISTED_QUERY_REQUIRED"
        send(ws, "2", FIGURES)
        assert error_of(ws.receive_json())["code"] == "PERSISTED_QUERY_REQUIRED"


def test_a_registered_subscription_runs_by_its_hash_in_persisted_only_production(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_MODE": "production",
                                "GUICHET_PUBLIC_PERSISTED_ONLY": "true"})  # fmt: skip
    sha256 = container.persisted.add(FIGURES, "ops", datetime.now(UTC))
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws)
        ws.send_json({"id": "1", "type": "subscribe", "payload": {
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}}}})  # fmt: skip
        answer = ws.receive_json()
        assert answer["type"] == "next", answer
        # The resolver ran: with no contacts logged, the public is told there are too few.
        assert answer["payload"]["data"]["statisticsChanged"]["__typename"] == "InvalidInputError"


def test_queries_and_mutations_go_over_http_only(container: Container) -> None:
    mutation = (
        'mutation { registerOrganization(input: {name: {fr: "Par le socket"}}) { __typename } }'
    )
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws, "editor-token")
        for number in range(20):
            send(ws, f"q{number}", "{ viewer { role } }")
            assert error_of(ws.receive_json())["code"] == "SUBSCRIPTIONS_ONLY"
        send(ws, "m", mutation)
        assert error_of(ws.receive_json())["code"] == "SUBSCRIPTIONS_ONLY"
    assert container.operations.recorder.max_notification_id() in (None, 0)


def test_each_subscribe_takes_from_the_callers_rate(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_RATE_LIMIT": "2"})
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws)
        codes = []
        for number in range(8):
            send(ws, str(number), "subscription { nothingHere }")
            codes.append(error_of(ws.receive_json()).get("limit"))
    # Two seconds' worth at once, the upgrade request included; these are refused by validation.
    assert codes[:3] == [None] * 3
    assert "rate" in codes[3:]


def test_a_socket_runs_a_bounded_number_of_operations(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_SOCKET_OPERATIONS": "2"})
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws, "analyst-token")
        send(ws, "1", FIGURES)
        send(ws, "2", FIGURES)
        answers = [ws.receive_json(), ws.receive_json()]
        assert [a["type"] for a in answers] == ["next", "next"], answers
        send(ws, "3", FIGURES)
        refused = error_of(ws.receive_json())
        assert (refused["limit"], refused["maximum"]) == ("socketOperations", 2)


def test_opening_sockets_takes_from_the_callers_rate(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_RATE_LIMIT": "1"})
    with TestClient(create_app(container, run_projections=False)) as client:
        for _ in range(2):
            with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
                connect(ws)
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4429


def test_the_cost_limit_holds_over_the_socket(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_MAX_COST": "100"})
    costly = FIGURES.replace("__typename", "... on Statistics { byMonth { key count } }")
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws)
        send(ws, "1", costly)
        assert error_of(ws.receive_json())["limit"] == "cost"


def test_document_limits_hold_over_the_socket(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_MAX_ALIASES": "2"})
    aliased = FIGURES.replace("statisticsChanged", "a: statisticsChanged").replace(
        "__typename", "a: __typename b: __typename c: __typename"
    )
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws)
        send(ws, "1", aliased)
        assert error_of(ws.receive_json())["limit"] == "aliases"


def test_a_bad_token_on_the_upgrade_request_closes_the_socket(container: Container) -> None:
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect(
            "/graphql", subprotocols=PROTOCOL, headers={"Authorization": "Bearer nope"}
        ) as ws,
    ):
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403


def test_a_good_token_on_the_upgrade_request_signs_the_socket_in(container: Container) -> None:
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect(
            "/graphql", subprotocols=PROTOCOL, headers={"Authorization": "Bearer analyst-token"}
        ) as ws,
    ):
        connect(ws)
        send(ws, "1", FIGURES.replace("__typename", "... on Statistics { exact }"))
        answer = ws.receive_json()
        assert answer["payload"]["data"]["statisticsChanged"] == {"exact": True}


def test_failed_authentications_are_limited_per_address_over_http_and_socket(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_AUTH_FAILURES": "3"})
    query = {"query": "{ viewer { role } }"}
    with TestClient(create_app(container, run_projections=False)) as client:
        bad = {"Authorization": "Bearer guess"}
        codes = [client.post("/graphql", json=query, headers=bad).status_code for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        refused = client.post("/graphql", json=query, headers=bad)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        [error] = refused.json()["errors"]
        assert (error["extensions"]["limit"], error["extensions"]["maximum"]) == ("authFailures", 3)
        assert client.post("/graphql", json=query).status_code == 200  # anonymous still served
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL, headers=bad) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4429
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
            ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer x"}})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4403


def test_failures_at_connection_init_count_too(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_AUTH_FAILURES": "2"})
    with TestClient(create_app(container, run_projections=False)) as client:
        for _ in range(2):
            with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
                ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer x"}})
                with pytest.raises(WebSocketDisconnect):
                    ws.receive_json()
        response = client.post(
            "/graphql", json={"query": "{ viewer { role } }"},
            headers={"Authorization": "Bearer guess"},
        )  # fmt: skip
        assert response.status_code == 429


@pytest.mark.parametrize(
    "payload",
    [
        "{ viewer { role } }",
        {"query": FIGURES, "extensions": ["persistedQuery"]},
        {"query": FIGURES, "variables": "x"},
        {"query": 42},
    ],
)
def test_a_malformed_subscribe_closes_the_socket_cleanly(
    container: Container, payload: object
) -> None:
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        connect(ws)
        ws.send_json({"id": "1", "type": "subscribe", "payload": payload})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4400
