"""Registered GraphQL documents, asked for by the SHA-256 of their text.

Clients send `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "…"}}}` (the
form Apollo clients use) instead of the document; `guichet persisted add FILE` registers one.
Documents are kept in PostgreSQL, so every API process sees what any has registered, and
remembered by each process once read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.postgres import PostgresDatastore
from psycopg import sql

TABLE = "persisted_documents"


def digest(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True)
class Registered:
    sha256: str
    added_by: str
    added_at: datetime
    document: str


class PersistedDocuments:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self._known: dict[str, str] = {}
        self._table = sql.Identifier(datastore.schema, TABLE)

    def create(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (sha256 text PRIMARY KEY, document text NOT NULL,"
                " added_by text NOT NULL, added_at timestamptz NOT NULL)"
            ).format(self._table))  # fmt: skip

    def add(self, document: str, added_by: str, at: datetime) -> str:
        """Registers the document (again: no change) and gives its hash."""
        sha256 = digest(document)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING").format(
                    self._table
                ),
                (sha256, document, added_by, at),
            )
        return sha256

    def get(self, sha256: str) -> str | None:
        known = self._known.get(sha256)
        if known is not None:
            return known
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                sql.SQL("SELECT document FROM {} WHERE sha256 = %s").format(self._table), (sha256,)
            )
            row = curs.fetchone()
        if row is None:
            return None
        self._known[sha256] = row["document"]
        return str(row["document"])

    def all(self) -> list[Registered]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(sql.SQL(
                "SELECT sha256, added_by, added_at, document FROM {} ORDER BY added_at, sha256"
            ).format(self._table))  # fmt: skip
            return [Registered(**row) for row in curs.fetchall()]
