"""The coverage history of the 211 this product was first built for, shipped as product data.

Each row of `coverage_history.csv` is an agreement or a later fact about it; each row of
`hierarchy_changes.csv` a dated move of a territory from one place to another (the territory
reference is the 2023 one). Dates are business dates; the facts are recorded when loaded, through
the same handler as every other write, so the overlap rule holds for them too. How the
sources' ambiguities were settled is in the README (Coverage).
"""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.handlers.coverage import (
    AgreeCoverage,
    CoverageHandler,
    ExtendCoverage,
    MoveTerritory,
)
from domain.operations import Operations
from infra.clock import Clock

ACTOR = "guichet:coverage-history"


def agreement_id(key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"guichet:coverage-history:{key}")


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("infra.reference").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def history() -> dict[UUID, list[AgreeCoverage | ExtendCoverage]]:
    """Each agreement's facts in order: the n-th is its version n."""
    facts: dict[UUID, list[AgreeCoverage | ExtendCoverage]] = {}
    for row in _rows("coverage_history.csv"):
        id = agreement_id(row["key"])
        if row["action"] == "agreed":
            start = _date(row["effective_from"])
            assert start is not None, f"{row['key']}: an agreement needs its start"
            facts[id] = [
                AgreeCoverage(
                    id,
                    tuple(row["territories"].split(";")),
                    tuple(row["channels"].split(";")),
                    start,
                    _date(row["effective_until"]),
                    row["funder"],
                    row["programme"] or None,
                    row["reason"],
                )
            ]
        elif row["action"] == "extended":
            version = len(facts[id])
            facts[id].append(
                ExtendCoverage(id, version, _date(row["effective_until"]), row["reason"])
            )
        else:
            raise ValueError(f"{row['key']}: unknown action {row['action']!r}")
    return facts


def moves() -> list[MoveTerritory]:
    found = []
    for row in _rows("hierarchy_changes.csv"):
        if row["change"] != "move":
            raise ValueError(f"{row['code']}: unknown change {row['change']!r}")
        found.append(
            MoveTerritory(
                row["code"],
                row["to_parent"],
                date.fromisoformat(row["effective_from"]),
                row["reason"],
                previous_parent_code=row["from_parent"],
            )
        )
    return found


def load_history(operations: Operations, clock: Clock) -> int:
    """Records the territories' dated moves, then the agreements' facts not yet in the log;
    returns how many agreements it recorded. Running it again records nothing more."""
    handler = CoverageHandler(operations)
    at = clock.now()
    for move in moves():
        handler.move(move, actor=ACTOR, at=at)
    recorded = 0
    for id, facts in history().items():
        for version, fact in enumerate(facts, start=1):
            if handler.version_of(id) >= version:
                continue
            if isinstance(fact, AgreeCoverage):
                handler.agree(fact, actor=ACTOR, at=at)
                recorded += 1
            else:
                handler.extend(fact, actor=ACTOR, at=at)
    return recorded
