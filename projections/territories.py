"""The territory read model: each place with its parent and every ancestor, groupings included,
and where each place lay on any date (`TerritorySnapshot`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str
    population: int | None
    ancestors: tuple[str, ...]

    def within(self, codes: set[str]) -> bool:
        return self.code in codes or any(code in codes for code in self.ancestors)


def as_then(row: TerritoryRow, place: Place) -> TerritoryRow:
    """The place's row with where it lay on the day `place` is of: its parent and ancestors
    then, not as last recorded (a parent always comes first among the ancestors)."""
    parent = place.ancestors[0] if row.parent_code and place.ancestors else None
    return replace(row, parent_code=parent, ancestors=list(place.ancestors))


class Places:
    """Every place, indexed by each code it is or lies in, so that the places an agreement
    covers are looked up rather than searched for."""

    def __init__(self, places: list[Place]) -> None:
        self.all = places
        self.by_code = {place.code: place for place in places}
        self.within: dict[str, list[Place]] = {}
        for place in places:
            for code in (place.code, *place.ancestors):
                self.within.setdefault(code, []).append(place)

    def covered(self, codes: set[str], kind: str | None) -> list[Place]:
        """The places of `kind` (any when None) that are, or lie in, one of `codes`."""
        found = {
            place.code: place
            for code in codes
            for place in self.within.get(code, ())
            if kind is None or place.kind == kind
        }
        return [found[code] for code in sorted(found)]


class TerritorySnapshot:
    """Every territory, and where each lay over time; places indexed once per period in which
    the hierarchy did not change."""

    def __init__(self, rows: dict[str, TerritoryRow], links: list[ParentLink]) -> None:
        self.rows = rows
        self.links = links
        self.epochs = sorted({link.valid_from for link in links if link.valid_from is not None})
        self._places: dict[date | None, Places] = {}
        self._known: dict[tuple[date | None, datetime], Places] = {}

    def epoch(self, day: date) -> date | None:
        started = [epoch for epoch in self.epochs if epoch <= day]
        return started[-1] if started else None

    def places_at(self, day: date, known_at: datetime | None = None) -> Places:
        """Places as they lay on `day`; with `known_at`, as the records stood then (places
        defined later do not exist, moves recorded later have not happened)."""
        epoch = self.epoch(day)
        if known_at is not None:
            key = (epoch, known_at)
            places = self._known.get(key)
            if places is None:
                if len(self._known) >= 256:
                    self._known.clear()
                known = [k for k in self.links if k.recorded_at <= known_at]
                places = self._known[key] = self._places_of(known, day)
            return places
        found = self._places.get(epoch)
        if found is None:
            found = self._places[epoch] = self._places_of(self.links, day)
        return found

    def _places_of(self, links: list[ParentLink], day: date) -> Places:
        parents = parents_at(links, day)
        groupings = {code: row.groupings for code, row in self.rows.items()}
        return Places(
            [
                Place(r.code, r.name, r.kind, r.population,
                      tuple(ancestors(r.code, parents, groupings)))
                for r in self.rows.values()
                if r.code in parents
            ]
        )  # fmt: skip
