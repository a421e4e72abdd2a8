"""A compose stack's first start: the API and one worker per projection, started at once on an
empty database with the compose file's settings, all come up, cleanly, within the connection
budget of a PostgreSQL with its default `max_connections` (100)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
import yaml
from psycopg import sql

from infra.bootstrap import PROJECTIONS
from tests.support.ports import free_port
from tests.support.tokens import TOKENS_SETTING

GUICHET = str(Path(sys.executable).with_name("guichet"))
COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"
BUDGET = 80
# Where the stack runs in compose, and what the test gives instead.
REPLACED = ("GUICHET_DATABASE_URL", "GUICHET_OPENSEARCH_URL", "GUICHET_TOKENS")
REGISTER = (
    "mutation M($name: String!) { registerOrganization(input: {name: {fr: $name}}) { __typename } }"
)
FAILED = re.compile(r"Traceback|\bERROR\b|CRITICAL")


def compose_settings() -> dict[str, str]:
    """The settings every Guichet service of the compose file shares, as the test can use
    them: interpolated values (`${VAR:-default}`) take their default."""
    document = yaml.safe_load(COMPOSE.read_text())
    settings: dict[str, str] = {}
    for name, value in document["x-guichet"]["environment"].items():
        if name in REPLACED:
            continue
        text = str(value)
        found = re.fullmatch(r"\$\{\w+:-(.*)\}", text)
        settings[name] = found.group(1) if found else text
    return settings


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    name = f"first_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    with psycopg.connect(database_url, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))


def connections(url: str) -> dict[str, int]:
    """Connections to the database, by application name, seen by another connection."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT application_name, count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " GROUP BY application_name"
        ).fetchall()
    return {str(name): int(count) for name, count in rows}


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([GUICHET, *command], env=env, stdout=out, stderr=out)


def wait_until_up(
    processes: dict[str, subprocess.Popen[bytes]], logs: dict[str, Path], port: int
) -> None:
    deadline = time.monotonic() + 240
    waiting = set(processes)
    while waiting and time.monotonic() < deadline:
        for name in sorted(waiting):
            process = processes[name]
            assert process.poll() is None, f"{name} exited:\n{logs[name].read_text()}"
            if name == "api":
                try:
                    up = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code < 500
                except httpx.TransportError:
                    up = False
            else:
                up = "running projections" in logs[name].read_text()
            if up:
                waiting.discard(name)
        time.sleep(0.5)
    assert not waiting, f"not up in time: {sorted(waiting)}"


def write_some(port: int) -> None:
    """Records and reads from several clients at once, so the API's pools open connections."""
    url = f"http://127.0.0.1:{port}/graphql"
    headers = {"Authorization": "Bearer editor-token"}

    def one(number: int) -> None:
        variables = {"name": f"Organisme {number}"}
        for query in (REGISTER, "{ organizations(first: 5) { __typename } }"):
            body = {"query": query, "variables": variables if query == REGISTER else {}}
            response = httpx.post(url, json=body, headers=headers, timeout=30)
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.text

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(16)))


def test_the_stack_starts_together_on_an_empty_database(
    empty_database: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update(compose_settings())
    env.update(
        GUICHET_DATABASE_URL=empty_database,
        GUICHET_DATA_DIR=str(tmp_path / "data"),
        GUICHET_TOKENS=TOKENS_SETTING,
        GUICHET_LOG_LEVEL="INFO",
    )
    commands = {name: ["project", name] for name in PROJECTIONS}
    commands["api"] = ["serve", "--no-projections", "--port", str(port)]
    logs = {name: tmp_path / f"{name}.log" for name in commands}
    processes = {name: start(command, env, logs[name]) for name, command in commands.items()}
    try:
        wait_until_up(processes, logs, port)
        write_some(port)
        time.sleep(2)  # the workers apply what was written, on their pools
        counted = connections(empty_database)
        exited = {name: p.returncode for name, p in processes.items() if p.poll() is not None}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(30)
    assert not exited, exited
    for name, log in logs.items():
        text = log.read_text()
        assert not FAILED.search(text), f"{name}:\n{text}"
    total = sum(counted.values())
    assert total < BUDGET, counted
    assert counted.get("guichet-api", 0) > 0, counted  # each process says who it is
