"""The messages of commands an operator meets first: each says what was given and what to do."""

from __future__ import annotations

import subprocess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from tests.e2e.test_command import GUICHET, clean_env

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"


def run(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GUICHET, *args], env=clean_env(**environ), capture_output=True, text=True, timeout=120
    )


def test_a_past_expiry_day_is_named_as_given(tmp_path: Path) -> None:
    done = run("tokens", "add", "someone", "--role", "editor", "--expires", "2020-01-01",
               "--output", "-", GUICHET_DATA_DIR=str(tmp_path))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "guichet: expires: 2020-01-01 is past: give today or a later day (UTC)"
    ]
    assert not (tmp_path / "postgres").exists()  # refused before any database is started


def test_a_password_with_an_at_sign_as_it_is_is_one_line_saying_to_encode_it(
    tmp_path: Path,
) -> None:
    url = "postgresql://guichet:s3cr@t@127.0.0.1:5432/guichet"
    done = run("migrate", GUICHET_DATABASE_URL=url, GUICHET_DATA_DIR=str(tmp_path))
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("guichet: GUICHET_DATABASE_URL is invalid")
    assert "percent-encode the password: @ is %40" in line
    assert "s3cr@t" not in line


def said_database(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("using the ")]


def test_writing_commands_say_once_which_database_they_used(
    environ: dict[str, str], tmp_path: Path
) -> None:
    """The password never: it is given here, and must not come back."""
    settings = {**environ, "GUICHET_DATABASE_URL": with_password(environ["GUICHET_DATABASE_URL"])}
    params = conninfo_to_dict(settings["GUICHET_DATABASE_URL"])
    schema = environ["GUICHET_DATABASE_SCHEMA"]
    where = (
        f"using the database at {params['host']}:{params.get('port') or 5432}/"
        f"{params['dbname']}, schema {schema}"
    )
    token = tmp_path / "token"
    commands = [
        ["migrate"],
        ["tokens", "add", "bob", "--role", "editor", "--output", str(token)],
        ["tokens", "list"],
        ["tokens", "rotate", "bob", "--output", str(tmp_path / "rotated")],
        ["tokens", "revoke", "bob"],
        ["import", "hsds", str(FIXTURES / "v3_json"), "--language", "en"],
        ["demo", "load"],
    ]
    for command in commands:
        done = run(*command, **settings)
        assert done.returncode == 0, (command, done.stderr)
        assert said_database(done.stderr) == [where], (command, done.stderr)
        assert PASSWORD not in done.stderr + done.stdout
        assert "using the" not in done.stdout  # what scripts read is unchanged


def test_without_a_database_url_the_embedded_one_is_named_by_its_folder(tmp_path: Path) -> None:
    done = run("tokens", "list", GUICHET_DATA_DIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert said_database(done.stderr) == [
        f"using the embedded database in {tmp_path} (no GUICHET_DATABASE_URL)"
    ]
    assert done.stdout.startswith("name ")


def test_reading_commands_do_not_say_it(environ: dict[str, str]) -> None:
    done = run("projections", "status", **environ)
    assert done.returncode == 0, done.stderr
    assert said_database(done.stderr) == []


PASSWORD = "never-Sh0wn"


def with_password(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}password={PASSWORD}"
