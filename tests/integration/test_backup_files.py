"""What `backup`, `backup --verify` and `restore` say of a path or a file that is not a backup
they can use: a hostile tar read with bounded memory, a FIFO, a symbolic link as a member, a
name too long, a manifest whose descriptive fields are wrong; each is one line and exit code
1, never a traceback or a wait. And what they say of a backup that is whole."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import orjson
import psycopg
import pytest
from psycopg import sql

from infra.backup import chain
from infra.backup.archive import Archive
from infra.cli import build_parser
from infra.embedded import EmbeddedPostgres
from tests.e2e.test_command import GUICHET, clean_env
from tests.integration.test_backup import guichet
from tests.integration.test_backup_refused import Run, members, packed, refusals, run

__all__ = ["run"]  # the fixture, used by name

GIB = 1 << 30


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose log holds the territories' reference (a few thousand events)."""
    folder = tmp_path_factory.mktemp("source")
    made = guichet("territories", "load", GUICHET_DATA_DIR=str(folder))
    assert made.returncode == 0, made.stderr
    return folder


@pytest.fixture(scope="module")
def backup(source: Path) -> Path:
    taken = guichet("backup", str(source.parent / "whole.gbk"), GUICHET_DATA_DIR=str(source))
    assert taken.returncode == 0, taken.stderr
    return source.parent / "whole.gbk"


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The process's only line on stderr (its progress is off)."""
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.splitlines()
    return line


