"""A backup taken while contacts are logged, restored into a new data directory: the same log
up to the head the backup recorded, the same chain head, and views rebuilt identical to the
live ones (issue 22, acceptance 1). Each command runs as an operator runs it."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from psycopg import sql

from infra import replay
from infra.bootstrap import Container, tokens_for
from infra.clock import SystemClock
from infra.coverage_history import load_history
from infra.database import Database
from infra.demo import load_demo
from infra.demo_calls import Plan, load_calls, log_plan
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings
from infra.territories import load_reference
from tests.e2e.test_command import GUICHET, clean_env

LOG = "guichet_events"
ROWS = "SELECT count(*), coalesce(sum(hash_record_extended(ROW({c}), 0)), 0) FROM {t}"
EVENT = "notification_id, originator_id, originator_version, topic, state, chain"


def guichet(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [GUICHET, *args], env=clean_env(GUICHET_PROGRESS_EVERY="off", **environ),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done


class Writer(threading.Thread):
    """Logs contacts ten at a time until told to stop, counting its saves."""

    def __init__(self, container: Container) -> None:
        super().__init__(daemon=True)
        self.container = container
        self.saves = 0
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        def on_chunk(done: int) -> None:
            self.saves += 1
            if self.stopping.is_set():
                raise InterruptedError

        plan = Plan(100_000, date(2019, 1, 1), date(2019, 12, 31), seed=22)
        try:
            log_plan(self.container.contact_handler, plan, chunk=10, on_chunk=on_chunk)
        except InterruptedError:
            pass
        except BaseException as error:
            self.error = error

    def wait_for(self, saves: int) -> None:
        while self.saves < saves and self.is_alive():
            self.stopping.wait(0.01)
        assert self.error is None
        assert self.saves >= saves


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[Path, Container]]:
    """An embedded data directory whose log holds records, agreements, contacts, a token and
    a registered document."""
    data = tmp_path / "source"
    with EmbeddedPostgres(data) as url:
        environ = {"GUICHET_DATABASE_URL": url, "GUICHET_DATA_DIR": str(data)}
        settings = Settings.from_environ(environ)
        container = Container(settings, Database.from_url(url, "guichet"), tokens_for(settings))
        try:
            clock = SystemClock()
            load_reference(container.operations, clock)
            load_demo(container.directory_handler, clock.now())
            assert not load_history(container.operations, clock).refused
            load_calls(container.contact_handler, Plan(300, date(2018, 4, 1), date(2018, 4, 30)))
            container.persisted.add("{ __typename }", "test", clock.now())
            added = guichet("tokens", "add", "ops", "--role", "admin", "--output", "-",
                            GUICHET_DATA_DIR=str(data))  # fmt: skip
            assert added.returncode == 0, added.stderr
            yield data, container
        finally:
            container.close()


def digest(
    url: str, schema: str, table: str, columns: str, upto: int | None = None
) -> tuple[int, ...]:
    statement = sql.SQL(ROWS).format(c=sql.SQL(columns), t=sql.Identifier(schema, table))
    if upto is not None:
        statement = sql.SQL("{} WHERE notification_id <= {}").format(statement, sql.Literal(upto))
    with psycopg.connect(url) as conn:
        return tuple(conn.execute(statement).fetchone() or ())


def manifest_of(path: Path) -> dict[str, Any]:
    import tarfile

    with tarfile.open(path) as archive:
        member = archive.extractfile("manifest.json")
        assert member is not None
        return dict(orjson.loads(member.read()))


def test_a_backup_taken_while_contacts_are_logged_restores_the_same_log_and_views(
    source: tuple[Path, Container], tmp_path: Path
) -> None:
    data, container = source
    writer = Writer(container)
    writer.start()
    writer.wait_for(3)
    taken = guichet("backup", str(tmp_path / "while-writing.gbk"), GUICHET_DATA_DIR=str(data))
    during = writer.saves
    writer.wait_for(during + 3)
    writer.stopping.set()
    writer.join()
    assert taken.returncode == 0, taken.stderr
    manifest = manifest_of(tmp_path / "while-writing.gbk")
    head, chain = manifest["last_position"], manifest["chain_head"]
    assert 0 < head < container.head()  # contacts were logged before and after its snapshot
    with psycopg.connect(container.database.conninfo) as conn:
        stored = conn.execute(
            sql.SQL("SELECT chain FROM {} WHERE notification_id = %s").format(
                sql.Identifier("guichet", LOG)), (head,),
        ).fetchone()  # fmt: skip
    assert stored is not None
    assert bytes(stored[0]).hex() == chain
    assert f"chain head {chain}" in taken.stdout
    checked = guichet("backup", "--verify", str(tmp_path / "while-writing.gbk"))
    assert checked.returncode == 0, checked.stderr
    assert f"a whole Guichet backup; {manifest['events']:,} events" in checked.stdout

    restored = tmp_path / "restored"
    done = guichet("restore", str(tmp_path / "while-writing.gbk"), GUICHET_DATA_DIR=str(restored))
    assert done.returncode == 0, done.stderr
    assert f"chain intact, head {chain}" in done.stdout
    verified = guichet("audit", "verify", GUICHET_DATA_DIR=str(restored))
    assert verified.stdout.strip() == f"{manifest['events']:,} events, chain intact; head {chain}"
    with EmbeddedPostgres(restored) as url:
        assert digest(url, "guichet", LOG, EVENT) == digest(
            container.database.conninfo, "guichet", LOG, EVENT, upto=head
        )
        assert digest(url, "guichet", "persisted_documents", "sha256, document") == digest(
            container.database.conninfo, "guichet", "persisted_documents", "sha256, document"
        )
        replayed = guichet("replay", "--verify", GUICHET_DATA_DIR=str(restored))
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        for view in container.views:
            assert f"{view}: identical" in replayed.stdout
        listed = guichet("tokens", "list", GUICHET_DATA_DIR=str(restored))
        assert "ops" in listed.stdout
        assert "admin" in listed.stdout


def test_views_rebuilt_by_a_restore_match_the_live_views_row_for_row(
    source: tuple[Path, Container], tmp_path: Path
) -> None:
    data, container = source
    for runner in container.runners.values():
        runner.catch_up()
    backup = tmp_path / "quiet.gbk"
    assert guichet("backup", str(backup), GUICHET_DATA_DIR=str(data)).returncode == 0
    url = container.database.url
    # Into another schema of the same server, to compare each table with the live one.
    done = guichet("restore", str(backup), GUICHET_DATABASE_URL=url,
                   GUICHET_DATABASE_SCHEMA="copy", GUICHET_DATA_DIR=str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    compared = 0
    with psycopg.connect(url) as conn:
        for view in container.views.values():
            for table in view.tables:
                if "*" in view.unreproducible.get(table, ()):
                    continue
                columns = replay._columns(conn, view, table)
                live = replay._digest(conn, view.table(table), columns)
                copy = replay._digest(conn, sql.Identifier("copy", table), columns)
                assert copy == live, f"{view.name}: {table}"
                compared += live[0]
    assert compared > container.head()  # every view's rows, not empty tables
