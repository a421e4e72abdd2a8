"""The messages of commands an operator meets first: each says what was given and what to do."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.test_command import GUICHET, clean_env


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
