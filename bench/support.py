"""What every benchmark needs: a database of its own, dropped afterwards."""

from __future__ import annotations

import os
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
        schema = f"bench_{int(time.time())}"
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
        container = Container(settings, database, tokens_for(settings))
        stack.callback(drop, database)
        stack.callback(container.close)
        yield container


def drop(database: Database) -> None:
    with psycopg.connect(database.conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(database.schema)))
