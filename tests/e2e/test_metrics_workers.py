"""`guichet serve --workers 2`: whichever process answers a scrape, it counts the requests of
both."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.test_command import GUICHET, clean_env, stop, wait_healthy
from tests.support.ports import free_port

REQUESTS = 24


def counted(port: int) -> float:
    # A new connection each time: the kernel spreads them over the processes (SO_REUSEPORT).
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        # The public's own operation names are all `other`: every request counted is a Ping.
        if sample.name == "guichet_graphql_request_duration_seconds_count"
    )


def test_a_scrape_of_any_worker_counts_the_requests_of_all(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [GUICHET, "serve", "--workers", "2", "--no-projections"],
        env=clean_env(
            GUICHET_DATA_DIR=str(tmp_path / "data"), GUICHET_PORT=str(port),
            GUICHET_METRICS="public", GUICHET_RATE_LIMIT="0",
        ),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_healthy(port, process)
        for _ in range(REQUESTS):
            response = httpx.post(
                f"http://127.0.0.1:{port}/graphql", json={"query": "query Ping { __typename }"}
            )
            assert response.status_code == 200
        scrapes = [counted(port) for _ in range(8)]
    finally:
        output = stop(process)
    assert scrapes == [REQUESTS] * 8, output
