"""A WebSocket signed in with a token of the log holds to it while open: revoked, rotated or
expired, the token no longer keeps the socket's rights. Its subscriptions end and it is closed
with 4403 within about the second the token follower promises; a static token stays valid."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from api.app import create_app
from domain.handlers.tokens import IssueToken, RevokeToken, Role, RotateToken
from infra.bootstrap import Container, tokens_for
from infra.database import Database
from infra.settings import Settings
from infra.tokens import digest
from tests.api.test_hostile_socket import FIGURES
from tests.api.test_metrics import scrape, value
from tests.support.fuzzing import serving

PROTOCOL = "graphql-transport-ws"
# The follower reads the log every second; the socket is told at once after that read.
PROMISED = 1.0
SLACK = 1.5  # a machine under load


def issue(container: Container, name: str, token: str, expires_at: datetime | None = None) -> None:
    container.token_handler.issue(
        IssueToken(name, Role.ANALYST, digest(token), expires_at),
        actor="ops", at=datetime.now(UTC),
    )  # fmt: skip
    container.token_log.refresh()


@contextmanager
def signed_in(port: int, token: str | None) -> Iterator[ClientConnection]:
    with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        payload = {"authorization": f"Bearer {token}"} if token else {}
        ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"
        yield ws


def subscribed(ws: ClientConnection, id: str = "1") -> dict[str, Any]:
    ws.send(json.dumps({"id": id, "type": "subscribe", "payload": {"query": FIGURES}}))
    message: dict[str, Any] = json.loads(ws.recv(timeout=5))
    return message


def closed_within(ws: ClientConnection, seconds: float) -> int | None:
    """The code the server closed the socket with, waiting at most `seconds`."""
    deadline = time.monotonic() + seconds
    try:
        while True:
            ws.recv(timeout=max(0.0, deadline - time.monotonic()))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None


@pytest.fixture
def served(container: Container) -> Iterator[int]:
    with serving(container) as port:
        yield port


def test_a_revoked_token_closes_its_socket_and_a_static_one_stays(
    container: Container, served: int
) -> None:
    issue(container, "ana", "ana-token")
    with signed_in(served, "ana-token") as revoked, signed_in(served, "analyst-token") as static:
        assert subscribed(revoked)["type"] == "next"
        assert subscribed(static)["type"] == "next"
        container.token_handler.revoke(RevokeToken("ana"), actor="ops", at=datetime.now(UTC))
        started = time.monotonic()
        assert closed_within(revoked, PROMISED + SLACK) == 4403
        assert time.monotonic() - started <= PROMISED + SLACK
        # The token from the settings is read once, at start: nothing in the log touches it.
        assert closed_within(static, 0.5) is None
        assert subscribed(static, "2")["type"] == "next"
        # The revoked socket's subscription ended: the static socket's two run.
        with httpx.Client(base_url=f"http://127.0.0.1:{served}") as client:
            assert value(scrape(client), "guichet_subscriptions_open") == 2


def test_a_rotated_token_no_longer_holds_its_socket(container: Container, served: int) -> None:
    issue(container, "ana", "ana-token")
    with signed_in(served, "ana-token") as ws:
        assert subscribed(ws)["type"] == "next"
        container.token_handler.rotate(
            RotateToken("ana", digest("new-token")), actor="ops", at=datetime.now(UTC)
        )
        assert closed_within(ws, PROMISED + SLACK) == 4403


def test_an_expired_token_closes_its_socket_at_its_expiry(
    container: Container, served: int
) -> None:
    expires_at = datetime.now(UTC) + timedelta(seconds=2)
    issue(container, "ana", "ana-token", expires_at)
    with signed_in(served, "ana-token") as ws:
        assert subscribed(ws)["type"] == "next"
        assert closed_within(ws, 0.5) is None  # still live
        assert closed_within(ws, 3) == 4403
        assert datetime.now(UTC) >= expires_at
        assert datetime.now(UTC) - expires_at < timedelta(seconds=SLACK)


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clocked(environ: dict[str, str]) -> Iterator[tuple[Container, Clock]]:
    """A container whose time the test moves: an expiry it passes is not waited for."""
    settings = Settings.from_environ(environ)
    assert settings.database_url is not None
    clock = Clock()
    database = Database.from_url(settings.database_url, settings.database_schema)
    container = Container(settings, database, tokens_for(settings), clock=clock)
    try:
        yield container, clock
    finally:
        container.close()
        with psycopg.connect(database.conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(database.schema)))  # fmt: skip


def test_a_subscribe_after_the_expiry_is_refused(clocked: tuple[Container, Clock]) -> None:
    container, clock = clocked
    issue(container, "ana", "ana-token", clock.at + timedelta(hours=1))
    with (
        TestClient(create_app(container, run_projections=False)) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer ana-token"}})
        assert ws.receive_json()["type"] == "connection_ack"
        clock.at += timedelta(hours=2)  # the socket's timer still waits an hour
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": FIGURES}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403


def test_a_change_of_the_tokens_leaves_an_anonymous_socket_open(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container(environ)
    with serving(container) as port, signed_in(port, None) as ws:
        issue(container, "ana", "ana-token")  # a change of the log's tokens
        assert closed_within(ws, 1.5) is None
        assert subscribed(ws)["type"] == "next"
