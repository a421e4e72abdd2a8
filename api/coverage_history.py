"""Coverage over time in GraphQL: the places covered on a day, a place's timeline, the places
gained and lost, and the population covered, each as known now or at a past recording time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.cost import TERRITORIES
from api.coverage import (
    AS_KNOWN_AT,
    CHANNEL,
    MAX_POINTS,
    TERRITORY,
    CoverageAgreementType,
)
from api.described import CONSISTENT_WITH, outcomes
from api.errors import EXPECTED, ConsistencyTimeoutError, InvalidInputError, as_error
from api.moments import read_day, read_optional_moment
from api.pagination import AFTER, Connection, first_argument, first_of, in_memory
from api.territories import Territory, in_code_order
from api.vocabulary import Channel, Granularity, TerritoryKind
from domain import limits
from domain.coverage import Channel as DomainChannel
from domain.errors import InvalidInput
from domain.territories import TerritoryKind as DomainTerritoryKind
from domain.text import check
from projections.coverage import (
    ONE_DAY,
    AgreementVersion,
    boundaries,
    changes,
    covered_territories,
    periods,
    population_series,
    timeline,
)
from projections.territories import TerritoryRow, TerritorySnapshot, as_then


@strawberry.type(description="How many places of one kind are covered, and their people.")
class KindTotal:
    kind: TerritoryKind = strawberry.field(description="The kind.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="How many places of that kind are covered.")
    population: int = strawberry.field(
        description="Their people, summed from their populations (0 where unknown)."
    )


@strawberry.type(description="Covered places of the kind asked, in code order.")
class CoveredTerritories(Connection[Territory]):
    at: date = strawberry.field(description="The day asked (YYYY-MM-DD).")
    channel: Channel = strawberry.field(description="The channel asked.")  # type: ignore[valid-type]
    population: int = strawberry.field(description="Sum of the listed places' populations.")
    totals: list[KindTotal] = strawberry.field(description="Covered places of every kind.")


@strawberry.type(description="A period a place is covered by the same agreements.")
class CoverageInterval:
    start: date = strawberry.field(name="from", description="Its first day covered.")
    until: date | None = strawberry.field(description="First day not covered; null: still.")
    last_covered_day: date | None = strawberry.field(
        description="The day before `until`; null: still covered."
    )
    agreements: list[CoverageAgreementType] = strawberry.field(
        description="The agreements covering the place, or a place it lay in, in the period."
    )
    funders: list[str] = strawberry.field(description="Their funders, each once.")


@strawberry.type(description="The periods a place is covered on a channel, in date order.")
class CoverageTimeline:
    territory: str = strawberry.field(description="The place's code, as asked.")
    channel: Channel = strawberry.field(description="The channel asked.")  # type: ignore[valid-type]
    intervals: list[CoverageInterval] = strawberry.field(
        description="The periods covered; the gaps between them are not."
    )


@strawberry.type(description="A place gained or lost by the coverage on a day.")
class CoverageChangeType:
    date: date = strawberry.field(
        description="The first day it is covered (gained) or no longer covered (lost)."
    )
    territory: Territory = strawberry.field(description="The place, as it is now.")
    gained: bool = strawberry.field(description="True when gained, false when lost.")


@strawberry.type(description="Places gained or lost, by date, then code.")
class CoverageChanges(Connection[CoverageChangeType]):
    pass


@strawberry.type(description="The people covered on one day.")
class PopulationPoint:
    date: date = strawberry.field(description="The day (YYYY-MM-DD).")
    population: int = strawberry.field(
        description="People of the municipalities covered, summed (0 where unknown)."
    )
    municipalities: int = strawberry.field(description="How many municipalities are covered.")


@strawberry.type(description="The people covered over a period, point by point.")
class PopulationSeries:
    points: list[PopulationPoint] = strawberry.field(description="The points, in date order.")


PopulationResult = Annotated[
    PopulationSeries | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("PopulationCoveredResult", description=outcomes(
        "The series", InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip
CoveredResult = Annotated[
    CoveredTerritories | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("CoveredTerritoriesResult", description=outcomes(
        "A page of covered places", InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip
TimelineResult = Annotated[
    CoverageTimeline | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("CoverageTimelineResult", description=outcomes(
        "The timeline (InvalidInputError too for an unknown territory code)", InvalidInputError,
        ConsistencyTimeoutError,
    )),
]  # fmt: skip
ChangesResult = Annotated[
    CoverageChanges | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("CoverageChangesResult", description=outcomes(
        "A page of changes", InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip


FROM = strawberry.argument(name="from", description="The first day (YYYY-MM-DD).")
TO = strawberry.argument(description="The last day, included, not before `from` (YYYY-MM-DD).")


@dataclass(frozen=True)
class Known:
    """Every place and every agreement as known at a moment, read once per request."""

    territories: TerritorySnapshot
    agreements: list[AgreementVersion]

    @property
    def rows(self) -> dict[str, TerritoryRow]:
        return self.territories.rows


async def known(info: Info, as_known_at: datetime | None, after: int | None) -> Known:
    context = info.context
    await reach(context, ("coverage", "territories"), after)
    snapshot = await context.call(context.container.territories.snapshot)
    agreements = await context.call(context.container.coverage.agreements, as_known_at)
    return Known(snapshot, agreements)


def _code(found: Known, code: str) -> str:
    check("territory", code, max_length=limits.CODE_MAX)
    if code.strip() not in found.rows:
        raise InvalidInput("territory", f"{code!r} is not a known territory code")
    return code.strip()


def _span(start: date, end: date) -> None:
    read_day("from", start)
    read_day("to", end)
    if end < start:
        raise InvalidInput("to", f"{end} is before {start}")


@strawberry.type
class CoverageHistoryQuery:
    @strawberry.field(
        description="Places covered on a channel at a date, each where it lay that day (its "
        "parent and ancestors then), with population totals. Anyone."
    )
    async def covered_territories(
        self,
        info: Info,
        at: Annotated[date, strawberry.argument(description="The day (YYYY-MM-DD).")],
        channel: Annotated[Channel, CHANNEL],  # type: ignore[valid-type]
        kind: Annotated[TerritoryKind | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only places of this kind; left out: every kind."
        )] = None,
        as_known_at: Annotated[datetime | None, AS_KNOWN_AT] = None,
        first: Annotated[int, first_argument(TERRITORIES, TERRITORIES)] = TERRITORIES,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> CoveredResult:  # fmt: skip
        try:
            first_of(first, TERRITORIES)
            at = read_day("at", at)
            as_known_at = read_optional_moment("asKnownAt", as_known_at)
            found = await known(info, as_known_at, consistent_with)
            wanted = kind.value if kind is not None else None
            value = DomainChannel(channel).value
            covered = covered_territories(
                found.territories, found.agreements, value, at, wanted, as_known_at
            )
            places = [as_then(found.rows[place.code], place) for place in covered.places]
            return in_code_order(
                CoveredTerritories, places, first, after, at=at, channel=channel,
                population=covered.population,
                totals=[
                    KindTotal(kind=DomainTerritoryKind(t.kind), count=t.count,
                              population=t.population)
                    for t in covered.totals
                ],
            )  # fmt: skip
        except EXPECTED as error:
            return cast(CoveredResult, as_error(error))

    @strawberry.field(
        description="The periods a place is covered on a channel, with funders. Anyone."
    )
    async def coverage_timeline(
        self,
        info: Info,
        territory: Annotated[str, TERRITORY],
        channel: Annotated[Channel, CHANNEL],  # type: ignore[valid-type]
        as_known_at: Annotated[datetime | None, AS_KNOWN_AT] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> TimelineResult:
        try:
            as_known_at = read_optional_moment("asKnownAt", as_known_at)
            found = await known(info, as_known_at, consistent_with)
            code = _code(found, territory)
            snapshot = found.territories
            intervals = timeline(
                code, lambda day: snapshot.places_at(day, as_known_at), snapshot.epochs,
                found.agreements,
                DomainChannel(channel).value,
            )  # fmt: skip
            return CoverageTimeline(
                territory=code,
                channel=channel,
                intervals=[
                    CoverageInterval(
                        start=i.start,
                        until=i.end,
                        last_covered_day=i.end - ONE_DAY if i.end else None,
                        agreements=[CoverageAgreementType.of(a) for a in i.agreements],
                        funders=list(dict.fromkeys(a.funder for a in i.agreements)),
                    )
                    for i in intervals
                ],
            )
        except EXPECTED as error:
            return cast(TimelineResult, as_error(error))

    @strawberry.field(
        description="Places gained and lost on a channel after `from`, up to `to` included: "
        "each change says which (`gained`). Anyone."
    )
    async def coverage_changes(
        self,
        info: Info,
        start: Annotated[date, strawberry.argument(
            name="from", description="The day compared against (YYYY-MM-DD): changes after it."
        )],
        to: Annotated[date, TO],
        channel: Annotated[Channel, CHANNEL],  # type: ignore[valid-type]
        kind: Annotated[TerritoryKind, strawberry.argument(  # type: ignore[valid-type]
            description="The kind of places to list."
        )] = DomainTerritoryKind.MUNICIPALITY,
        as_known_at: Annotated[datetime | None, AS_KNOWN_AT] = None,
        first: Annotated[int, first_argument(TERRITORIES, TERRITORIES)] = TERRITORIES,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> ChangesResult:  # fmt: skip
        try:
            first_of(first, TERRITORIES)
            _span(start, to)
            as_known_at = read_optional_moment("asKnownAt", as_known_at)
            found = await known(info, as_known_at, consistent_with)
            snapshot = found.territories
            moves = changes(
                lambda day: snapshot.places_at(day, as_known_at), snapshot.epochs,
                found.agreements,
                DomainChannel(channel).value, start, to, DomainTerritoryKind(kind).value,
            )  # fmt: skip

            def shown(change: Any) -> CoverageChangeType:
                place = Territory.from_row(found.rows[change.place.code])
                return CoverageChangeType(date=change.day, territory=place, gained=change.gained)

            return in_memory(
                CoverageChanges, moves, first, after, tag="changes", shape=(date, str),
                key=lambda change: (change.day, change.place.code), node=shown,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(ChangesResult, as_error(error))

    @strawberry.field(
        description="People covered on a channel by day, month, year, or CHANGE: `from` and "
        "each later day an agreement starts or ends or the hierarchy changes. Anyone."
    )
    async def population_covered(
        self,
        info: Info,
        start: Annotated[date, FROM],
        to: Annotated[date, TO],
        channel: Annotated[Channel, CHANNEL],  # type: ignore[valid-type]
        granularity: Annotated[Granularity, strawberry.argument(
            description=f"How far apart the points are; at most {MAX_POINTS:,} points."
        )] = Granularity.MONTH,
        as_known_at: Annotated[datetime | None, AS_KNOWN_AT] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> PopulationResult:  # fmt: skip
        try:
            _span(start, to)
            as_known_at = read_optional_moment("asKnownAt", as_known_at)
            found = await known(info, as_known_at, consistent_with)
            value = DomainChannel(channel).value
            steps = [*boundaries(found.agreements, value), *found.territories.epochs]
            days = periods(start, to, granularity.value, steps)
            if len(days) > MAX_POINTS:
                raise InvalidInput(
                    "granularity", f"at most {MAX_POINTS:,} points; ask a coarser one"
                )
            series = [
                PopulationPoint(date=p.day, population=p.people, municipalities=p.municipalities)
                for p in population_series(
                    found.territories, found.agreements, value, days, as_known_at
                )
            ]
            return PopulationSeries(points=series)
        except EXPECTED as error:
            return cast(PopulationResult, as_error(error))
