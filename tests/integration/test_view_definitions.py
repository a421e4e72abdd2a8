"""Views whose definition changed between versions are replaced, and only those."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import psycopg
from psycopg import sql

from infra.bootstrap import Container
from tests.support.seed import register


def test_tables_of_an_older_definition_are_replaced_and_replayed(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    first = make_container(environ)
    id = uuid4()
    register(first.operations, 1, id)
    first.runners["directory"].catch_up()
    first.runners["history"].catch_up()
    schema = first.database.schema
    with psycopg.connect(first.database.conninfo, autocommit=True) as conn:
        # What an older version left: a table without a column, and its own definition.
        conn.execute(
            sql.SQL("ALTER TABLE {}.directory_organizations DROP COLUMN status").format(
                sql.Identifier(schema)
            )
        )
        conn.execute(
            sql.SQL("UPDATE {}.guichet_views SET digest = 'older' WHERE name = 'directory'").format(
                sql.Identifier(schema)
            )
        )
        conn.execute(
            sql.SQL("UPDATE {}.guichet_migration SET version = 'older'").format(
                sql.Identifier(schema)
            )
        )
    history_position = first.runners["history"].view.position()

    second = make_container(environ)

    assert second.directory.position() == 0
    assert second.history.position() == history_position  # unchanged views are kept
    second.runners["directory"].catch_up()
    row = second.directory.organization(id)
    assert row is not None
    assert row.status == "active"
