"""The log's hash chain: recorded at write time, and any change to a stored event detected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import psycopg
import pytest
from psycopg import sql

from infra import audit_chain
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo_calls import Plan, load_calls
from infra.territories import load_reference
from infra.views.base import LOG_TABLE


def logged(container: Container) -> list[int]:
    load_reference(container.operations, SystemClock())
    load_calls(container.contact_handler, Plan(40, date(2018, 4, 1), date(2018, 4, 5)))
    with container.database.connect() as conn:
        rows = conn.execute(
            sql.SQL("SELECT notification_id FROM {} ORDER BY notification_id").format(
                sql.Identifier(container.database.schema, LOG_TABLE)
            )
        ).fetchall()
    return [row[0] for row in rows]


def test_an_untouched_log_verifies_and_its_head_is_the_last_events_chain(
    container: Container,
) -> None:
    positions = logged(container)
    verdict = audit_chain.verify(container.database)
    assert verdict.intact, verdict
    assert verdict.events == len(positions)
    with container.database.connect() as conn:
        last = conn.execute(
            sql.SQL("SELECT chain FROM {} ORDER BY notification_id DESC LIMIT 1").format(
                sql.Identifier(container.database.schema, LOG_TABLE)
            )
        ).fetchone()
    assert last is not None
    assert bytes(last[0]) == verdict.head


def modify(conn: psycopg.Connection, table: sql.Composable, positions: list[int]) -> int:
    target = positions[len(positions) // 2]
    conn.execute(
        sql.SQL("UPDATE {} SET state = overlay(state placing '\\x20'::bytea from 2)"
                " WHERE notification_id = %s").format(table),
        (target,),
    )  # fmt: skip
    return target


def delete(conn: psycopg.Connection, table: sql.Composable, positions: list[int]) -> int:
    target = positions[len(positions) // 3]
    conn.execute(sql.SQL("DELETE FROM {} WHERE notification_id = %s").format(table), (target,))
    return positions[positions.index(target) + 1]  # the link after the gap breaks


def reorder(conn: psycopg.Connection, table: sql.Composable, positions: list[int]) -> int:
    first, second = positions[10], positions[20]
    swap = sql.SQL("UPDATE {} SET notification_id = %s WHERE notification_id = %s").format(table)
    conn.execute(swap, (-1, first))
    conn.execute(swap, (first, second))
    conn.execute(swap, (second, -1))
    return first


@pytest.mark.parametrize("tamper", [modify, delete, reorder], ids=["modified", "deleted",
                                                                  "reordered"])  # fmt: skip
def test_a_changed_stored_event_is_found_at_the_first_broken_link(
    container: Container,
    tamper: Callable[[psycopg.Connection, sql.Composable, list[int]], int],
) -> None:
    positions = logged(container)
    table = sql.Identifier(container.database.schema, LOG_TABLE)
    with container.database.connect() as conn:
        expected = tamper(conn, table, positions)
    verdict = audit_chain.verify(container.database)
    assert not verdict.intact
    assert verdict.broken_at == expected
    assert verdict.events == positions.index(expected) - (tamper is delete)


def test_events_stored_before_the_chain_existed_are_chained_once(container: Container) -> None:
    positions = logged(container)
    table = sql.Identifier(container.database.schema, LOG_TABLE)
    with container.database.connect() as conn:
        conn.execute(
            sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(audit_chain.TRIGGER), table)
        )
        conn.execute(sql.SQL("UPDATE {} SET chain = NULL").format(table))
    assert audit_chain.verify(container.database).broken_at == positions[0]
    audit_chain.install(container.database)
    load_calls(container.contact_handler, Plan(5, date(2018, 5, 1), date(2018, 5, 2)))
    verdict = audit_chain.verify(container.database)
    assert verdict.intact, verdict
    assert verdict.events == len(positions) + 5
