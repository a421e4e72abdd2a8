"""`guichet serve --demo` as a user runs it: the first start logs the demo contacts of the last
twelve months (the needs portrait has figures at once), a second start logs nothing more."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from infra.demo_calls import RECENT_CONTACTS, recent_plan
from projections.interactions import MONTREAL
from tests.e2e.test_command import data_dir, printed_token, serve, stop, wait_healthy
from tests.support.ports import free_port

__all__ = ["data_dir"]  # the fixture
CONTACTS = """query ($from: Date!, $to: Date!) {
  statistics(from: $from, to: $to) { ... on Statistics { contacts { value suppressed } } }
}"""


def caught_up(port: int, token: str, timeout: float = 60) -> int:
    """The log's head, once every view has applied it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = httpx.get(
            f"http://127.0.0.1:{port}/health", headers={"Authorization": f"Bearer {token}"}
        ).json()
        if all(view["lag"] == 0 for view in health["projections"]):
            return int(health["head"])
        time.sleep(0.2)
    raise AssertionError("the views did not catch up")


def public_contacts(port: int) -> dict[str, Any]:
    plan = recent_plan(datetime.now(MONTREAL).date())
    variables = {"from": plan.start.isoformat(), "to": plan.end.isoformat()}
    body = httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": CONTACTS, "variables": variables}
    ).json()
    found: dict[str, Any] = body["data"]["statistics"]["contacts"]
    return found


def test_serve_demo_logs_recent_contacts_on_the_first_start_only(data_dir: Path) -> None:
    port = free_port()
    first = serve(data_dir, port, "--demo")
    try:
        token = printed_token(first)
        wait_healthy(port, first)
        head = caught_up(port, token)
        contacts = public_contacts(port)
    finally:
        first_output = stop(first)
    port = free_port()
    second = serve(data_dir, port, "--demo")
    try:
        wait_healthy(port, second)
        again = caught_up(port, token)
    finally:
        second_output = stop(second)

    assert contacts == {"value": RECENT_CONTACTS, "suppressed": False}
    assert f"demo contacts: {RECENT_CONTACTS} logged" in first_output, first_output
    assert again == head
    assert "demo contacts" not in second_output, second_output
