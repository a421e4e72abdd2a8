"""Reading many aggregates from the event store in one query, for batch commands.

The library loads one aggregate per query; an import that checks thousands of records would
spend its time on round trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg import sql

from domain.operations import Operations


def _recorder(operations: Operations) -> PostgresAggregateRecorder:
    recorder = operations.recorder
    assert isinstance(recorder, PostgresAggregateRecorder)
    return recorder


def _stored(rows: Sequence[dict[str, Any]]) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in rows
    ]


def load_many(operations: Operations, ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
    """The current state of each aggregate among `ids` that exists."""
    if not ids:
        return {}
    recorder = _recorder(operations)
    statement = sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
    ).format(sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn:
        rows = conn.execute(statement, (list(ids),)).fetchall()
    found: dict[UUID, Aggregate] = {}
    for id, stored in groupby(_stored(rows), key=lambda event: event.originator_id):
        events = [operations.mapper.to_domain_event(event) for event in stored]
        aggregate = project_aggregate(None, events)
        if isinstance(aggregate, Aggregate):
            found[UUID(str(id))] = aggregate
    return found


def facts_of_topic(operations: Operations, topic: str) -> list[Any]:
    """Every fact of one kind, in log order."""
    recorder = _recorder(operations)
    statement = sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE topic = %s ORDER BY notification_id"
    ).format(sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn:
        rows = conn.execute(statement, (topic,)).fetchall()
    return [operations.mapper.to_domain_event(event) for event in _stored(rows)]


def known_ids(operations: Operations, ids: Sequence[UUID]) -> set[UUID]:
    """Which of `ids` have facts in the log."""
    if not ids:
        return set()
    recorder = _recorder(operations)
    statement = sql.SQL(
        "SELECT DISTINCT originator_id FROM {}.{} WHERE originator_id = ANY(%s)"
    ).format(sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn:
        rows = conn.execute(statement, (list(ids),)).fetchall()
    return {UUID(str(row["originator_id"])) for row in rows}
