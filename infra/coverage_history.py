"""The coverage history of the 211 this product was first built for, shipped as product data.

Each row is an agreement or a later fact about it; dates are business dates, the facts are
recorded when loaded. How the sources' ambiguities were settled is in the README (Coverage).
"""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.coverage import CoverageAgreement
from domain.operations import Operations
from infra.clock import Clock

ACTOR = "guichet:coverage-history"


def agreement_id(key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"guichet:coverage-history:{key}")


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def load_history(operations: Operations, clock: Clock) -> int:
    """Records the agreements not yet in the log; returns how many it recorded."""
    text = resources.files("infra.reference").joinpath("coverage_history.csv").read_text("utf-8")
    at = clock.now()
    agreements: dict[str, CoverageAgreement] = {}
    for row in csv.DictReader(text.splitlines()):
        key = row["key"]
        if row["action"] == "agreed":
            start = _date(row["effective_from"])
            assert start is not None, f"{key}: an agreement needs its start"
            agreements[key] = CoverageAgreement.agree(
                agreement_id(key), row["territories"].split(";"), row["channels"].split(";"),
                start, _date(row["effective_until"]), row["funder"], row["programme"] or None,
                row["reason"], actor=ACTOR, at=at,
            )  # fmt: skip
        elif row["action"] == "extended":
            agreements[key].extend(_date(row["effective_until"]), row["reason"], actor=ACTOR, at=at)
        else:
            raise ValueError(f"{key}: unknown action {row['action']!r}")
    recorded = 0
    for agreement in agreements.values():
        if agreement.id in operations.repository:
            continue
        operations.agree_coverage(agreement)
        recorded += 1
    return recorded
