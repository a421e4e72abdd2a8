"""A restore leaves the data where it can be found whatever happens: refused before it touches
anything while the service runs on the schema, the old schema put back when it is interrupted
after moving it aside, every check of `backup --verify` made before a plain restore copies,
and rows the database refuses said in one line, with no data directory left behind."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import orjson
import psycopg
import pytest
from psycopg import sql

from infra.backup import load
from infra.backup.archive import Archive, BackupError
from infra.bootstrap import PROJECTIONS, Container
from infra.clock import SystemClock
from infra.embedded import EmbeddedPostgres
from infra.runner import ProjectionRunner
from infra.territories import load_reference
from tests.e2e.test_command import GUICHET, clean_env, serve, stop, wait_healthy
from tests.integration import test_backup_refused
from tests.integration.test_backup import guichet
from tests.integration.test_backup_refused import Run, members, packed, refusals
from tests.support.ports import free_port

backup = test_backup_refused.backup
run = test_backup_refused.run


def count(url: str, schema: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(schema, "guichet_events"))).fetchone()  # fmt: skip
    assert row is not None
    return int(row[0])


def schemas(url: str, like: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1", (like,)
        ).fetchall()
    return [row[0] for row in rows]


def held(runner: ProjectionRunner) -> bool:
    """Whether another session holds the runner's lock."""
    with runner.database.connect() as conn:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (runner.lock_key,)).fetchone()
        if row and row[0]:
            conn.execute("SELECT pg_advisory_unlock(%s)", (runner.lock_key,))
            return False
    return True


