"""Which database failures a client is told of: those it can retry, and only those."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing import persistence

from api.masking import unreachable
from tests.support.ports import free_port


def _wrapped(error: psycopg.Error) -> persistence.OperationalError:
    """The error as the event store raises it."""
    try:
        raise persistence.OperationalError(str(error)) from error
    except persistence.OperationalError as wrapped:
        return wrapped


def test_a_refused_connection_is_unreachable() -> None:
    closed = free_port()
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(f"host=127.0.0.1 port={closed} dbname=x", connect_timeout=2)
    assert unreachable(caught.value)
    assert unreachable(_wrapped(caught.value))


def test_a_connection_the_server_ended_is_unreachable(database_url: str) -> None:
    with (
        psycopg.connect(database_url, autocommit=True) as ended,
        psycopg.connect(database_url, autocommit=True) as admin,
    ):
        admin.execute("SELECT pg_terminate_backend(%s)", (ended.info.backend_pid,))
        with pytest.raises(psycopg.OperationalError) as caught:
            ended.execute("SELECT 1")
    assert unreachable(caught.value)


def test_a_cancelled_statement_is_a_fault_of_ours_not_an_outage(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 1")
        with pytest.raises(psycopg.OperationalError) as caught:
            conn.execute("SELECT pg_sleep(1)")
    assert caught.value.sqlstate == "57014"
    assert not unreachable(caught.value)
    assert not unreachable(_wrapped(caught.value))


def test_a_value_too_large_is_a_fault_of_ours_not_an_outage(database_url: str) -> None:
    with (
        psycopg.connect(database_url, autocommit=True) as conn,
        pytest.raises(psycopg.OperationalError) as caught,
    ):
        conn.execute("SELECT repeat('x', 1100000000)")  # past the 1 GB a value may hold
    assert str(caught.value.sqlstate).startswith("54")
    assert not unreachable(caught.value)


def test_other_errors_are_not_unreachable() -> None:
    assert not unreachable(ValueError("no"))
    assert not unreachable(None)
