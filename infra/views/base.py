"""A PostgreSQL read model whose rows and tracking position commit together."""

from __future__ import annotations

import hashlib
import logging
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor, sql

from projections.base import Positioned

LOG_NAME = "guichet"
# The event store's table, named by the library after the application (Operations.name).
LOG_TABLE = "guichet_events"
# `applied_in_database` for a view that applies every fact of the log in the database.
EVERY_TOPIC = ("*",)
# Advisory lock taken while view definitions are compared, so that processes starting
# together do not drop each other's new tables.
DEFINITIONS_LOCK = 2_110_001

log = logging.getLogger(__name__)


class PostgresView(PostgresTrackingRecorder):
    name: ClassVar[str]
    topics: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]
    applied_in_database: ClassVar[tuple[str, ...]] = ()

    # Columns (or "*": the whole table) a replay cannot reproduce and so does not compare.
    unreproducible: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, datastore: PostgresDatastore, log_schema: str | None = None) -> None:
        super().__init__(datastore, tracking_table_name=f"{self.name}_tracking")
        # The schema of the event log: the view's own, except for a replay's shadow views.
        self.log_schema = log_schema or datastore.schema
        self.sql_create_statements.extend(self.create_statements())

    @abstractmethod
    def create_statements(self) -> list[sql.Composed]: ...

    @abstractmethod
    def write(self, curs: Cursor[Any], page: Sequence[Positioned]) -> None: ...

    def table(self, name: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.datastore.schema), sql.Identifier(name))

    def create(self) -> None:
        """Creates the view's tables; tables made by another definition of the view (an older
        version of Guichet) are dropped first, so the runner replays the log into new ones."""
        digest = self.definition()
        with self.datastore.transaction(commit=True) as curs:
            # One process at a time compares and replaces definitions.
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (DEFINITIONS_LOCK,))
            curs.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, digest text NOT NULL)"
                ).format(self.table("guichet_views"))
            )
            curs.execute(
                sql.SQL("SELECT digest FROM {} WHERE name = %s").format(
                    self.table("guichet_views")
                ),
                (self.name,),
            )
            row = curs.fetchone()
            stale = (row is None and self._has_tables(curs)) or (
                row is not None and row["digest"] != digest
            )
            curs.execute(
                sql.SQL(
                    "INSERT INTO {} (name, digest) VALUES (%s, %s)"
                    " ON CONFLICT (name) DO UPDATE SET digest = EXCLUDED.digest"
                ).format(self.table("guichet_views")),
                (self.name, digest),
            )
        if stale:
            self.replace_stale()
        self.create_table()

    def definition(self) -> str:
        statements = [statement.as_string(None) for statement in self.create_statements()]
        text = "\n".join([*statements, *self.topics])
        return hashlib.sha256(text.encode()).hexdigest()

    def _has_tables(self, curs: Cursor[Any]) -> bool:
        curs.execute(
            "SELECT to_regclass(%s) AS found", (f"{self.datastore.schema}.{self.tables[0]}",)
        )
        row = curs.fetchone()
        return bool(row and row["found"])

    def replace_stale(self) -> None:
        log.warning(
            "projection %s: its tables were made by another version of Guichet; they are "
            "dropped and the log is replayed into new ones",
            self.name,
        )
        self.drop()

    def drop(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for name in (*self.tables, self.tracking_table_name):
                curs.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(self.table(name)))
        self.tracking_table_exists = False
        self.tracking_migration_previous = None
        self.tracking_migration_current = None

    def prepare(self) -> None:
        """Nothing outside PostgreSQL to make (see `View.prepare`)."""

    def caught_up(self) -> None:
        """Nothing to do at the head of the log (see `View.caught_up`)."""

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

    def decode(self, mapper: Mapper[UUID], stored: StoredEvent) -> Any:
        return mapper.to_domain_event(stored)

    def apply_page(self, page: Sequence[Positioned], start: int, end: int) -> None:
        with self.datastore.transaction(commit=True) as curs:
            # A view is derived data: if the server crashes before this commit reaches disk,
            # rows and tracking are lost together and the page is applied again from the log.
            curs.execute("SET LOCAL synchronous_commit = off")
            if self.applied_in_database and start < end:
                self.write_in_database(curs, start, end)
            if page:
                self.write(curs, page)
            self._insert_tracking(curs, Tracking(LOG_NAME, end))

    def load_in_database(self, start: int, end: int) -> int:
        """Loads one range of the log into fresh tables, once (see `ProjectionRunner`)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SET LOCAL synchronous_commit = off")  # derived data, as above
            self.write_in_database(curs, start, end, first_time=True)
            return max(curs.rowcount, 0)

    def write_in_database(
        self, curs: Cursor[Any], start: int, end: int, *, first_time: bool = False
    ) -> None:
        """Applies the facts of `applied_in_database` after `start` up to `end`, before the
        page's other facts (so only facts that come first in their stream qualify), and
        without effect when applied again. `first_time`: the range was never applied, so
        there are no rows to skip (skipping them costs a quarter of the insert)."""
        raise NotImplementedError(f"{self.name} applies no facts in the database")
