"""Every start-up error is one line on stderr naming what to fix, with a non-zero exit code
(2: the settings or arguments; 1: a database that cannot be reached) and no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tests.e2e.test_command import GUICHET, clean_env
from tests.support.ports import free_port

SECRET = "s3cret-never-printed"


def run(*args: str, **environ: str) -> tuple[int, list[str], float]:
    """The exit code and the lines on stderr of a `guichet` command, and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [GUICHET, *args], env=clean_env(**environ), capture_output=True, text=True, timeout=60
    )
    return done.returncode, done.stderr.splitlines(), time.monotonic() - started


def one_line(lines: list[str]) -> str:
    assert len(lines) == 1, "\n".join(lines)
    assert "Traceback" not in lines[0]
    assert lines[0].startswith("guichet: ")
    return lines[0]


def argparse_line(lines: list[str]) -> str:
    """argparse prints its usage, then the one line of the error."""
    assert not any("Traceback" in line for line in lines), "\n".join(lines)
    assert "error: argument" in lines[-1], "\n".join(lines)
    return lines[-1]


@pytest.fixture
def closed_port() -> int:
    return free_port()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers, as a database behind a dropped route."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def database_commands(tmp_path: Path) -> list[list[str]]:
    return [
        ["serve", "--port", str(free_port())],
        ["project", "directory"],
        ["projections", "status"],
        ["projections", "rebuild", "directory"],
        ["import", "hsds", str(tmp_path)],
        ["demo", "load"],
    ]


def test_a_closed_database_port_is_one_line_for_every_command(
    tmp_path: Path, closed_port: int
) -> None:
    url = f"postgresql://guichet:{SECRET}@127.0.0.1:{closed_port}/guichet"
    for command in database_commands(tmp_path):
        code, lines, _ = run(*command, GUICHET_DATABASE_URL=url, GUICHET_DATA_DIR=str(tmp_path))
        line = one_line(lines)
        assert code == 1, (command, line)
        assert f"cannot connect to the database at 127.0.0.1:{closed_port}/guichet" in line
        assert "(GUICHET_DATABASE_URL)" in line
        assert "Connection refused" in line
        assert SECRET not in line


def test_an_unknown_database_host_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://guichet:{SECRET}@no-such-host.invalid:5432/guichet"
    code, lines, _ = run("serve", GUICHET_DATABASE_URL=url, GUICHET_DATA_DIR=str(tmp_path))
    line = one_line(lines)
    assert code == 1
    assert "no-such-host.invalid:5432/guichet (GUICHET_DATABASE_URL)" in line
    assert "failed to resolve host" in line
    assert SECRET not in line


def test_a_database_that_never_answers_fails_within_seconds(
    tmp_path: Path, silent_server: int
) -> None:
    url = f"postgresql://guichet@127.0.0.1:{silent_server}/guichet"
    code, lines, took = run(
        "projections", "status", GUICHET_DATABASE_URL=url, GUICHET_DATA_DIR=str(tmp_path)
    )
    line = one_line(lines)
    assert code == 1
    assert f"127.0.0.1:{silent_server}/guichet" in line
    assert "timeout" in line
    assert took < 15, took


@pytest.fixture
def socket_database(database_url: str) -> Iterator[dict[str, str]]:
    """The test server's socket, with a role that must give its password."""
    params = conninfo_to_dict(database_url)
    role = "guichet_password_check"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal("the-right-one")
            )
        )
        row = conn.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba = Path(row[0])
        rules = hba.read_text()
        hba.write_text(f"local all {role} scram-sha-256\n" + rules)
        conn.execute("SELECT pg_reload_conf()")
        try:
            yield {"host": str(params["host"]), "port": str(params.get("port") or 5432),
                   "role": role, "dbname": str(params["dbname"])}  # fmt: skip
        finally:
            hba.write_text(rules)
            conn.execute("SELECT pg_reload_conf()")


