"""The coverage history of the 211 this product was first built for, shipped as product data.

Each row of `coverage_history.csv` is an agreement or a later fact about it; each row of
`hierarchy_changes.csv` a dated move of a territory from one place to another (the territory
reference is the 2023 one). Dates are business dates; the facts are recorded when loaded, through
the same handler as every other write, so the overlap rule holds for them too. How the
sources' ambiguities were settled is in the README (Coverage).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from importlib import resources
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import InvalidInput
from domain.handlers.coverage import (
    AgreeCoverage,
    CoverageHandler,
    ExtendCoverage,
    MoveTerritory,
)
from domain.operations import Operations
from domain.territories import Territory, territory_id
from infra.clock import Clock

ACTOR = "guichet:coverage-history"


def agreement_id(key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"guichet:coverage-history:{key}")


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("infra.reference").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def history() -> dict[str, list[AgreeCoverage | ExtendCoverage]]:
    """Each agreement's facts in order, by the agreement's key: the n-th is its version n."""
    facts: dict[str, list[AgreeCoverage | ExtendCoverage]] = {}
    for row in _rows("coverage_history.csv"):
        key = row["key"]
        id = agreement_id(key)
        if row["action"] == "agreed":
            start = _date(row["effective_from"])
            assert start is not None, f"{key}: an agreement needs its start"
            facts[key] = [
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
            version = len(facts[key])
            facts[key].append(
                ExtendCoverage(id, version, _date(row["effective_until"]), row["reason"])
            )
        else:
            raise ValueError(f"{key}: unknown action {row['action']!r}")
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


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a load recorded, and each fact of the history the rules refused (with why)."""

    agreements: int
    moves: int
    refused: tuple[str, ...] = ()


def load_history(operations: Operations, clock: Clock) -> Loaded:
    """Records the territories' dated moves, then the agreements' facts not yet in the log.
    An agreement the rules refuse (it overlaps one recorded by hand, say) is left out with its
    later facts, and named in `refused`, and so is a move the log's facts contradict; the
    others are recorded. Running it again records nothing more, and undoes no correction
    made by hand since."""
    handler = CoverageHandler(operations)
    at = clock.now()
    moved, refused = 0, []
    for move in moves():
        if _loaded_before(operations, move):
            continue  # a later correction by hand stands: the history does not undo it
        try:
            before = handler.version_of(territory_id(move.code))
            moved += handler.move(move, actor=ACTOR, at=at).version > before
        except InvalidInput as error:
            refused.append(
                f"the move of {move.code} from {move.previous_parent_code} to "
                f"{move.parent_code} on {move.effective_from}: {_reason(error)}"
            )
    recorded = 0
    for key, facts in history().items():
        for version, fact in enumerate(facts, start=1):
            if handler.version_of(fact.id) >= version:
                continue
            try:
                if isinstance(fact, AgreeCoverage):
                    handler.agree(fact, actor=ACTOR, at=at)
                    recorded += 1
                else:
                    handler.extend(fact, actor=ACTOR, at=at)
            except InvalidInput as error:
                refused.append(f"{_described(key, facts[0], fact)}: {_reason(error)}")
                break
    return Loaded(recorded, moved, tuple(refused))


def _loaded_before(operations: Operations, move: MoveTerritory) -> bool:
    """Whether an earlier load recorded this move of the history."""
    return any(
        isinstance(fact, Territory.Moved)
        and fact.actor == ACTOR
        and fact.effective_from == move.effective_from
        and fact.parent_code == move.parent_code
        for fact in operations.events.get(territory_id(move.code))
    )


def _described(key: str, agreed: AgreeCoverage | ExtendCoverage, fact: object) -> str:
    assert isinstance(agreed, AgreeCoverage)
    until = agreed.effective_until
    what = (
        f"agreement {key!r} of {agreed.funder} ({', '.join(agreed.territories)} by "
        f"{', '.join(agreed.channels)}, from {agreed.effective_from} "
        f"{f'until {until}' if until else 'open-ended'})"
    )
    if isinstance(fact, ExtendCoverage):
        return f"the extension to {fact.effective_until or 'open-ended'} of the {what}"
    return f"the {what}"


def _reason(error: InvalidInput) -> str:
    return error.message.removeprefix(f"{error.field}: ")
