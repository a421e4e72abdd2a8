"""The first admin token stays out of whatever captures the server's output."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest

from infra.cli.common import first_admin_token
from infra.settings import Settings
from infra.tokens import Role, TokenStore


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_captured_output_names_the_file_and_never_shows_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_environ({"GUICHET_DATA_DIR": str(tmp_path)})
    first_admin_token(settings)  # standard output captured, as a log collector would
    printed = capsys.readouterr().out
    assert not re.search(r"Bearer \S", printed)
    secret = tmp_path / "admin-token"
    token = secret.read_text().strip()
    assert token
    assert token not in printed
    assert str(secret) in printed
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    principal = TokenStore.load([tmp_path / "tokens"], None).authenticate(token)
    assert principal is not None
    assert principal.role is Role.ADMIN
    again = io.StringIO()
    first_admin_token(settings, again)
    assert again.getvalue() == ""  # shown, or written, once


def test_a_terminal_is_shown_the_token_once(tmp_path: Path) -> None:
    settings = Settings.from_environ({"GUICHET_DATA_DIR": str(tmp_path)})
    terminal = Terminal()
    first_admin_token(settings, terminal)
    match = re.search(r"Authorization: Bearer (\S+)", terminal.getvalue())
    assert match is not None
    assert TokenStore.load([tmp_path / "tokens"], None).authenticate(match.group(1)) is not None
    assert not (tmp_path / "admin-token").exists()