def test_a_restore_is_refused_before_it_touches_anything_while_the_service_runs(
    backup: Path, container: Container, environ: dict[str, str], run: Run
) -> None:
    load_reference(container.operations, SystemClock())
    url, schema = container.unbounded.conninfo, container.database.schema
    before = count(url, schema)
    container.start_projections()
    try:
        deadline = time.monotonic() + 60
        while not all(map(held, container.runners.values())) and time.monotonic() < deadline:
            time.sleep(0.05)  # the runners take their views' locks on their own threads
        for args in (("restore",), ("restore", "--force")):
            code, _, err = run(*args, str(backup), **environ)
            assert code == 1, err
            line = err.splitlines()[-1]
            assert line.startswith(f"guichet: the service is running on {container.database.host}")
            assert f"(schema {schema}: pid " in line
            assert line.endswith("stop it first (nothing changed)")
            assert "restoring" not in err
    finally:
        for runner in container.runners.values():
            runner.stop()
    assert count(url, schema) == before > 0
    assert schemas(url, f"{schema}_before_%") == []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_after_the_schema_was_moved_aside_puts_it_back(
    backup: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    target = tmp_path / "restored"
    assert guichet("restore", str(backup), GUICHET_DATA_DIR=str(target)).returncode == 0
    manifest, _ = members(backup)
    with EmbeddedPostgres(target) as url, psycopg.connect(url) as holder:
        # Held, the restore stops at the first table the migration step makes, once the old
        # schema is aside.
        holder.execute("LOCK TABLE pg_catalog.pg_class IN SHARE MODE")
        process = subprocess.Popen(
            [GUICHET, "restore", "--force", str(backup)],
            env=clean_env(GUICHET_DATA_DIR=str(target), GUICHET_PROGRESS_EVERY="off"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stderr is not None
        said: list[str] = []
        while not any(line.startswith("moved schema") for line in said):
            line = process.stderr.readline()
            assert line, said
            said.append(line)
        aside = said[-1].split(" aside as ")[1].strip()
        time.sleep(1.0)
        process.send_signal(stop)
        time.sleep(1.0)
        holder.rollback()  # lets the interrupted restore put the schema back
        _, err = process.communicate(timeout=120)
        assert process.returncode == 130, err
        assert err.splitlines()[-1] == (
            f"guichet: interrupted: nothing restored; schema guichet is as it was "
            f"({manifest['events']:,} events, moved back from {aside})"
        )
        assert count(url, "guichet") == manifest["events"]
        assert schemas(url, "guichet_before_%") == []


def test_a_lowered_last_position_is_refused_by_a_plain_restore(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    manifest, dump = members(backup)
    lowered = manifest["last_position"] - 1
    forged = packed(tmp_path / "lowered.gbk", {
        "manifest.json": orjson.dumps({**manifest, "last_position": lowered}), "log.dump": dump,
    })  # fmt: skip
    for line in refusals(forged, tmp_path, run):
        assert f"end at position {manifest['last_position']:,}" in line
        assert f"up to position {lowered:,}" in line
    assert not (tmp_path / "restored").exists()  # refused before any database is started


def test_rows_the_database_refuses_are_one_line_and_leave_no_data_directory(
    tmp_path: Path, run: Run
) -> None:
    """Two registered documents under one digest (the chain does not cover them) pass every
    check of the file, and are refused by the restored table's primary key."""
    source = tmp_path / "source"
    assert guichet("territories", "load", GUICHET_DATA_DIR=str(source)).returncode == 0
    documents = sql.Identifier("guichet", "persisted_documents")
    with EmbeddedPostgres(source) as url, psycopg.connect(url) as conn:
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT persisted_documents_pkey")
                     .format(documents))  # fmt: skip
        for document in ("{ a }", "{ b }"):
            conn.execute(sql.SQL("INSERT INTO {} VALUES ('same', %s, 'test', now())")
                         .format(documents), (document,))  # fmt: skip
    taken = guichet("backup", str(tmp_path / "twice.gbk"), GUICHET_DATA_DIR=str(source))
    assert taken.returncode == 0, taken.stderr
    target = tmp_path / "restored"
    code, _, err = run("restore", str(tmp_path / "twice.gbk"), GUICHET_DATA_DIR=str(target))
    assert code == 1, err
    assert "Traceback" not in err
    line = err.splitlines()[-1]
    assert line.startswith(f"guichet: {tmp_path / 'twice.gbk'}: the database refused its rows "
                           "(table persisted_documents): duplicate key value")  # fmt: skip
    assert "Key (sha256)=(same) already exists." in line
    assert line.endswith(f"(nothing restored); {target} removed (this restore made it)")
    assert not target.exists()


def test_the_next_write_after_a_restore_follows_the_last_restored_event(
    backup: Path, tmp_path: Path, run: Run
) -> None:
    target = tmp_path / "restored"
    code, _, err = run("restore", str(backup), GUICHET_DATA_DIR=str(target))
    assert code == 0, err
    added = guichet("tokens", "add", "ops", "--role", "admin", "--output", "-",
                    GUICHET_DATA_DIR=str(target))  # fmt: skip
    assert added.returncode == 0, added.stderr
    manifest, _ = members(backup)
    with EmbeddedPostgres(target) as url, psycopg.connect(url) as conn:
        found = conn.execute(sql.SQL("SELECT max(notification_id), count(*) FROM {}").format(
            sql.Identifier("guichet", "guichet_events"))).fetchone()  # fmt: skip
    assert found == (manifest["last_position"] + 1, manifest["events"] + 1)


def test_the_copy_itself_refuses_a_last_position_its_rows_do_not_end_on(
    backup: Path, container: Container, tmp_path: Path
) -> None:
    """The file's check refuses such a manifest first; the copy checks it again against the
    rows it copied, before it sets the sequence of positions from them."""
    manifest, dump = members(backup)
    lowered = manifest["last_position"] - 1
    forged = packed(tmp_path / "lowered.gbk", {
        "manifest.json": orjson.dumps({**manifest, "last_position": lowered}), "log.dump": dump,
    })  # fmt: skip
    with Archive(forged) as archive, pytest.raises(BackupError) as refused:
        load.restore(container.unbounded, archive)
    assert str(refused.value) == (
        f"{forged}: its events end at position {manifest['last_position']:,}, its manifest "
        f"records {lowered:,}"
    )
    assert count(container.unbounded.conninfo, container.database.schema) == 0


def test_restore_force_is_refused_while_guichet_serve_runs_and_the_service_keeps_running(
    backup: Path, tmp_path: Path
) -> None:
    data = tmp_path / "live"
    assert guichet("restore", str(backup), GUICHET_DATA_DIR=str(data)).returncode == 0
    port = free_port()
    server = serve(data, port)
    try:
        wait_healthy(port, server)
        with EmbeddedPostgres(data) as url:
            deadline = time.monotonic() + 60
            while advisory_locks(url) < len(PROJECTIONS) and time.monotonic() < deadline:
                time.sleep(0.1)  # every view's runner holds its lock
            before = count(url, "guichet")  # with what the first start logged
            refused = guichet("restore", "--force", str(backup), GUICHET_DATA_DIR=str(data))
            assert refused.returncode == 1, refused.stderr
            line = refused.stderr.splitlines()[-1]
            assert line.startswith(f"guichet: the service is running on {data / 'postgres'}")
            assert "'guichet-api'" in line
            assert line.endswith("stop it first (nothing changed)")
            assert schemas(url, "guichet_before_%") == []
            assert count(url, "guichet") == before > members(backup)[0]["events"]
        assert wait_healthy(port, server)["status"] == "ok"
    finally:
        stop(server)


def advisory_locks(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        ).fetchone()
    return int(row[0]) if row else 0
