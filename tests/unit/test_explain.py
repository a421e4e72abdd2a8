"""Which errors a command explains as a database it cannot reach, and how."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import OperationalError as StoreOperationalError

from infra.cli.explain import unreachable_database, unusable_file
from infra.settings import Settings


@pytest.fixture
def external(tmp_path: Path) -> Settings:
    return Settings.from_environ({
        "GUICHET_DATABASE_URL": "postgresql://guichet:hunter2@db.example:6543/guichet",
        "GUICHET_DATA_DIR": str(tmp_path),
    })  # fmt: skip


def test_a_connection_failure_is_one_line_naming_the_url_setting(external: Settings) -> None:
    error = psycopg.OperationalError(
        'connection failed: connection to server at "10.0.0.9", port 6543 failed: '
        "Connection refused\n\tIs the server running on that host?"
    )
    line = unreachable_database(error, external)
    assert line == (
        "cannot connect to the database at db.example:6543/guichet (GUICHET_DATABASE_URL): "
        'connection to server at "10.0.0.9", port 6543 failed: Connection refused; '
        "Is the server running on that host?"
    )


def test_the_event_store_s_wrapping_is_seen_through(external: Settings) -> None:
    wrapped = StoreOperationalError("could not connect")
    wrapped.__cause__ = psycopg.errors.ConnectionTimeout("connection timeout expired")
    line = unreachable_database(wrapped, external)
    assert line is not None
    assert line.endswith(": connection timeout expired")
    assert "hunter2" not in line


@pytest.mark.parametrize(
    "error",
    [psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
     psycopg.errors.LockNotAvailable("could not obtain lock"), ValueError("not a database")],
)  # fmt: skip
def test_errors_of_statements_are_not_taken_for_an_unreachable_database(
    external: Settings, error: Exception
) -> None:
    assert unreachable_database(error, external) is None


def test_the_embedded_database_is_named_by_its_data_directory(tmp_path: Path) -> None:
    embedded = Settings.from_environ({"GUICHET_DATA_DIR": str(tmp_path)})
    line = unreachable_database(psycopg.OperationalError("server closed the connection"), embedded)
    assert line == (
        f"cannot connect to the embedded database in {tmp_path / 'postgres'} "
        "(GUICHET_DATA_DIR): server closed the connection"
    )


def test_only_files_of_the_settings_are_explained(external: Settings, tmp_path: Path) -> None:
    inside = PermissionError(13, "Permission denied", str(tmp_path / "tokens"))
    assert unusable_file(inside, external) == (
        f"cannot use {tmp_path / 'tokens'}: Permission denied (GUICHET_DATA_DIR)"
    )
    assert unusable_file(PermissionError(13, "Permission denied", "/etc/shadow"), external) is None
    assert unusable_file(OSError("no file"), external) is None