def test_a_refused_password_is_one_line_without_it(
    tmp_path: Path, socket_database: dict[str, str]
) -> None:
    db = socket_database
    url = f"postgresql://{db['role']}:{SECRET}@/{db['dbname']}?host={db['host']}&port={db['port']}"
    code, lines, _ = run(
        "projections", "status", GUICHET_DATABASE_URL=url, GUICHET_DATA_DIR=str(tmp_path)
    )
    line = one_line(lines)
    assert code == 1
    assert f"{db['host']}:{db['port']}/{db['dbname']} (GUICHET_DATABASE_URL)" in line
    assert "password authentication failed" in line
    assert SECRET not in line


def test_a_missing_database_is_one_line(tmp_path: Path, database_url: str) -> None:
    params = conninfo_to_dict(database_url)
    url = f"postgresql://{params['user']}@/no_such_db?host={params['host']}"
    code, lines, _ = run("serve", GUICHET_DATABASE_URL=url, GUICHET_DATA_DIR=str(tmp_path))
    line = one_line(lines)
    assert code == 1
    assert "/no_such_db (GUICHET_DATABASE_URL): " in line
    assert 'database "no_such_db" does not exist' in line


@pytest.mark.parametrize("port", ["99999", "0", "-1", "eighty"])
def test_a_port_argument_out_of_range_names_the_flag_and_the_range(
    tmp_path: Path, port: str
) -> None:
    code, lines, _ = run("serve", f"--port={port}", GUICHET_DATA_DIR=str(tmp_path))
    line = argparse_line(lines)
    assert code == 2
    assert "argument --port" in line
    assert "1 to 65535" in line
    assert not (tmp_path / "postgres").exists()


def test_a_port_setting_out_of_range_names_the_variable_and_the_range(tmp_path: Path) -> None:
    code, lines, _ = run("serve", GUICHET_PORT="99999", GUICHET_DATA_DIR=str(tmp_path))
    line = one_line(lines)
    assert code == 2
    assert "GUICHET_PORT='99999'" in line
    assert "1 to 65535" in line


def test_no_workers_is_refused_not_taken_for_the_default(tmp_path: Path) -> None:
    code, lines, _ = run("serve", "--workers", "0", GUICHET_DATA_DIR=str(tmp_path))
    assert code == 2
    assert "argument --workers" in argparse_line(lines)


def test_a_port_in_use_names_the_port_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, lines, _ = run("serve", "--port", str(port), GUICHET_DATA_DIR=str(tmp_path))
    line = one_line(lines)
    assert code == 2
    assert f"127.0.0.1:{port}" in line
    assert "in use" in line
    assert "--port" in line
    assert "GUICHET_PORT" in line


@pytest.mark.parametrize(
    ("host", "reason"),
    [("203.0.113.9", "Cannot assign requested address"), ("no-such-host.invalid", "not known")],
)
def test_a_host_that_cannot_be_bound_names_the_host_setting(
    tmp_path: Path, host: str, reason: str
) -> None:
    code, lines, _ = run("serve", "--host", host, GUICHET_DATA_DIR=str(tmp_path))
    line = one_line(lines)
    assert code == 2
    assert f"cannot listen on {host}" in line
    assert reason in line
    assert "--host" in line
    assert "GUICHET_HOST" in line
    assert "GUICHET_PORT" not in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [("GUICHET_POOL_SIZE", "1"), ("GUICHET_DATABASE_URL", "mysql://x/y"),
     ("GUICHET_LOG_LEVEL", "LOUD")],
)  # fmt: skip
def test_a_bad_setting_names_it(tmp_path: Path, variable: str, value: str) -> None:
    code, lines, _ = run("project", "directory", GUICHET_DATA_DIR=str(tmp_path),
                         **{variable: value})  # fmt: skip
    assert code == 2
    line = one_line(lines)
    if variable == "GUICHET_DATABASE_URL":  # a URL is never repeated: it may hold a password
        assert f"{variable} is invalid (not shown" in line
        assert value not in line
    else:
        assert f"{variable}={value!r} is invalid" in line


def test_a_data_directory_that_cannot_be_made_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for data_dir in (blocker, blocker / "data"):
        code, lines, _ = run("projections", "status", GUICHET_DATA_DIR=str(data_dir))
        assert code == 2
        assert "GUICHET_DATA_DIR" in one_line(lines)


