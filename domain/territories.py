"""Territories: Québec's administrative places, their hierarchy, and groupings such as the CMM."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInput
from domain.events import Fact


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
        if not code.strip():
            raise InvalidInput("code", "a territory needs its official code")
        if not name.strip():
            raise InvalidInput("name", f"territory {code} needs a name")
        if parent_code == code:
            raise InvalidInput("parent_code", f"territory {code} cannot be its own parent")
        if population is not None and population < 0:
            raise InvalidInput("population", f"territory {code} has a negative population")
        return cls._create(
            cls.Defined,
            id=territory_id(code),
            timestamp=at,
            code=code,
            name=name.strip(),
            kind=kind.value,
            parent_code=parent_code,
            population=population,
            groupings=sorted(set(groupings)),
            actor=actor,
            occurred_at=at,
        )
