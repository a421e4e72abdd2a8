"""Event logs for handler tests: the event store's own in-memory store, with territories known."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.handlers.coverage import CoverageHandler, DefineTerritories
from domain.operations import Operations
from domain.territories import TerritoryKind, TerritorySpec

LAVAL = TerritorySpec("65005", "Laval", TerritoryKind.MRC, None, 400_000)
DEFINED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def log_knowing(*territories: TerritorySpec) -> Operations:
    """A fresh in-memory log in which `territories` are defined."""
    operations = Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    CoverageHandler(operations).define(
        DefineTerritories(territories), actor="reference", at=DEFINED_AT
    )
    return operations
