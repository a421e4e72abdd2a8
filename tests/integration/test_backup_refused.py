"""Backup files that are truncated, altered or not Guichet's are refused by `backup --verify`
and by `restore`, each in one line naming what is wrong, and a restore that fails leaves
nothing behind (issue 22, acceptance 2); a database that already holds a log is refused
unless told."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from psycopg import sql

from infra.backup import chain
from infra.backup.archive import Archive
from infra.bootstrap import Container
from infra.cli import main
from infra.embedded import EmbeddedPostgres
from tests.e2e.test_command import GUICHET, clean_env
from tests.integration.test_backup import guichet


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a data directory whose log holds the territories' reference."""
    folder = tmp_path_factory.mktemp("backup")
    made = guichet("territories", "load", GUICHET_DATA_DIR=str(folder / "source"))
    assert made.returncode == 0, made.stderr
    taken = guichet("backup", str(folder / "whole.gbk"), GUICHET_DATA_DIR=str(folder / "source"))
    assert taken.returncode == 0, taken.stderr
    return folder / "whole.gbk"


def members(path: Path) -> tuple[dict[str, Any], bytes]:
    with tarfile.open(path) as archive:
        manifest, dump = (archive.extractfile(name) for name in ("manifest.json", "log.dump"))
        assert manifest is not None
        assert dump is not None
        return dict(orjson.loads(manifest.read())), dump.read()


