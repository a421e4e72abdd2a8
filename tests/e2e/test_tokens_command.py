"""`guichet tokens` as an operator runs it against a running `guichet serve`: a change is honoured
within seconds, without a restart, by a server that runs no projections."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import psycopg.sql
import pytest

from tests.support.ports import free_port

GUICHET = str(Path(sys.executable).with_name("guichet"))
# How soon the issue asks a running server to honour a change.
HONOURED_WITHIN = 5.0


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    return {**env, "GUICHET_DATA_DIR": str(data_dir), **extra}


def guichet(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GUICHET, *args], env=environment(data_dir, **extra), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "guichet-data"


@pytest.fixture
def server(data_dir: Path) -> Iterator[str]:
    """A running `guichet serve` without projections, on the embedded default; its URL."""
    yield from serving(data_dir, data_dir.parent / "serve.log")


def serving(data_dir: Path, output: Path, **extra: str) -> Generator[str]:
    port = free_port()
    process = subprocess.Popen(
        [GUICHET, "serve", "--no-projections"],
        # Every refused attempt while waiting counts as a failed authentication.
        env=environment(data_dir, GUICHET_PORT=str(port), GUICHET_AUTH_FAILURES="0", **extra),
        stdout=output.open("w"), stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "guichet serve stopped"
            assert time.monotonic() < deadline, "guichet serve did not answer"
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def status(url: str, token: str) -> int:
    response = httpx.post(
        url, json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


def within(seconds: float, condition: Callable[[], bool]) -> float:
    """How long `condition` took to hold; fails past `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - started


def add(data_dir: Path, tmp_path: Path, name: str, *options: str, **extra: str) -> str:
    path = tmp_path / f"{name}-{time.monotonic_ns()}.token"
    done = guichet(data_dir, "tokens", "add", name, *options, "--output", str(path), **extra)
    assert done.returncode == 0, done.stderr
    assert path.stat().st_mode & 0o777 == 0o600
    token = path.read_text().strip()
    assert token not in done.stdout + done.stderr
    return token


def test_a_token_added_then_revoked_is_honoured_within_seconds(
    server: str, data_dir: Path, tmp_path: Path
) -> None:
    token = add(data_dir, tmp_path, "alice", "--role", "editor")
    took = within(HONOURED_WITHIN, lambda: status(server, token) == 200)
    print(f"added: accepted after {took:.2f} s")

    revoked = guichet(data_dir, "tokens", "revoke", "alice", "--reason", "left", "--by", "ops")
    assert revoked.returncode == 0, revoked.stderr
    took = within(HONOURED_WITHIN, lambda: status(server, token) == 401)
    print(f"revoked: refused after {took:.2f} s")

    listed = guichet(data_dir, "tokens", "list")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if line.startswith("alice ")]
    assert "editor" in row
    assert "revoked" in row
    assert " by ops" in row
    assert token not in listed.stdout


def test_a_rotated_token_replaces_the_old_one_and_an_expired_one_stops(
    server: str, data_dir: Path, tmp_path: Path
) -> None:
    old = add(data_dir, tmp_path, "bob", "--role", "analyst", "--days", "30")
    within(HONOURED_WITHIN, lambda: status(server, old) == 200)
    path = tmp_path / "bob-new.token"
    rotated = guichet(data_dir, "tokens", "rotate", "bob", "--output", str(path))
    assert rotated.returncode == 0, rotated.stderr
    new = path.read_text().strip()
    within(HONOURED_WITHIN, lambda: status(server, new) == 200 and status(server, old) == 401)

    ends = datetime.now(UTC) + timedelta(seconds=8)
    brief = add(data_dir, tmp_path, "carol", "--role", "editor", "--expires", ends.isoformat())
    within(HONOURED_WITHIN, lambda: status(server, brief) == 200)
    time.sleep(max((ends - datetime.now(UTC)).total_seconds(), 0))
    assert within(1.0, lambda: status(server, brief) == 401) < 1.0


def test_an_external_database_with_no_token_says_how_to_make_one(
    database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    """`tokens add` against the same database, from another process, is the way in."""
    database = {
        "GUICHET_DATABASE_URL": database_url,
        "GUICHET_DATABASE_SCHEMA": f"t_{uuid.uuid4().hex[:12]}",
        "GUICHET_POOL_SIZE": "4",
    }
    log = tmp_path / "serve.log"
    running = serving(data_dir, log, **database)
    url = next(running)
    try:
        warning = [line for line in log.read_text().splitlines() if "no token can sign in" in line]
        assert len(warning) == 1, log.read_text()
        assert "guichet tokens add admin --role admin" in warning[0]
        assert "GUICHET_BOOTSTRAP_ADMIN" in warning[0]
        token = add(data_dir, tmp_path, "admin", "--role", "admin", **database)
        within(HONOURED_WITHIN, lambda: status(url, token) == 200)
    finally:
        running.close()
        with psycopg.connect(database_url, autocommit=True) as conn:
            schema = psycopg.sql.Identifier(database["GUICHET_DATABASE_SCHEMA"])
            conn.execute(psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(schema))


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["bob\x07", "--role", "editor"], "name: contains a control character"),
        (["\u202eadmin", "--role", "editor"], "name: contains a bidirectional"),
        (["b" * 201, "--role", "editor"], "name: is longer than 200"),
        (["bob", "--role", "king"], "role: 'king' is not a role"),
        (["bob", "--role", "editor", "--expires", "2020-01-01"], "expires: 2020-01-01 is past"),
        (["bob", "--role", "editor", "--expires", "soon"], "expires: 'soon' is not a date"),
        (["bob", "--role", "editor", "--expires", "9999-12-31"], "expires: 9999-12-31 is too far"),
    ],
)
def test_hostile_input_is_one_line_exit_2_and_nothing_written(
    data_dir: Path, tmp_path: Path, args: list[str], field: str
) -> None:
    output = tmp_path / "token"
    done = guichet(data_dir, "tokens", "add", *args, "--output", str(output))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"guichet: {field}")
    assert not output.exists()
    assert not data_dir.exists()  # refused before any database was started


def test_a_token_is_not_printed_into_a_pipe_unless_asked(data_dir: Path, tmp_path: Path) -> None:
    done = guichet(data_dir, "tokens", "add", "dave", "--role", "editor")
    assert done.returncode == 2
    assert "--output FILE" in done.stderr
    taken = tmp_path / "taken"
    taken.write_text("keep me\n")
    done = guichet(data_dir, "tokens", "add", "dave", "--role", "editor", "--output", str(taken))
    assert done.returncode == 2
    assert taken.read_text() == "keep me\n"
    assert not data_dir.exists()


def test_a_token_asked_into_a_pipe_is_the_only_thing_on_standard_output(data_dir: Path) -> None:
    done = guichet(data_dir, "tokens", "add", "piped", "--role", "analyst", "--output", "-")
    assert done.returncode == 0, done.stderr
    [token] = done.stdout.splitlines()
    assert len(token) == 43
    assert " " not in token
    assert "Token for piped (analyst), shown only now:" in done.stderr


def test_a_static_token_name_is_neither_issued_again_nor_revoked_by_command(
    data_dir: Path, tmp_path: Path
) -> None:
    static = {"GUICHET_TOKENS": "ops:admin:" + "o" * 43}
    output = tmp_path / "token"
    added = guichet(
        data_dir, "tokens", "add", "ops", "--role", "editor", "--output", str(output), **static
    )
    assert added.returncode == 2
    assert "guichet: name: ops is the name of a static token" in added.stderr
    assert not output.exists()
    revoked = guichet(data_dir, "tokens", "revoke", "ops", **static)
    assert revoked.returncode == 2
    assert "ops is a static token" in revoked.stderr
