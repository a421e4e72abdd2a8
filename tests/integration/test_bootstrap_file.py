"""A first admin token file that cannot be written: one line naming GUICHET_BOOTSTRAP_ADMIN,
exit code 2, and no token issued (a token nobody holds would keep the next start from
writing one)."""

from __future__ import annotations

import logging
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from domain.handlers.tokens import IssueToken
from domain.tokens import Role
from infra.bootstrap import Container
from infra.cli.common import CommandError
from infra.cli.tokens import first_way_in
from infra.tokens import digest
from tests.e2e.test_command import GUICHET, clean_env
from tests.support.ports import free_port


def guichet(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GUICHET, *args], env=clean_env(**environ), capture_output=True, text=True, timeout=120
    )


def unwritable_places(tmp_path: Path) -> dict[str, Path]:
    """Paths that fail for root too: a folder that is a regular file, and a kernel folder."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    inside = tmp_path / "data" / "notes"
    inside.parent.mkdir()
    inside.write_text("")
    return {"outside": blocker / "admin-token", "inside the data folder": inside / "admin-token",
            "a kernel folder": Path("/sys/guichet-admin-token")}  # fmt: skip


def creates_files(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("place", ["outside", "inside the data folder", "a kernel folder"])
def test_an_unwritable_bootstrap_file_is_one_line_and_issues_nothing(
    environ: dict[str, str], tmp_path: Path, place: str
) -> None:
    target = unwritable_places(tmp_path)[place]
    if place == "a kernel folder" and creates_files(target.parent):
        pytest.skip("/sys takes new files here")
    settings = {k: v for k, v in environ.items() if k != "GUICHET_TOKENS"}
    settings["GUICHET_BOOTSTRAP_ADMIN"] = str(target)
    done = guichet("serve", "--port", str(free_port()), environ=settings)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("guichet: ")]
    assert errors == [errors[0]], done.stderr
    assert errors[0].startswith(f"guichet: cannot use {target} for the first admin token: ")
    assert errors[0].endswith("(GUICHET_BOOTSTRAP_ADMIN)")
    if place != "a kernel folder":  # a file where a folder of the path should be
        assert ": Not a directory (" in errors[0]
    assert "First start" not in done.stdout

    listed = guichet("tokens", "list", environ=settings)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["name"]  # no row
    if target.parent.is_dir():
        assert list(target.parent.glob(".admin-token-*")) == []  # no temporary file left


def test_a_file_made_unusable_after_the_check_leaves_the_issued_token_revoked(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A file put in the token's place between the check and the link (by another user of
    a shared folder, say): it is not overwritten, the token issued is one nobody holds, so it
    is revoked, and the line says how to make another."""
    target = tmp_path / "admin-token"
    settings = {k: v for k, v in environ.items() if k != "GUICHET_TOKENS"}
    container = make_container({**settings, "GUICHET_BOOTSTRAP_ADMIN": str(target)})

    def linked(source: Path, destination: Path) -> None:
        raise FileExistsError(17, "File exists", str(destination))

    monkeypatch.setattr("infra.cli.tokens.os.link", linked)
    with pytest.raises(CommandError) as refused:
        first_way_in(container)
    assert str(refused.value).startswith(f"cannot use {target} for the first admin token")
    assert "the token issued is revoked" in str(refused.value)
    container.token_log.refresh()
    [admin] = container.token_log.tokens()
    assert admin.revoked_at is not None
    assert container.token_log.live_count() == 0
    assert list(tmp_path.glob(".admin-token-*")) == []


@pytest.mark.parametrize("kind", ["file", "dangling link"])
def test_an_existing_bootstrap_file_is_never_overwritten(
    environ: dict[str, str], tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "admin-token"
    if kind == "file":
        target.write_text("precious data\n")
    else:  # followed, the token would go wherever it points
        target.symlink_to(tmp_path / "elsewhere")
    settings = {k: v for k, v in environ.items() if k != "GUICHET_TOKENS"}
    settings["GUICHET_BOOTSTRAP_ADMIN"] = str(target)
    done = guichet("serve", "--port", str(free_port()), environ=settings)
    assert done.returncode == 2, done.stderr
    assert f"cannot use {target} for the first admin token: File exists" in done.stderr
    if kind == "file":
        assert target.read_text() == "precious data\n"
    else:
        assert target.is_symlink()
        assert not (tmp_path / "elsewhere").exists()
    listed = guichet("tokens", "list", environ=settings)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["name"]  # none issued


def test_a_short_static_token_is_one_warning_at_start(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    strong = "s" * 43
    container = make_container({**environ, "GUICHET_TOKENS": f"ops:admin:abc,ci:admin:{strong}"})
    with caplog.at_level(logging.WARNING, logger="guichet"):
        first_way_in(container)
    [warning] = [r.message for r in caplog.records if "shorter than" in r.message]
    assert "(ops)" in warning


def test_a_name_of_both_a_static_token_and_one_of_the_log_is_a_warning(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """`tokens add` refuses a static token's name only where it sees the same settings."""
    container = make_container({**environ, "GUICHET_TOKENS": "ops:admin:" + "o" * 43})
    container.token_handler.issue(
        IssueToken("ops", Role.EDITOR, digest("another")), actor="cli:root",
        at=container.clock.now(),
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="guichet"):
        first_way_in(container)
    [warning] = [r.message for r in caplog.records if "share the name" in r.message]
    assert "ops" in warning
