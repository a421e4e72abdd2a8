from __future__ import annotations

from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError
from infra.tokens import Principal, Role, TokenFileError, TokenStore, digest


def test_a_tokens_file_holds_digests_not_tokens(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    token = "a-random-token"
    path.write_text(f"# the team\nalice editor {digest(token)}\n")

    store = TokenStore.load([path], None)
    assert store.authenticate(token) == Principal("alice", Role.EDITOR)
    assert store.authenticate(token + "x") is None


def test_tokens_from_the_environment() -> None:
    store = TokenStore.load([], "bob:analyst:s3cret, eve:auditor:other")
    assert store.authenticate("s3cret") == Principal("bob", Role.ANALYST)
    assert store.authenticate("other") == Principal("eve", Role.AUDITOR)


@pytest.mark.parametrize(
    ("variable", "message"),
    [("bob:analyst", "NAME:ROLE:TOKEN"), ("bob:king:x", "unknown role 'king'")],
)
def test_bad_token_entries_say_where(variable: str, message: str) -> None:
    with pytest.raises(TokenFileError, match=message) as raised:
        TokenStore.load([], variable)
    assert "GUICHET_TOKENS entry 1" in str(raised.value)


def test_a_bad_line_in_a_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text("# comment\nalice editor sha256:abc\nbroken line\n")
    with pytest.raises(TokenFileError, match=f"{path}:3"):
        TokenStore.load([path], None)


def test_admin_has_every_role() -> None:
    admin = Principal("root", Role.ADMIN)
    editor = Principal("e", Role.EDITOR)
    assert admin.has(Role.EDITOR)
    assert admin.has(Role.AUDITOR)
    assert editor.has(Role.EDITOR)
    assert not editor.has(Role.AUDITOR)


def test_the_bootstrap_file_is_a_file_path(tmp_path: Path) -> None:
    assert Settings.from_environ({}).bootstrap_admin is None
    chosen = Settings.from_environ({"GUICHET_BOOTSTRAP_ADMIN": str(tmp_path / "admin-token")})
    assert chosen.bootstrap_admin == tmp_path / "admin-token"
    with pytest.raises(SettingsError, match="GUICHET_BOOTSTRAP_ADMIN"):
        Settings.from_environ({"GUICHET_BOOTSTRAP_ADMIN": str(tmp_path)})
