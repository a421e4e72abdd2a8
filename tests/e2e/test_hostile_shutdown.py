"""`guichet serve` stops within a bound on SIGTERM, even with a write stuck on the log's lock."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

import httpx
import psycopg
from psycopg import sql

from infra.bootstrap import Container
from infra.views.base import LOG_TABLE
from tests.api.test_hostile_writes import CONTACT, RECORD
from tests.e2e.test_command import GUICHET, clean_env, wait_healthy
from tests.support.ports import free_port


def test_sigterm_stops_serve_within_a_bound_while_a_write_is_stuck(
    container: Container, environ: dict[str, str]
) -> None:
    port = free_port()
    # Bounds far away, as if the write were stuck for good.
    stuck = {"GUICHET_LOCK_TIMEOUT": "3600", "GUICHET_WRITE_TIMEOUT": "3600"}
    process = subprocess.Popen(
        [GUICHET, "serve", "--no-projections"],
        env=clean_env(**environ, **stuck, GUICHET_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    table = sql.Identifier(container.database.schema, LOG_TABLE)
    try:
        wait_healthy(port, process)
        with (
            psycopg.connect(container.database.url, autocommit=True) as blocker,
            blocker.transaction(),
        ):
            blocker.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))
            request = threading.Thread(
                target=lambda: httpx.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": RECORD, "variables": {"input": CONTACT}},
                    headers={"Authorization": "Bearer counsellor-token"},
                    timeout=120,
                ),
                daemon=True,
            )
            request.start()
            time.sleep(1.0)  # the write is waiting for the lock
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                raise AssertionError("guichet serve did not stop within 60 s") from None
            stopped = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert stopped < 40, stopped
