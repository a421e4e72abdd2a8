"""What every benchmark needs: a database of its own, dropped afterwards."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from infra.bootstrap import Container, tokens_for
from infra.database import Database
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings


@contextmanager
def bench_container(**environ: str) -> Iterator[Container]:
    """GUICHET_DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory;
    a fresh schema either way, dropped at the end. `environ` adds settings."""
    with ExitStack() as stack:
        url = os.environ.get("GUICHET_DATABASE_URL")
        if not url:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            url = stack.enter_context(EmbeddedPostgres(data_dir))
        # The time, and a suffix: two runs in the same second never share (and drop) a schema.
        schema = f"bench_{int(time.time())}_{secrets.token_hex(3)}"
        settings = Settings.from_environ(
            # A benchmark is one caller asking as fast as it can: no rate limit.
            {
                "GUICHET_DATABASE_URL": url,
                "GUICHET_DATABASE_SCHEMA": schema,
                "GUICHET_RATE_LIMIT": "0",
                **environ,
            }
        )
        database = Database.from_url(url, schema)
        create(database)
        stack.callback(drop, database)
        container = Container(settings, database, tokens_for(settings))
        stack.callback(container.close)
        yield container


def create(database: Database) -> None:
    """Makes the schema, refusing one that exists: a benchmark drops only what it made."""
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(database.schema)))


def drop(database: Database) -> None:
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(database.schema)))
