"""Where the database is, and making sure Guichet's schema exists in it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

# Search needs accent folding, trigram similarity and edit distance.
EXTENSIONS = ("unaccent", "pg_trgm", "fuzzystrmatch")
# How long a request waits for a connection, in seconds. The event store tries a write ten
# times, so with the database down a write is refused after about 20 s and a read after 2 s;
# at 5 s a write waited 50 s, longer than the proxies in front of a service usually wait.
CONNECT_TIMEOUT = 2


@dataclass(frozen=True)
class Database:
    """Connection parameters, split out because the event store library wants them apart."""

    dbname: str
    host: str
    port: int
    user: str
    password: str
    schema: str
    url: str  # as given, for processes started with these settings

    @classmethod
    def from_url(cls, url: str, schema: str) -> Database:
        params = conninfo_to_dict(url)
        return cls(
            dbname=str(params.get("dbname") or "postgres"),
            host=str(params.get("host") or "localhost"),
            port=int(params.get("port") or 5432),
            user=str(params.get("user") or "postgres"),
            password=str(params.get("password") or ""),
            schema=schema,
            url=url,
        )

    @property
    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
        )

    def connect(self, *, autocommit: bool = True, timeout: int = 5) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, autocommit=autocommit, connect_timeout=timeout)

    def ensure_schema(self) -> None:
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            for extension in EXTENSIONS:
                # UniqueViolation: another process created it at the same moment.
                with contextlib.suppress(psycopg.errors.UniqueViolation):
                    conn.execute(
                        sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA public").format(
                            sql.Identifier(extension)
                        )
                    )

    def datastore(self, pool_size: int) -> PostgresDatastore:
        """A connection pool for read models, in Guichet's schema."""
        return PostgresDatastore(
            dbname=self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            schema=self.schema,
            pool_size=pool_size,
            max_overflow=pool_size,
            pre_ping=True,
            connect_timeout=CONNECT_TIMEOUT,
        )

    def event_store_env(self, pool_size: int) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size),
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "POSTGRES_LOCK_TIMEOUT": "10",
            # Off on purpose: with concurrent writers its insert function commits positions
            # out of order and subscribers skip events; the default path takes a table lock.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "CREATE_TABLE": "y",
        }
