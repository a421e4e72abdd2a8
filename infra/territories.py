"""The Québec territory reference shipped with Guichet, loaded into the log as events."""

from __future__ import annotations

import csv
from importlib import resources

from domain.handlers.coverage import CoverageHandler, DefineTerritories
from domain.operations import Operations
from domain.territories import TerritoryKind, TerritorySpec, territory_id
from infra.clock import Clock

ACTOR = "guichet:reference"


def reference_territories() -> list[TerritorySpec]:
    """Parents come before their children, so each page of the log can be applied in order."""
    text = resources.files("infra.reference").joinpath("territories.csv").read_text("utf-8")
    specs = [
        TerritorySpec(
            code=row["code"],
            name=row["name"],
            kind=TerritoryKind(row["kind"]),
            parent_code=row["parent_code"] or None,
            population=int(row["population"]) if row["population"] else None,
            groupings=tuple(code for code in row["groupings"].split(";") if code),
        )
        for row in csv.DictReader(text.splitlines())
    ]
    depth = {spec.code: 0 for spec in specs}
    parents = {spec.code: spec.parent_code for spec in specs}
    for code in depth:
        parent = parents[code]
        while parent:
            depth[code] += 1
            parent = parents.get(parent)
    return sorted(specs, key=lambda spec: depth[spec.code])


def reference_loaded(operations: Operations) -> bool:
    """Territories are defined in order, so the last one present means all are."""
    return territory_id(reference_territories()[-1].code) in operations.repository


def load_reference(operations: Operations, clock: Clock) -> tuple[int, int]:
    """Defines every reference territory not yet in the log; returns (defined, position)."""
    command = DefineTerritories(tuple(reference_territories()))
    defined = CoverageHandler(operations).define(command, actor=ACTOR, at=clock.now())
    return defined.new, defined.position
