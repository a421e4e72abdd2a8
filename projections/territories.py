"""The territory read model: each place with its parent and every ancestor, groupings included."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.territories import Territory
from projections.base import Positioned

TOPICS = tuple(
    get_topic(cls)
    for cls in (Territory.Defined, Territory.Renamed, Territory.Moved, Territory.MergedInto)
)


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


@dataclass(frozen=True)
class ParentLink:
    """From `valid_from` (None: since always) `code` lies in `parent_code`, until its next link."""

    code: str
    parent_code: str | None
    valid_from: date | None
    position: int
    recorded_at: datetime


HIERARCHY_FACTS = (Territory.Moved, Territory.MergedInto)


def parent_link(item: Positioned, code: str) -> ParentLink | None:
    event = item.event
    if isinstance(event, Territory.Defined):
        return ParentLink(event.code, event.parent_code, None, item.position, event.timestamp)
    if isinstance(event, Territory.Moved):
        return ParentLink(
            code, event.parent_code, event.effective_from, item.position, event.timestamp
        )
    if isinstance(event, Territory.MergedInto):
        return ParentLink(
            code, event.target_code, event.effective_from, item.position, event.timestamp
        )
    return None


def parents_at(links: Iterable[ParentLink], day: date | None) -> dict[str, str | None]:
    """Each territory's parent on `day` (None: the latest recorded)."""
    chosen: dict[str, ParentLink] = {}
    for link in links:
        if day is not None and link.valid_from is not None and link.valid_from > day:
            continue
        current = chosen.get(link.code)
        if current is None or _later(link, current):
            chosen[link.code] = link
    return {code: link.parent_code for code, link in chosen.items()}


def _later(link: ParentLink, other: ParentLink) -> bool:
    mine = (link.valid_from or date.min, link.position)
    theirs = (other.valid_from or date.min, other.position)
    return mine > theirs
