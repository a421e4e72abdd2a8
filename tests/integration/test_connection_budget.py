"""The warning a process logs when its connections would bring the server near its limit."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from infra import budget
from infra.database import Database
from tests.support.ports import free_port

GUICHET = str(Path(sys.executable).with_name("guichet"))


def max_connections(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT current_setting('max_connections')::int").fetchone()
    assert row is not None
    return int(row[0])


def test_a_budget_past_max_connections_is_one_warning_naming_the_settings(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database.from_url(database_url, "guichet")
    most = max_connections(database_url)

    with caplog.at_level(logging.WARNING, logger="infra.budget"):
        budget.warn_if_near(database, most)

    [record] = caplog.records
    assert f"max_connections ({most}" in record.message
    assert "GUICHET_POOL_SIZE" in record.message
    assert "\n" not in record.message


def test_a_budget_well_within_max_connections_says_nothing(database_url: str) -> None:
    database = Database.from_url(database_url, "guichet")

    assert budget.warning(database, 5) is None
    assert budget.warning(database, int(max_connections(database_url) * 0.95)) is not None


def run_until(
    database_url: str, tmp_path: Path, command: list[str], ready: Callable[[str], bool],
    **settings: str,
) -> str:  # fmt: skip
    """Runs `guichet COMMAND` on a schema of its own until its log is `ready`, stops it, drops
    the schema, and returns the log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    schema = f"b_{uuid.uuid4().hex[:12]}"
    env.update(
        GUICHET_DATABASE_URL=database_url, GUICHET_DATABASE_SCHEMA=schema,
        GUICHET_DATA_DIR=str(tmp_path / "data"), **settings,
    )  # fmt: skip
    log = tmp_path / "process.log"
    with log.open("wb") as out:
        process = subprocess.Popen([GUICHET, *command], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 90
        while not ready(log.read_text()):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(30)
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    return log.read_text()


def test_a_worker_whose_budget_passes_the_limit_says_so_once_and_runs(
    database_url: str, tmp_path: Path
) -> None:
    output = run_until(
        database_url, tmp_path, ["project", "directory"],
        lambda log: "running projections" in log,
        GUICHET_WORKER_POOL_SIZE="50",  # 2 x 50 + 1 of the server's 100
    )  # fmt: skip

    warnings = [line for line in output.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, warnings
    assert "may open 101" in warnings[0]
    assert "GUICHET_WORKER_POOL_SIZE" in warnings[0]


def test_serve_with_workers_counts_every_worker_in_its_warning(
    database_url: str, tmp_path: Path
) -> None:
    command = ["serve", "--no-projections", "--workers", "3", "--port", str(free_port())]
    output = run_until(
        database_url, tmp_path, command,
        lambda log: log.count("Application startup complete") >= 3,
        GUICHET_POOL_SIZE="8",
        GUICHET_POOL_OVERFLOW="8",  # 2 x 16 a worker, 96 for three: past 90 % of 97
        GUICHET_TOKENS="ops:admin:" + uuid.uuid4().hex,
    )  # fmt: skip

    warnings = [line for line in output.splitlines() if "max_connections" in line]
    assert len(warnings) == 1, warnings
    assert "may open 96" in warnings[0]
