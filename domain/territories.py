"""Territories: Québec's administrative places, their hierarchy, and groupings such as the CMM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import limits
from domain.errors import InvalidInput
from domain.events import Fact
from domain.moments import EARLIEST, check_day
from domain.text import check, parse_optional_text, parse_text


class TerritoryKind(StrEnum):
    PROVINCE = "province"
    REGION = "region"
    MRC = "mrc"
    AGGLOMERATION = "agglomeration"
    METROPOLITAN_COMMUNITY = "metropolitan_community"
    MUNICIPALITY = "municipality"
    BOROUGH = "borough"


def territory_id(code: str) -> UUID:
    """Territories are known by their official code; the id follows from it."""
    return uuid5(NAMESPACE_URL, f"guichet:territory:{code}")


class Territory(Aggregate):
    TOPIC = "guichet.Territory"

    class Event(Fact):
        pass

    class Defined(Aggregate.Created, Event):
        TOPIC = "guichet.Territory.Defined"
        code: str
        name: str
        kind: str
        parent_code: str | None
        population: int | None
        groupings: list[str]

    Created = Defined

    @event(Defined)
    def __init__(
        self,
        code: str,
        name: str,
        kind: str,
        parent_code: str | None,
        population: int | None,
        groupings: list[str],
        actor: str,
        occurred_at: datetime,
    ) -> None:
        self.code = code
        self.name = name
        self.kind = TerritoryKind(kind)
        self.parent_code = parent_code
        self.population = population
        self.groupings = list(groupings)

    @classmethod
    def define(
        cls,
        code: str,
        name: str,
        kind: TerritoryKind,
        parent_code: str | None,
        population: int | None,
        groupings: list[str],
        *,
        actor: str,
        at: datetime,
    ) -> Territory:
        _code("code", code)
        if parent_code is not None:
            _code("parent_code", parent_code)
        limits.bounded("groupings", groupings, limits.GROUPINGS_MAX)
        for index, grouping in enumerate(groupings):
            _code(f"groupings[{index}]", grouping)
        name = _name(code, name)
        if parent_code == code:
            raise InvalidInput("parent_code", f"territory {code} cannot be its own parent")
        if population is not None and population < 0:
            raise InvalidInput("population", f"territory {code} has a negative population")
        return cls._create(
            cls.Defined,
            id=territory_id(code),
            timestamp=at,
            code=code,
            name=name,
            kind=kind.value,
            parent_code=parent_code,
            population=population,
            groupings=sorted(set(groupings)),
            actor=actor,
            occurred_at=at,
        )

    # Changes to the hierarchy take effect on a business date: coverage asked at an earlier
    # date still sees the territory where it was then.

    class Renamed(Event):
        TOPIC = "guichet.Territory.Renamed"
        name: str
        effective_from: date
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Territory)
            aggregate.name = self.name

    class Moved(Event):
        TOPIC = "guichet.Territory.Moved"
        parent_code: str
        effective_from: date
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Territory)
            aggregate.parent_code = self.parent_code

    class MergedInto(Event):
        """The territory ceased on that date; its area is part of `target_code` from then."""

        TOPIC = "guichet.Territory.MergedInto"
        target_code: str
        effective_from: date
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Territory)
            aggregate.merged_into = self.target_code

    merged_into: str | None = None

    def _require_current(self) -> None:
        if self.merged_into is not None:
            raise InvalidInput("code", f"{self.code} was merged into {self.merged_into}")

    def rename(
        self, name: str, effective_from: date, reason: str | None, *, actor: str, at: datetime
    ) -> None:
        self._require_current()
        check_day("effectiveFrom", effective_from)
        self.trigger_event(
            self.Renamed, name=_name(self.code, name), effective_from=effective_from,
            reason=_reason(reason),
            actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip

    def move(
        self, parent_code: str, effective_from: date, reason: str | None, *, actor: str,
        at: datetime,
    ) -> None:  # fmt: skip
        self._require_current()
        check_day("effectiveFrom", effective_from)
        _code("parentCode", parent_code)
        if parent_code == self.code:
            raise InvalidInput("parentCode", f"territory {self.code} cannot be its own parent")
        if parent_code == self.parent_code:
            raise InvalidInput("parentCode", f"territory {self.code} is already in {parent_code}")
        self.trigger_event(
            self.Moved, parent_code=parent_code, effective_from=effective_from,
            reason=_reason(reason),
            actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip

    def merge_into(
        self, target_code: str, effective_from: date, reason: str | None, *, actor: str,
        at: datetime,
    ) -> None:  # fmt: skip
        self._require_current()
        check_day("effectiveFrom", effective_from)
        _code("targetCode", target_code)
        if target_code == self.code:
            raise InvalidInput("targetCode", f"territory {self.code} cannot merge into itself")
        self.trigger_event(
            self.MergedInto, target_code=target_code, effective_from=effective_from,
            reason=_reason(reason), actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip


def _code(field: str, code: str) -> None:
    """An official code is taken as it is: refused, never changed."""
    check(field, code, max_length=limits.CODE_MAX)
    if not code.strip():
        raise InvalidInput(field, "a territory needs its official code")


def _name(code: str, name: str) -> str:
    cleaned = parse_text("name", name, max_length=limits.NAME_MAX)
    if not cleaned:
        raise InvalidInput("name", f"territory {code} needs a name")
    return cleaned


def _reason(reason: str | None) -> str | None:
    return parse_optional_text("reason", reason, max_length=limits.REASON_MAX)


def parent_on(facts: Iterable[object], day: date) -> str | None:
    """The place one territory lay in on `day`, from its facts in the order recorded: its
    definition holds since always, each move or merger from its date; of two facts dated the
    same day, the later recorded wins."""
    parent: tuple[date, int, str | None] | None = None
    for order, fact in enumerate(facts):
        if isinstance(fact, Territory.Defined):
            link = (EARLIEST, order, fact.parent_code)
        elif isinstance(fact, Territory.Moved) and fact.effective_from <= day:
            link = (fact.effective_from, order, fact.parent_code)
        elif isinstance(fact, Territory.MergedInto) and fact.effective_from <= day:
            link = (fact.effective_from, order, fact.target_code)
        else:
            continue
        if parent is None or link[:2] > parent[:2]:
            parent = link
    return parent[2] if parent is not None else None


@dataclass(frozen=True)
class TerritorySpec:
    code: str
    name: str
    kind: TerritoryKind
    parent_code: str | None
    population: int | None
    groupings: tuple[str, ...] = ()