def packed(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs the command in this process (`infra.cli.main`): exit code, stdout, stderr."""

    def command(*args: str, **environ: str) -> tuple[int, str, str]:
        for name in [name for name in os.environ if name.startswith("GUICHET_")]:
            monkeypatch.delenv(name)
        for name, value in {"GUICHET_PROGRESS_EVERY": "off", **environ}.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args))
        said = capsys.readouterr()
        return code, said.out, said.err

    return command


def refusals(path: Path, tmp_path: Path, run: Run) -> Iterator[str]:
    """The one line each of `backup --verify` and `restore` says, both failing."""
    for args in (("backup", "--verify"), ("restore",)):
        code, out, err = run(*args, str(path), GUICHET_DATA_DIR=str(tmp_path / "restored"))
        assert code == 1, out
        [line] = [x for x in err.splitlines() if x.startswith("guichet:")]
        yield line


def test_the_whole_file_is_verified(backup: Path, tmp_path: Path, run: Run) -> None:
    code, out, err = run("backup", "--verify", str(backup), GUICHET_DATA_DIR=str(tmp_path))
    assert code == 0, err
    manifest, _ = members(backup)
    whole = f"{backup}: a whole Guichet backup; {manifest['events']:,} events"
    assert out.startswith(whole)
    assert f"chain head {manifest['chain_head']}" in out


def test_a_file_cut_inside_its_dump_is_refused_as_truncated(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    cut = tmp_path / "cut.gbk"
    whole = backup.read_bytes()
    cut.write_bytes(whole[: len(whole) // 2])
    for line in refusals(cut, tmp_path, run):
        assert line.startswith(f"guichet: {cut} is truncated: it is {len(whole) // 2:,} bytes, "
                               "its dump ends at byte")  # fmt: skip
    assert not (tmp_path / "restored").exists()  # refused before any database is started


def test_a_file_cut_before_its_dump_is_refused_as_truncated(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    cut = tmp_path / "cut.gbk"
    cut.write_bytes(backup.read_bytes()[:700])
    for line in refusals(cut, tmp_path, run):
        assert line.startswith(f"guichet: {cut} is truncated: it ends before its dump")


def test_a_changed_byte_of_the_dump_is_refused_as_altered(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    altered = tmp_path / "altered.gbk"
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    altered.write_bytes(bytes(data))
    manifest, _ = members(backup)
    for line in refusals(altered, tmp_path, run):
        assert line.startswith(f"guichet: {altered}: its dump's SHA-256 is ")
        assert line.endswith(f"the manifest records {manifest['dump_sha256']}: the file was "
                             "altered or damaged")  # fmt: skip


def test_a_manifest_whose_chain_head_was_changed_is_refused(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    manifest, dump = members(backup)
    forged = packed(tmp_path / "forged.gbk", {
        "manifest.json": orjson.dumps({**manifest, "chain_head": "0" * 64}), "log.dump": dump,
    })  # fmt: skip
    for line in refusals(forged, tmp_path, run):
        assert "chain head" in line
        assert manifest["chain_head"] in line
    assert not (tmp_path / "restored").exists()  # refused before any database is started


def test_other_files_are_named_for_what_they_are(backup: Path, tmp_path: Path, run: Run) -> None:
    manifest, dump = members(backup)
    text = tmp_path / "notes.gbk"
    text.write_text("not a backup\n")
    other = packed(tmp_path / "other.gbk", {"readme.txt": b"hello", "log.dump": dump})
    unreadable = packed(tmp_path / "manifest.gbk", {"manifest.json": b"{", "log.dump": dump})
    bigger = packed(tmp_path / "bigger.gbk", {
        "manifest.json": orjson.dumps(manifest), "log.dump": dump + b"\0",
    })  # fmt: skip
    expected = {
        text: f"guichet: {text} is not a Guichet backup: not a tar archive",
        other: f"guichet: {other} is not a Guichet backup: it holds readme.txt, log.dump instead "
        "of manifest.json then log.dump",
        unreadable: f"guichet: {unreadable}: its manifest is not JSON",
        bigger: f"guichet: {bigger}: its dump is {len(dump) + 1:,} bytes but the manifest "
        f"records {len(dump):,}: the file was altered",
        tmp_path / "missing.gbk": f"guichet: {tmp_path / 'missing.gbk'}: no such file",
    }
    for path, start in expected.items():
        for line in refusals(path, tmp_path, run):
            assert line.startswith(start), line


def test_a_database_holding_a_log_is_refused_unless_told(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    target = str(tmp_path / "restored")
    assert run("restore", str(backup), GUICHET_DATA_DIR=target)[0] == 0
    code, _, err = run("restore", str(backup), GUICHET_DATA_DIR=target)
    assert code == 1
    manifest, _ = members(backup)
    assert err.splitlines()[-1].startswith(
        f"guichet: schema guichet of {tmp_path / 'restored' / 'postgres'}:5432/guichet already "
        f"holds {manifest['events']:,} events: restore into an empty database or schema, or "
        "pass --force"
    )
    code, _, err = run("restore", "--force", str(backup), GUICHET_DATA_DIR=target)
    assert code == 0, err
    [moved] = [line for line in err.splitlines() if line.startswith("moved schema")]
    aside = moved.split(" aside as ")[1].split(";")[0]
    with EmbeddedPostgres(tmp_path / "restored") as url, psycopg.connect(url) as conn:
        for schema in ("guichet", aside):
            found = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
                sql.Identifier(schema, "guichet_events"))).fetchone()  # fmt: skip
            assert found == (manifest["events"],)


def test_a_backup_that_fails_leaves_the_file_before_it_and_nothing_else(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    target = tmp_path / "nightly.gbk"
    target.write_bytes(b"yesterday's backup")
    code, _, err = run("backup", str(target), GUICHET_DATA_DIR=str(backup.parent / "source"),
                       GUICHET_DATABASE_SCHEMA="elsewhere")  # fmt: skip
    assert code == 1
    assert err.splitlines()[-1].startswith(
        "guichet: schema elsewhere holds no Guichet log: nothing to back up"
    )
    assert target.read_bytes() == b"yesterday's backup"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left beside it


def test_a_log_stored_out_of_its_order_is_verified_and_restored(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    """pg_dump copies rows in the order they are on disk; an event rewritten in place (as the
    chain's first installation does) comes after later ones, and is still checked in order."""
    source = backup.parent / "source"
    log = sql.Identifier("guichet", "guichet_events")
    with EmbeddedPostgres(source) as url, psycopg.connect(url) as conn:
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER guichet_chain").format(log))
        conn.execute(sql.SQL("UPDATE {} SET topic = topic WHERE notification_id = 3").format(log))
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER guichet_chain").format(log))
    moved = tmp_path / "moved.gbk"
    assert run("backup", str(moved), GUICHET_DATA_DIR=str(source))[0] == 0
    with Archive(moved) as archive:
        assert chain._stored(archive, None)[2].ordered is False  # the case this test is for
    code, out, err = run("backup", "--verify", str(moved), GUICHET_DATA_DIR=str(tmp_path))
    assert code == 0, err
    manifest, _ = members(moved)
    assert f"chain head {manifest['chain_head']}" in out
    code, out, err = run("restore", str(moved), GUICHET_DATA_DIR=str(tmp_path / "restored"))
    assert code == 0, err
    assert f"chain intact, head {manifest['chain_head']}" in out


def test_ctrl_c_during_a_backup_leaves_nothing_behind(
    container: Container, environ: dict[str, str], tmp_path: Path
) -> None:
    """The backup is held on the log's lock (as a migration would hold it), then interrupted."""
    target = tmp_path / "nightly.gbk"
    log = sql.Identifier(container.database.schema, "guichet_events")
    with psycopg.connect(container.unbounded.conninfo) as holder:  # no idle bound
        holder.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(log))
        process = subprocess.Popen(
            [GUICHET, "backup", str(target)], env=clean_env(**environ),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(tmp_path.iterdir())  # its temporary file, while it waits for the lock
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.splitlines()[-1] == (
        f"guichet: interrupted: nothing written ({target} is as it was)"
    )
    assert list(tmp_path.iterdir()) == []
