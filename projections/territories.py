"""The territory read model: each place with its parent and every ancestor, groupings included."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.territories import Territory
from projections.base import Positioned

TOPICS = (get_topic(Territory.Defined),)


@dataclass(frozen=True)
class TerritoryRow:
    code: str
    id: UUID
    name: str
    kind: str
    parent_code: str | None
    population: int | None
    groupings: list[str]
    ancestors: list[str]
    position: int


def defined_rows(page: Iterable[Positioned]) -> list[TerritoryRow]:
    return [
        TerritoryRow(
            code=item.event.code,
            id=item.event.originator_id,
            name=item.event.name,
            kind=item.event.kind,
            parent_code=item.event.parent_code,
            population=item.event.population,
            groupings=list(item.event.groupings),
            ancestors=[],
            position=item.position,
        )
        for item in page
        if isinstance(item.event, Territory.Defined)
    ]


def ancestors(
    code: str, parents: Mapping[str, str | None], groupings: Mapping[str, list[str]]
) -> list[str]:
    """Nearest first: the parent chain, and at each step the groupings that place belongs to.

    A borough of Montréal has Montréal, the CMM (Montréal's grouping), the agglomeration,
    the region and the province as ancestors: a service serving any of them serves it.
    """
    found: list[str] = []
    pending = [code]
    while pending:
        current = pending.pop(0)
        for above in [parents.get(current), *groupings.get(current, [])]:
            if above and above not in found and above != code:
                found.append(above)
                pending.append(above)
    return found
