"""`X-Forwarded-For` is read only from the proxies named in GUICHET_TRUSTED_PROXIES: a real
`guichet serve`, over real HTTP, with a forged address on every request."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from infra.bootstrap import Container
from tests.e2e.test_command import GUICHET, clean_env, stop, wait_healthy
from tests.support.ports import free_port

QUERY = {"query": "{ viewer { role } }"}


Serve = Callable[..., int]


@pytest.fixture
def served(environ: dict[str, str], container: Container) -> Iterator[Serve]:
    """Starts `guichet serve` on the test's schema with these settings; gives its port."""
    started: list[subprocess.Popen[str]] = []

    def run(**extra: str) -> int:
        port = free_port()
        process = subprocess.Popen(
            [GUICHET, "serve", "--no-projections"],
            env=clean_env(**environ, GUICHET_PORT=str(port), GUICHET_RATE_LIMIT="2", **extra),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        started.append(process)
        wait_healthy(port, process)
        time.sleep(1.0)  # /health took a token of this address's rate: let it refill
        return port

    yield run
    for process in started:
        stop(process)


def statuses(port: int, forwarded: list[str]) -> list[int]:
    url = f"http://127.0.0.1:{port}/graphql"
    with httpx.Client() as http:
        return [
            http.post(url, json=QUERY, headers={"X-Forwarded-For": address}).status_code
            for address in forwarded
        ]


def test_a_forged_address_per_request_does_not_escape_the_rate_limit(served: Serve) -> None:
    port = served()
    codes = statuses(port, [f"203.0.113.{n}" for n in range(30)])
    assert codes[:4] == [200] * 4
    assert codes.count(429) >= 20


def test_a_configured_proxy_is_believed_for_the_address_it_forwards(served: Serve) -> None:
    port = served(GUICHET_TRUSTED_PROXIES="127.0.0.1,::1")
    # Each client behind the proxy has its own bucket; a forged address the client put first
    # is not read: the right-most address that is not a trusted proxy is.
    assert statuses(port, [f"203.0.113.{n}" for n in range(10)]) == [200] * 10
    forged = [f"10.9.9.{n}, 198.51.100.7" for n in range(10)]
    assert statuses(port, forged).count(429) >= 5
