"""`guichet migrate`: once is enough, again is nothing, and several at once all succeed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from infra import migrate
from infra.bootstrap import PROJECTIONS, Container
from infra.database import Database

GUICHET = str(Path(sys.executable).with_name("guichet"))


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    name = f"m_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def run_migrate(database_url: str, schema: str, tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update(
        GUICHET_DATABASE_URL=database_url,
        GUICHET_DATABASE_SCHEMA=schema,
        GUICHET_DATA_DIR=str(tmp_path / "data"),
    )
    return subprocess.Popen(
        [GUICHET, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def finished(process: subprocess.Popen[str]) -> str:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def catalogue(database_url: str, schema: str) -> list[tuple[str, str]]:
    """Every relation, type and function of the schema, and when the version was written."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT 'class', relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE nspname = %s UNION ALL"
            " SELECT 'type', typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE nspname = %s UNION ALL"
            " SELECT 'function', proname FROM pg_proc p JOIN pg_namespace n"
            " ON n.oid = p.pronamespace WHERE nspname = %s ORDER BY 1, 2",
            (schema, schema, schema),
        ).fetchall()
        at = conn.execute(
            sql.SQL("SELECT version, at::text FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(migrate.TABLE)
            )
        ).fetchall()
    return [(str(kind), str(name)) for kind, name in [*rows, *at]]


def test_migrate_makes_everything_once_and_then_nothing(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    first = finished(run_migrate(database_url, schema, tmp_path))
    made = catalogue(database_url, schema)
    second = finished(run_migrate(database_url, schema, tmp_path))

    assert f"schema {schema} migrated to version" in first
    assert "nothing to do" in second
    assert catalogue(database_url, schema) == made
    names = {name for _, name in made}
    assert {"guichet_events", "guichet_snapshots", "persisted_documents"} <= names
    assert {f"{name}_tracking" for name in PROJECTIONS} <= names


def test_migrates_started_together_all_succeed(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    processes = [run_migrate(database_url, schema, tmp_path) for _ in range(4)]
    outputs = [finished(process) for process in processes]

    assert sum("migrated to version" in output for output in outputs) == 1, outputs
    assert sum("nothing to do" in output for output in outputs) == 3, outputs


def test_a_schema_at_its_version_is_opened_without_the_lock(
    make_container: Callable[[dict[str, str]], Container], environ: dict[str, str]
) -> None:
    first = make_container(environ)
    assert first.migrated
    with psycopg.connect(first.unbounded.conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (migrate.lock_key(first.database.schema),))
        opened: list[Container] = []
        thread = threading.Thread(target=lambda: opened.append(make_container(environ)))
        thread.start()
        thread.join(30)

        assert opened, "a process waited for the lock on a schema at its version"
        assert not opened[0].migrated


def test_a_step_that_fails_leaves_the_version_unwritten(database_url: str, schema: str) -> None:
    database = Database.from_url(database_url, schema)

    def broken() -> None:
        raise RuntimeError("step failed")

    with pytest.raises(RuntimeError):
        migrate.migrate(database, "v1", [broken])
    assert migrate.migrate(database, "v1", [])  # the next process runs the steps
    assert not migrate.migrate(database, "v1", [broken])  # and then none runs them


def test_a_stuck_holder_of_the_lock_is_named_and_the_wait_is_bounded(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    with psycopg.connect(database_url, autocommit=True, application_name="stuck-holder") as held:
        held.execute("SELECT pg_advisory_lock(%s)", (migrate.lock_key(schema),))
        pid = held.info.backend_pid
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
        env.update(
            GUICHET_DATABASE_URL=database_url, GUICHET_DATABASE_SCHEMA=schema,
            GUICHET_DATA_DIR=str(tmp_path / "data"), GUICHET_MIGRATION_WAIT="3",
        )  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(
            [GUICHET, "migrate"], env=env, capture_output=True, text=True, timeout=60
        )
        took = time.monotonic() - started
    assert done.returncode != 0
    holder = f"held by pid {pid} (application_name 'stuck-holder', connected since "
    waiting = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert len(waiting) == 1, done.stderr  # after 2 s; the next would be 30 s later
    assert holder in waiting[0]
    assert "GUICHET_MIGRATION_WAIT" in waiting[0]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("guichet: gave up waiting for the migration lock"), done.stderr
    assert holder.removeprefix("held ") in last
    assert "GUICHET_MIGRATION_WAIT" in last
    assert "Traceback" not in done.stderr
    assert 3 <= took < 20
    # Nothing was made while the lock was held elsewhere.
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert migrate.found_version(conn, schema) is None


def test_a_signal_stops_a_process_waiting_for_the_lock(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    with psycopg.connect(database_url, autocommit=True) as held:
        held.execute("SELECT pg_advisory_lock(%s)", (migrate.lock_key(schema),))
        waiting = run_migrate(database_url, schema, tmp_path)
        time.sleep(2.5)  # past the first word: the process is in its waiting loop
        assert waiting.poll() is None
        waiting.send_signal(signal.SIGTERM)
        output, _ = waiting.communicate(timeout=10)
    assert waiting.returncode != 0, output
