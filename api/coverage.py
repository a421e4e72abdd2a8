"""Coverage in GraphQL: is a place covered on a channel at a date, as known now or then, and
the coverage over time (places covered, timelines, changes, population covered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.cost import TERRITORIES
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
    place_codes,
    population_series,
    timeline,
)
from projections.territories import TerritoryRow, TerritorySnapshot, as_then


@strawberry.type(description="A coverage agreement as it stood at the version shown.")
class CoverageAgreementType:
    id: strawberry.ID
    version: int
    territories: list[str]
    channels: list[str]
    effective_from: date
    effective_until: date | None = strawberry.field(
        description="The first day no longer covered (the end is excluded); null: open-ended."
    )
    last_covered_day: date | None
    funder: str
    programme: str | None
    recorded_at: datetime = strawberry.field(description="When this version was recorded.")

    @classmethod
    def of(cls, row: AgreementVersion) -> CoverageAgreementType:
        until = row.effective_until
        return cls(
            id=strawberry.ID(str(row.agreement_id)),
            version=row.version,
            territories=row.territories,
            channels=row.channels,
            effective_from=row.effective_from,
            effective_until=until,
            last_covered_day=until - timedelta(days=1) if until else None,
            funder=row.funder,
            programme=row.programme,
            recorded_at=row.recorded_at,
        )


@strawberry.type
class Coverage:
    territory: str
    channel: Channel  # type: ignore[valid-type]
    at: date
    as_known_at: datetime | None
    covered: bool
    agreements: list[CoverageAgreementType] = strawberry.field(
        description="The agreements covering the place, or a place it lies in, on that date."
    )


CoverageResult = Annotated[
    Coverage | InvalidInputError | ConsistencyTimeoutError, strawberry.union("CoverageResult")
]


@strawberry.type
class CoverageQuery:
    @strawberry.field(
        description="Whether a place is covered on a channel at a date; with asKnownAt, as the "
        "records stood at that recording time."
    )
    async def coverage(
        self,
        info: Info,
        territory: str,
        channel: Channel,  # type: ignore[valid-type]
        at: date,
        as_known_at: datetime | None = None,
        consistent_with: int | None = None,
    ) -> CoverageResult:
        context = info.context
        try:
            check("territory", territory, max_length=limits.CODE_MAX)
            at = read_day("at", at)
            as_known_at = read_optional_moment("asKnownAt", as_known_at)
            await reach(context, ("coverage", "territories"), consistent_with)
            code = territory.strip()
            container = context.container

            def read() -> list[AgreementVersion] | None:
                # One worker-thread hop for both reads: this query is the one asked most.
                snapshot = container.territories.snapshot()
                codes = place_codes(snapshot, code, at, as_known_at)
                if not codes:
                    return None if codes is None else []
                value = DomainChannel(channel).value
                return container.coverage.covering(codes, value, at, as_known_at)

            found = await context.call(read)
            if found is None:
                raise InvalidInput("territory", f"{territory!r} is not a known territory code")
            return Coverage(
                territory=code, channel=channel, at=at, as_known_at=as_known_at,
                covered=bool(found), agreements=[CoverageAgreementType.of(row) for row in found],
            )  # fmt: skip
        except EXPECTED as error:
            return cast(CoverageResult, as_error(error))


MAX_POINTS = 5_000


@strawberry.type
class KindTotal:
    kind: TerritoryKind  # type: ignore[valid-type]
    count: int
    population: int


@strawberry.type(description="Covered places of the kind asked, in code order.")
class CoveredTerritories(Connection[Territory]):
    at: date
    channel: Channel  # type: ignore[valid-type]
    population: int = strawberry.field(description="Sum of the listed places' populations.")
    totals: list[KindTotal] = strawberry.field(description="Covered places of every kind.")


@strawberry.type
class CoverageInterval:
    start: date = strawberry.field(name="from")
    until: date | None = strawberry.field(description="First day not covered; null: still.")
    last_covered_day: date | None
    agreements: list[CoverageAgreementType]
    funders: list[str]


@strawberry.type
class CoverageTimeline:
    territory: str
    channel: Channel  # type: ignore[valid-type]
    intervals: list[CoverageInterval]


@strawberry.type
class CoverageChangeType:
    date: date
    territory: Territory
    gained: bool


@strawberry.type(description="Places gained or lost, by date, then code.")
class CoverageChanges(Connection[CoverageChangeType]):
    pass


@strawberry.type
class PopulationPoint:
    date: date
    population: int
    municipalities: int


@strawberry.type
class PopulationSeries:
    points: list[PopulationPoint]


PopulationResult = Annotated[
    PopulationSeries | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("PopulationCoveredResult"),
]
CoveredResult = Annotated[
    CoveredTerritories | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("CoveredTerritoriesResult"),
]
TimelineResult = Annotated[
    CoverageTimeline | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("CoverageTimelineResult"),
]
ChangesResult = Annotated[
    CoverageChanges | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("CoverageChangesResult"),
]


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
        "parent and ancestors then), with population totals."
    )
    async def covered_territories(
        self,
        info: Info,
        at: date,
        channel: Channel,  # type: ignore[valid-type]
        kind: TerritoryKind | None = None,  # type: ignore[valid-type]
        as_known_at: datetime | None = None,
        first: Annotated[int, first_argument(TERRITORIES, TERRITORIES)] = TERRITORIES,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: int | None = None,
    ) -> CoveredResult:
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

    @strawberry.field(description="The periods a place is covered on a channel, with funders.")
    async def coverage_timeline(
        self,
        info: Info,
        territory: str,
        channel: Channel,  # type: ignore[valid-type]
        as_known_at: datetime | None = None,
        consistent_with: int | None = None,
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
        "each change says which (`gained`)."
    )
    async def coverage_changes(
        self,
        info: Info,
        start: Annotated[date, strawberry.argument(name="from")],
        to: date,
        channel: Channel,  # type: ignore[valid-type]
        kind: TerritoryKind = DomainTerritoryKind.MUNICIPALITY,  # type: ignore[valid-type]
        as_known_at: datetime | None = None,
        first: Annotated[int, first_argument(TERRITORIES, TERRITORIES)] = TERRITORIES,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: int | None = None,
    ) -> ChangesResult:
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
        "each later day an agreement starts or ends or the hierarchy changes."
    )
    async def population_covered(
        self,
        info: Info,
        start: Annotated[date, strawberry.argument(name="from")],
        to: date,
        channel: Channel,  # type: ignore[valid-type]
        granularity: Granularity = Granularity.MONTH,
        as_known_at: datetime | None = None,
        consistent_with: int | None = None,
    ) -> PopulationResult:
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
