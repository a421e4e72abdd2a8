"""A PostgreSQL read model whose rows and tracking position commit together."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor, sql

from projections.base import Positioned

LOG_NAME = "guichet"


class PostgresView(PostgresTrackingRecorder):
    name: ClassVar[str]
    topics: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name=f"{self.name}_tracking")
        self.sql_create_statements.extend(self.create_statements())

    @abstractmethod
    def create_statements(self) -> list[sql.Composed]: ...

    @abstractmethod
    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None: ...

    def table(self, name: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.datastore.schema), sql.Identifier(name))

    def create(self) -> None:
        self.create_table()

    def drop(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for name in (*self.tables, self.tracking_table_name):
                curs.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(self.table(name)))
        self.tracking_table_exists = False
        self.tracking_migration_previous = None
        self.tracking_migration_current = None

    def rebuilt(self) -> None:
        """Called when a rebuild has replayed the whole log into fresh tables.

        Gives the first queries what autovacuum would give them later: statistics, a visibility
        map, and GIN indexes with their pending lists merged (a full pending list is scanned by
        every text search).
        """
        with self.datastore.get_connection() as conn:
            for name in self.tables:
                conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(self.table(name)))

    def position(self) -> int:
        return self.max_tracking_id(LOG_NAME) or 0

    def apply_page(self, page: Sequence[Positioned], position: int) -> None:
        with self.datastore.transaction(commit=True) as curs:
            # A view is derived data: if the server crashes before this commit reaches disk,
            # rows and tracking are lost together and the page is applied again from the log.
            curs.execute("SET LOCAL synchronous_commit = off")
            if page:
                self.write(curs, page)
            self._insert_tracking(curs, Tracking(LOG_NAME, position))
