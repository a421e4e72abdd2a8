"""The first admin token stays out of whatever captures the server's output, and a server with no
way in says how to make one."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.bootstrap import Container
from infra.cli.tokens import bootstrap_admin, first_way_in
from infra.tokens import Principal, Role

Make = Callable[[dict[str, str]], Container]


def without_static_tokens(environ: dict[str, str], **extra: str) -> dict[str, str]:
    return {**{k: v for k, v in environ.items() if k != "GUICHET_TOKENS"}, **extra}


def test_the_bootstrap_file_gets_the_token_and_the_output_only_its_place(
    environ: dict[str, str], make_container: Make, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    secret = tmp_path / "secrets" / "admin-token"
    container = make_container(without_static_tokens(environ, GUICHET_BOOTSTRAP_ADMIN=str(secret)))
    first_way_in(container)  # standard output captured, as a log collector would
    printed = capsys.readouterr().out
    token = secret.read_text().strip()
    assert token
    assert token not in printed
    assert not re.search(r"Bearer \S", printed)
    assert f"written to {secret}," in printed
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    container.token_log.refresh()
    assert container.tokens.authenticate(token) == Principal("admin", Role.ADMIN)
    assert list(secret.parent.iterdir()) == [secret]  # no temporary file left

    # A restart, or another process of the same deployment, writes it once only.
    again = make_container(
        without_static_tokens(
            environ, GUICHET_BOOTSTRAP_ADMIN=str(secret),
            GUICHET_DATABASE_SCHEMA=environ["GUICHET_DATABASE_SCHEMA"],
        )
    )  # fmt: skip
    secret.unlink()
    first_way_in(again)
    assert capsys.readouterr().out == ""
    assert not secret.exists()


def test_no_way_in_is_a_warning_naming_the_command(
    environ: dict[str, str], make_container: Make, caplog: pytest.LogCaptureFixture
) -> None:
    container = make_container(without_static_tokens(environ))
    with caplog.at_level(logging.WARNING, logger="guichet"):
        first_way_in(container)
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "guichet tokens add admin --role admin" in warning
    assert "GUICHET_BOOTSTRAP_ADMIN" in warning


def test_static_tokens_are_a_way_in(
    environ: dict[str, str], make_container: Make, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="guichet"):
        first_way_in(make_container(environ))
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING]
    assert [w for w in warnings if "shorter than" not in w] == []  # the tests' tokens are short
    assert capsys.readouterr().out == ""


def test_of_two_processes_starting_together_one_issues_and_writes(
    environ: dict[str, str], make_container: Make, tmp_path: Path
) -> None:
    secret = tmp_path / "admin-token"
    settings = without_static_tokens(environ, GUICHET_BOOTSTRAP_ADMIN=str(secret))
    first, second = make_container(settings), make_container(settings)
    for container in (first, second):
        container.token_log.refresh()
        assert not container.token_log.ever_issued()  # both saw an empty log
    assert bootstrap_admin(first, secret)
    written = secret.read_text()
    assert not bootstrap_admin(second, secret)
    assert secret.read_text() == written
    assert list(tmp_path.iterdir()) == [secret]
    second.token_log.refresh()
    assert second.tokens.authenticate(written.strip()) == Principal("admin", Role.ADMIN)
