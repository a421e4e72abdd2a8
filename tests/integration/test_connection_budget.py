"""The warning a process logs when its connections would bring the server near its limit."""

from __future__ import annotations

import logging

import psycopg
import pytest

from infra import budget
from infra.database import Database


def max_connections(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT current_setting('max_connections')::int").fetchone()
    assert row is not None
    return int(row[0])


def test_a_budget_past_max_connections_is_one_warning_naming_the_settings(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database.from_url(database_url, "guichet")
    most = max_connections(database_url)

    with caplog.at_level(logging.WARNING, logger="infra.budget"):
        budget.warn_if_near(database, most)

    [record] = caplog.records
    assert f"max_connections ({most}" in record.message
    assert "GUICHET_POOL_SIZE" in record.message
    assert "\n" not in record.message


def test_a_budget_well_within_max_connections_says_nothing(database_url: str) -> None:
    database = Database.from_url(database_url, "guichet")

    assert budget.warning(database, 5) is None
    assert budget.warning(database, int(max_connections(database_url) * 0.95)) is not None
