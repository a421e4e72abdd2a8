"""The schema a restore goes into: refused while another process uses it, its log moved aside
when told, and moved back when the restore fails or is interrupted before it commits.

Moving aside, migrating and copying are not one transaction: the migration step makes the
tables through the connections of the stores and views (each its own session), so the rename
is undone instead, in one transaction (drop what the restore made, rename the old schema
back), with stop signals ignored while it runs. Every outcome says where the data is (`where`).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from infra import migrate
from infra.backup.archive import BackupError
from infra.backup.load import occupant
from infra.bootstrap import PROJECTIONS
from infra.database import Database
from infra.runner import view_lock_key
from infra.stopping import STOP_SIGNALS

# A session holding a lock on any of the schema's tables or views is using it.
_RELATION_USER = (
    "SELECT a.pid, a.application_name, a.backend_start, a.state"
    " FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
    " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE n.nspname = %s AND l.pid <> pg_backend_pid() ORDER BY a.backend_start LIMIT 1"
)


def user(database: Database) -> str | None:
    """The process using `database`'s schema (running a view, migrating it, or holding a lock
    on one of its tables), as an operator finds it in pg_stat_activity; None when unused."""
    locks = {f"projection {name}": view_lock_key(database.schema, name) for name in PROJECTIONS}
    locks["the migration lock"] = migrate.lock_key(database.schema)
    with database.connect() as conn:
        for what, key in locks.items():
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            if row and row[0]:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            else:
                return f"{migrate.holder(conn, key)} holds {what}"
        found = conn.execute(_RELATION_USER, (database.schema,)).fetchone()
    if found is None:
        return None
    pid, application, since, state = found
    since_text = since.isoformat(timespec="seconds") if since else "?"
    return (
        f"pid {pid} (application_name {application or ''!r}, connected since {since_text}, "
        f"{state or 'state unknown'}) holds a lock on one of its tables"
    )


class Room:
    """Where the data is, at every step of a restore (`where`, for its last line)."""

    def __init__(self, force: bool) -> None:
        self.force = force
        self.database: Database | None = None
        self.aside: str | None = None
        self.held = ""
        self.committed = False
        self.where = ""

    @contextmanager
    def entered(self, database: Database) -> Iterator[None]:
        """Refuses a schema in use, or holding a log unless forced (moved aside then); on any
        failure or interrupt before the copy commits, puts the old schema back."""
        self.database = database
        named = f"{database.host}:{database.port}/{database.dbname}"
        using = user(database)
        if using is not None:
            raise BackupError(
                f"the service is running on {named} (schema {database.schema}: {using}): stop "
                "it first (nothing changed)"
            )
        held = occupant(database)
        if held is not None and not self.force:
            raise BackupError(
                f"schema {database.schema} of {named} already holds {held}: restore into an "
                "empty database or schema, or pass --force to move this one aside"
            )
        if held is not None:
            self.aside, self.held = move_aside(database), held
            self.where = f"the data is in schema {self.aside} (moved aside)"
        try:
            yield
        except BaseException:
            if not self.committed:
                self._put_back()
            raise

    def restored(self) -> None:
        """The copy committed: the log is in the schema, the old one (if any) stays aside."""
        self.committed = True
        schema = self.database.schema if self.database else "?"
        if self.aside:
            self.where = (
                f"what schema {schema} held before ({self.held}) is in schema {self.aside}: "
                f"DROP SCHEMA {self.aside} CASCADE once the restore is checked"
            )

    def _put_back(self) -> None:
        if self.aside is None or self.database is None:
            return
        schema = self.database.schema
        previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
        try:
            put_back(self.database, self.aside)
        except psycopg.Error as error:
            self.where = (
                f"the data is in schema {self.aside}, which could not be "
                f"renamed back ({str(error).splitlines()[0]}): DROP SCHEMA {schema} CASCADE; "
                f"ALTER SCHEMA {self.aside} RENAME TO {schema}"
            )
        else:
            self.where = f"schema {schema} is as it was ({self.held}, moved back from {self.aside})"
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def move_aside(database: Database) -> str:
    """Renames the schema (every table and view in it) out of the way; its new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    aside = f"{database.schema}_before_{stamp}"
    with database.connect() as conn:
        conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
            sql.Identifier(database.schema), sql.Identifier(aside)))  # fmt: skip
    return aside


def put_back(database: Database, aside: str) -> None:
    """Drops what a failed restore made in the schema and renames the old one back, at once."""
    with database.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL lock_timeout = 0")
        schema = sql.Identifier(database.schema)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
        conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(aside), schema))
        conn.commit()