def test_an_embedded_server_that_cannot_start_says_why_in_one_line(tmp_path: Path) -> None:
    """A data directory whose files belong to another user, or that is not a PostgreSQL
    cluster at all: the server's own reason, and where its log is when the server got far
    enough to write one."""
    owned = tmp_path / "owned"
    control = owned / "postgres" / "global"
    control.mkdir(parents=True)
    (owned / "postgres" / "PG_VERSION").write_text("18\n")
    if os.geteuid() == 0:
        os.chown(control, 65534, 65534)  # nobody's; the server runs as another user
    control.chmod(0o700)
    junk = tmp_path / "junk"
    (junk / "postgres").mkdir(parents=True)
    (junk / "postgres" / "notes.txt").write_text("not a database\n")
    cases = [(owned, "pg_control", True), (junk, "exists but is not empty", False)]
    for data_dir, reason, logged in cases:
        code, lines, _ = run("projections", "status", GUICHET_DATA_DIR=str(data_dir))
        line = one_line(lines)
        assert code == 2
        assert f"cannot start the embedded PostgreSQL in {data_dir / 'postgres'}" in line
        assert "(GUICHET_DATA_DIR)" in line
        assert reason in line
        server_log = data_dir / "postgres" / "log"
        assert server_log.is_file() is logged
        assert (f"; its log is {server_log}" in line) is logged, line


def test_another_postgresql_version_names_the_data_directory(tmp_path: Path) -> None:
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "PG_VERSION").write_text("16\n")
    code, lines, _ = run("serve", GUICHET_DATA_DIR=str(tmp_path))
    assert code == 2
    assert "GUICHET_DATA_DIR" in one_line(lines)


@pytest.mark.parametrize(
    ("variables", "says"),
    [({"GUICHET_TOKENS_FILE": "missing-tokens"}, "does not exist"),
     ({"GUICHET_TOKENS_FILE": "bad-tokens"}, "expected 'NAME ROLE sha256:HEX'"),
     ({"GUICHET_TOKENS": "no-role-here"}, "GUICHET_TOKENS entry 1")],
)  # fmt: skip
def test_token_errors_are_one_line(
    tmp_path: Path, closed_port: int, variables: dict[str, str], says: str
) -> None:
    (tmp_path / "bad-tokens").write_text("someone admin not-a-digest\n")
    environ = {
        name: str(tmp_path / value) if name == "GUICHET_TOKENS_FILE" else value
        for name, value in variables.items()
    }
    url = f"postgresql://guichet@127.0.0.1:{closed_port}/guichet"
    code, lines, _ = run("serve", GUICHET_DATABASE_URL=url, GUICHET_DATA_DIR=str(tmp_path),
                         **environ)  # fmt: skip
    assert code == 2
    assert says in one_line(lines)


def test_an_unreachable_opensearch_is_one_warning_at_start(
    tmp_path: Path, closed_port: int, environ: dict[str, str]
) -> None:
    """Search degrades (SEARCH_UNAVAILABLE) and the command works; start-up says so once."""
    done = subprocess.run(
        [GUICHET, "projections", "status"],
        env=clean_env(**environ, GUICHET_OPENSEARCH_URL=f"http://127.0.0.1:{closed_port}"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, done.stderr
    assert "OpenSearch cannot be reached" in warnings[0]


def test_a_data_directory_file_that_cannot_be_written_names_the_setting(tmp_path: Path) -> None:
    """The first start writes the admin token into the data directory; a folder in its way
    stands for any file there the process may not write."""
    (tmp_path / "admin-token").mkdir()
    code, lines, _ = run("serve", "--port", str(free_port()), GUICHET_DATA_DIR=str(tmp_path))
    assert code == 2
    assert not any("Traceback" in line for line in lines), "\n".join(lines)
    errors = [line for line in lines if line.startswith("guichet: ")]
    assert len(errors) == 1, "\n".join(lines)
    assert f"cannot use {tmp_path / 'admin-token'}" in errors[0]
    assert "(GUICHET_DATA_DIR)" in errors[0]
    listed = subprocess.run(
        [GUICHET, "tokens", "list"], env=clean_env(GUICHET_DATA_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 1, listed.stdout  # the header: no token issued