PEAK = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_a_pax_header_claiming_a_gibibyte_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """tarfile read such a header whole: 1.1 GB and 15 s before it refused the file."""
    hostile = tmp_path / "hostile.gbk"
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, GIB
    with hostile.open("wb") as out:
        out.write(header.tobuf(format=tarfile.USTAR_FORMAT))
        out.truncate(GIB + 4 * tarfile.BLOCKSIZE)  # sparse: nothing written on disk
    for args in (("backup", "--verify"), ("restore",)):
        # Through a small launcher: a peak RSS survives fork and exec, so a command started
        # straight from this (large, long-lived) test process would report the test's own.
        done = subprocess.run(
            [sys.executable, "-c", PEAK, GUICHET, *args, str(hostile)],
            capture_output=True, text=True,
            env=clean_env(GUICHET_PROGRESS_EVERY="off", GUICHET_DATA_DIR=str(tmp_path / "d")),
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert done.stderr.splitlines() == [
            f"guichet: {hostile} is not a Guichet backup: it begins with a pax header of "
            f"{GIB:,} bytes (at most 65,536)"
        ]
        assert int(done.stdout) < 300 * 1024  # kB: the interpreter and its modules
    assert not (tmp_path / "d").exists()


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "nightly.gbk"
    os.mkfifo(fifo)
    for args in (("backup", "--verify"), ("restore",)):
        done = subprocess.run(
            [GUICHET, *args, str(fifo)], capture_output=True, text=True, timeout=60,
            env=clean_env(GUICHET_PROGRESS_EVERY="off", GUICHET_DATA_DIR=str(tmp_path / "d")),
        )  # fmt: skip
        assert done.returncode == 1
        assert one_line(done) == f"guichet: {fifo}: is a FIFO, not a backup file"


def test_a_name_too_long_is_said_in_one_line(tmp_path: Path) -> None:
    long = tmp_path / ("n" * 300 + ".gbk")
    for args in (("backup",), ("backup", "--verify"), ("restore",)):
        done = guichet(*args, str(long), GUICHET_DATA_DIR=str(tmp_path / "d"))
        assert done.returncode == 1, done.stderr
        line = one_line(done)
        assert line.startswith("guichet: ")
        assert line.endswith(("File name too long (nothing written)", "File name too long)"))
    assert list(tmp_path.iterdir()) == []


def test_a_member_that_is_a_symbolic_link_is_named_as_one(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    manifest, _ = members(backup)
    linked = tmp_path / "linked.gbk"
    with tarfile.open(linked, "w") as archive:
        text = orjson.dumps(manifest)
        member = tarfile.TarInfo("manifest.json")
        member.size = len(text)
        archive.addfile(member, io.BytesIO(text))
        link = tarfile.TarInfo("log.dump")
        link.type, link.linkname = tarfile.SYMTYPE, "/var/lib/guichet/log.dump"
        archive.addfile(link)
    for line in refusals(linked, tmp_path, run):
        assert line == (
            f"guichet: {linked} is not a Guichet backup: its log.dump is a symbolic link (to "
            "/var/lib/guichet/log.dump), not a file"
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("created_at", "x"),
        ("created_at", "2026-12-06T10:00:00"),  # no offset: a time nobody can place
        ("guichet", "0.1.0; rm -rf /"),
        ("postgresql", "18.6\n"),
        ("compression", "brotli"),
    ],
)
def test_a_manifest_s_descriptive_field_is_checked(
    backup: Path, tmp_path: Path, run: Run, field: str, value: str
) -> None:
    manifest, dump = members(backup)
    forged = packed(tmp_path / "forged.gbk", {
        "manifest.json": orjson.dumps({**manifest, field: value}), "log.dump": dump,
    })  # fmt: skip
    for line in refusals(forged, tmp_path, run):
        assert line == f"guichet: {forged}: its manifest's {field} is missing or invalid"


def test_a_manifest_s_compression_must_be_the_one_the_dump_records(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    manifest, dump = members(backup)
    assert manifest["compression"] == "gzip:1"
    forged = packed(tmp_path / "forged.gbk", {
        "manifest.json": orjson.dumps({**manifest, "compression": "none"}), "log.dump": dump,
    })  # fmt: skip
    for line in refusals(forged, tmp_path, run):
        assert line == (
            f"guichet: {forged}: its manifest records the compression none, its dump's header "
            "gzip: the file was altered"
        )
    other = packed(tmp_path / "other.gbk", {
        "manifest.json": orjson.dumps(manifest), "log.dump": b"-- SQL" + dump[6:],
    })  # fmt: skip
    for line in refusals(other, tmp_path, run):
        assert line.startswith(f"guichet: {other}: its dump is not pg_dump's custom format")


def test_the_chain_check_reports_its_last_count(backup: Path) -> None:
    """A log of a few thousand events: reported only every 10,000, the bar stayed at 0."""
    manifest, _ = members(backup)
    assert manifest["events"] < 10_000
    reported: list[int] = []
    with Archive(backup) as archive:
        chain.check(archive, reported.append)
    assert reported[-1] == manifest["events"]
    assert reported == sorted(reported)


def test_a_backup_copies_the_log_as_stored_and_verify_checks_it(
    source: Path, tmp_path: Path, run: Run
) -> None:
    """An event changed in place, by someone who bypassed the chain's trigger: the backup
    copies it and says that `--verify` is what checks it; `--verify` finds the broken link."""
    log = sql.Identifier("guichet", "guichet_events")
    with EmbeddedPostgres(source) as url, psycopg.connect(url) as conn:
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER guichet_chain").format(log))
        conn.execute(sql.SQL(
            "UPDATE {} SET state = state || '\\x20'::bytea WHERE notification_id = 7"
        ).format(log))  # fmt: skip
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER guichet_chain").format(log))
    tampered = tmp_path / "tampered.gbk"
    code, out, err = run("backup", str(tampered), GUICHET_DATA_DIR=str(source))
    assert code == 0, err
    assert out.rstrip().endswith(
        f"as stored: `guichet backup --verify {tampered}` recomputes the chain"
    )
    code, out, err = run("backup", "--verify", str(tampered), GUICHET_DATA_DIR=str(tmp_path))
    assert code == 1, out
    assert err.splitlines()[-1] == (
        f"guichet: {tampered}: the chain of its events is broken at position 7: {chain.MISMATCH}"
    )


def test_the_help_says_that_verify_recomputes_the_chain(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["backup", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "the hash chain of every event recomputed up to the head it records" in shown
