"""Coverage in GraphQL: is a place covered on a channel at a date, as known now or then;
coverage agreements recorded and changed by the `coverage_admin` role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Annotated, Any, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.directory import Receipt
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
    at_input,
)
from api.moments import read_day, read_optional_moment
from api.records import REASON, edit
from api.territories import Territory, TerritoryKind
from domain import limits
from domain.coverage import TEXT_MAX, CoverageAgreement
from domain.coverage import Channel as DomainChannel
from domain.errors import InvalidInput
from domain.limits import at_most
from domain.territories import Territory as Territory_
from domain.territories import TerritoryKind as DomainTerritoryKind
from domain.text import check
from domain.values import parse_codes
from infra.tokens import Role
from infra.views.territories import TerritorySnapshot
from projections.coverage import (
    ONE_DAY,
    AgreementVersion,
    changes,
    duplicate_of,
    in_force,
    periods,
    population,
    timeline,
)
from projections.territories import TerritoryRow

Channel = strawberry.enum(DomainChannel, name="Channel")


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
AgreementResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("CoverageAgreementResult"),
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
                place = snapshot.places_at(at, as_known_at).by_code.get(code)
                if place is None:
                    # Known now but not yet then: nothing covered it as far as anyone knew.
                    return [] if code in snapshot.rows else None
                codes = [place.code, *place.ancestors]
                value = DomainChannel(channel).value
                return container.coverage.covering(codes, value, at, as_known_at)

            found = await context.call(read)
            if found is None:
                raise InvalidInput("territory", f"{territory!r} is not a known territory code")
            return Coverage(
                territory=code,
                channel=channel,
                at=at,
                as_known_at=as_known_at,
                covered=bool(found),
                agreements=[CoverageAgreementType.of(row) for row in found],
            )
        except EXPECTED as error:
            return cast(CoverageResult, as_error(error))


TERRITORIES = at_most(limits.AGREEMENT_TERRITORIES_MAX, "territory codes")
CHANNELS = at_most(limits.CHANNELS_MAX, "channels")
TEXT = at_most(TEXT_MAX)


@strawberry.input
class AgreeCoverageInput:
    territories: list[str] = strawberry.field(description=TERRITORIES)
    channels: list[Channel] = strawberry.field(description=CHANNELS)  # type: ignore[valid-type]
    effective_from: date
    effective_until: date | None = strawberry.field(
        default=None, description="First day not covered (excluded); null: open-ended."
    )
    funder: str = strawberry.field(description=TEXT)
    programme: str | None = strawberry.field(default=None, description=TEXT)
    reason: str | None = strawberry.field(default=None, description=TEXT)


@strawberry.input
class ChangeCoverageInput:
    id: strawberry.ID
    expected_version: int
    effective_until: date | None = None
    reason: str | None = strawberry.field(default=None, description=TEXT)


@strawberry.input
class AmendCoverageInput:
    id: strawberry.ID
    expected_version: int
    territories: list[str] = strawberry.field(description=TERRITORIES)
    channels: list[Channel] = strawberry.field(description=CHANNELS)  # type: ignore[valid-type]
    effective_from: date
    funder: str = strawberry.field(description=TEXT)
    programme: str | None = strawberry.field(default=None, description=TEXT)
    reason: str | None = strawberry.field(default=None, description=TEXT)


AgreementChange = Callable[[CoverageAgreement, str, datetime], None]


async def _change(
    info: Info, id: str, expected_version: int, change: AgreementChange
) -> AgreementResult:
    # The same members as EditRecordResult, under the name coverage mutations answer with.
    return await edit(
        info, CoverageAgreement, id, expected_version, lambda: change, role=Role.COVERAGE_ADMIN
    )


def _until(value: date | None) -> date:
    if value is None:
        raise InvalidInput("input.effectiveUntil", "give the first day no longer covered")
    return value


@strawberry.type
class CoverageMutation:
    @strawberry.mutation(description="Records a coverage agreement; dates may be in the past.")
    async def agree_coverage(self, info: Info, input: AgreeCoverageInput) -> AgreementResult:
        context = info.context
        try:
            actor = context.require(Role.COVERAGE_ADMIN).name
            at = context.container.clock.now()
            agreement = CoverageAgreement.agree(
                context.container.new_id(), list(input.territories),
                [DomainChannel(channel).value for channel in input.channels], input.effective_from,
                input.effective_until, input.funder, input.programme, input.reason,
                actor=actor, at=at,
            )  # fmt: skip
            known = await context.call(context.container.coverage.agreements, None)
            twin = duplicate_of(
                agreement.territories, agreement.channels, agreement.effective_from,
                agreement.effective_until, agreement.funder, known,
            )  # fmt: skip
            if twin is not None:
                raise InvalidInput(
                    "input.effectiveFrom",
                    f"overlaps agreement {twin.agreement_id} of the same funder from "
                    f"{twin.effective_from} on {', '.join(twin.channels)}; extend or amend it",
                )
            receipt = await context.call(context.container.operations.agree_coverage, agreement)
            return Receipt.of(receipt)
        except EXPECTED as error:
            return cast(AgreementResult, as_error(at_input(error)))

    @strawberry.mutation(description="Moves the end of an agreement later (null: open-ended).")
    async def extend_coverage(self, info: Info, input: ChangeCoverageInput) -> AgreementResult:
        return await _change(
            info, input.id, input.expected_version,
            lambda a, actor, at: a.extend(input.effective_until, input.reason, actor=actor, at=at),
        )  # fmt: skip

    @strawberry.mutation(description="Ends an agreement before its planned end.")
    async def end_coverage_early(self, info: Info, input: ChangeCoverageInput) -> AgreementResult:
        return await _change(
            info, input.id, input.expected_version,
            lambda a, actor, at: a.end_early(
                _until(input.effective_until), input.reason, actor=actor, at=at
            ),
        )  # fmt: skip

    @strawberry.mutation(
        description="Corrects an agreement's territories, channels, start or funder."
    )
    async def amend_coverage(self, info: Info, input: AmendCoverageInput) -> AgreementResult:
        operations = info.context.container.operations
        try:
            info.context.require(Role.COVERAGE_ADMIN)  # before saying anything of the input
            most = limits.AGREEMENT_TERRITORIES_MAX
            territories = tuple(parse_codes("input.territories", input.territories, most))
            await info.context.call(
                operations.require_territories, territories, "input.territories"
            )
        except EXPECTED as error:
            return cast(AgreementResult, as_error(error))
        return await _change(
            info, input.id, input.expected_version,
            lambda a, actor, at: a.amend(
                list(input.territories), [DomainChannel(c).value for c in input.channels],
                input.effective_from, input.funder, input.programme, input.reason,
                actor=actor, at=at,
            ),
        )  # fmt: skip

    @strawberry.mutation(description="Withdraws an agreement recorded in error.")
    async def cancel_coverage(self, info: Info, input: ChangeCoverageInput) -> AgreementResult:
        return await _change(
            info, input.id, input.expected_version,
            lambda a, actor, at: a.cancel(input.reason or "", actor=actor, at=at),
        )  # fmt: skip


@strawberry.enum
class Granularity(Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


MAX_POINTS = 5_000


@strawberry.type
class KindTotal:
    kind: TerritoryKind  # type: ignore[valid-type]
    count: int
    population: int


@strawberry.type
class CoveredTerritories:
    at: date
    channel: Channel  # type: ignore[valid-type]
    territories: list[Territory] = strawberry.field(description="Covered places of the kind asked.")
    count: int
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


@strawberry.type
class CoverageChanges:
    gained: list[CoverageChangeType]
    lost: list[CoverageChangeType]


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
    @strawberry.field(description="Places covered on a channel at a date, with population totals.")
    async def covered_territories(
        self,
        info: Info,
        at: date,
        channel: Channel,  # type: ignore[valid-type]
        kind: TerritoryKind | None = None,  # type: ignore[valid-type]
        as_known_at: datetime | None = None,
        consistent_with: int | None = None,
    ) -> CoveredResult:
        try:
            at = read_day("at", at)
            as_known_at = read_optional_moment("asKnownAt", as_known_at)
            found = await known(info, as_known_at, consistent_with)
            codes = in_force(found.agreements, DomainChannel(channel).value, at)
            every = found.territories.places_at(at, as_known_at).covered(codes, None)
            wanted = kind.value if kind is not None else None
            listed = [p for p in every if wanted is None or p.kind == wanted]
            kinds = sorted({p.kind for p in every})
            return CoveredTerritories(
                at=at,
                channel=channel,
                territories=[Territory.from_row(found.rows[p.code]) for p in listed],
                count=len(listed),
                population=sum(p.population or 0 for p in listed),
                totals=[
                    KindTotal(
                        kind=DomainTerritoryKind(k),
                        count=sum(1 for p in every if p.kind == k),
                        population=sum(p.population or 0 for p in every if p.kind == k),
                    )
                    for k in kinds
                ],
            )
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
        description="Places gained and lost on a channel after `from`, up to `to` included."
    )
    async def coverage_changes(
        self,
        info: Info,
        start: Annotated[date, strawberry.argument(name="from")],
        to: date,
        channel: Channel,  # type: ignore[valid-type]
        kind: TerritoryKind = DomainTerritoryKind.MUNICIPALITY,  # type: ignore[valid-type]
        as_known_at: datetime | None = None,
        consistent_with: int | None = None,
    ) -> ChangesResult:
        try:
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
                row = found.rows[change.place.code]
                return CoverageChangeType(
                    date=change.day, territory=Territory.from_row(row), gained=change.gained
                )

            return CoverageChanges(
                gained=[shown(c) for c in moves if c.gained],
                lost=[shown(c) for c in moves if not c.gained],
            )
        except EXPECTED as error:
            return cast(ChangesResult, as_error(error))

    @strawberry.field(description="People covered on a channel, day by day, month or year.")
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
            days = periods(start, to, granularity.value)
            if len(days) > MAX_POINTS:
                raise InvalidInput(
                    "granularity", f"at most {MAX_POINTS:,} points; ask a coarser one"
                )
            found = await known(info, as_known_at, consistent_with)
            series = []
            for day in days:
                codes = in_force(found.agreements, DomainChannel(channel).value, day)
                people, towns = population(found.territories.places_at(day, as_known_at), codes)
                series.append(PopulationPoint(date=day, population=people, municipalities=towns))
            return PopulationSeries(points=series)
        except EXPECTED as error:
            return cast(PopulationResult, as_error(error))


CODE = at_most(limits.CODE_MAX)


@strawberry.input
class TerritoryChangeInput:
    code: str = strawberry.field(description=CODE)
    effective_from: date
    parent_code: str | None = strawberry.field(
        default=None, description=f"moveTerritory: the place it lies in from that date. {CODE}"
    )
    target_code: str | None = strawberry.field(
        default=None, description=f"mergeTerritory: the place it becomes part of. {CODE}"
    )
    name: str | None = strawberry.field(
        default=None, description=f"renameTerritory: new name. {at_most(limits.NAME_MAX)}"
    )
    reason: str | None = strawberry.field(default=None, description=REASON)


TerritoryChangeResult = Annotated[
    Receipt | InvalidInputError | NotAuthorizedError,
    strawberry.union("TerritoryChangeResult"),
]
TerritoryChange = Callable[[Territory_, str, datetime], None]


async def _territory(
    info: Info,
    input: TerritoryChangeInput,
    refers_to: tuple[str, str] | None,
    change: TerritoryChange,
) -> TerritoryChangeResult:
    context = info.context
    try:
        actor = context.require(Role.COVERAGE_ADMIN).name
        for field, code in (
            ("input.code", input.code), ("input.parentCode", input.parent_code),
            ("input.targetCode", input.target_code),
        ):  # fmt: skip
            if code is not None:
                check(field, code, max_length=limits.CODE_MAX)
        at = context.container.clock.now()
        receipt = await context.call(
            lambda: context.container.operations.edit_territory(
                input.code.strip(), lambda t: change(t, actor, at), refers_to=refers_to
            )
        )
        return Receipt.of(receipt)
    except EXPECTED as error:
        return cast(TerritoryChangeResult, as_error(at_input(error)))


def _given(value: str | None, field: str) -> str:
    if not (value or "").strip():
        raise InvalidInput(field, "is required for this change")
    return (value or "").strip()


@strawberry.type
class TerritoryMutation:
    @strawberry.mutation(description="A territory lies in another one from a date on.")
    async def move_territory(
        self, info: Info, input: TerritoryChangeInput
    ) -> TerritoryChangeResult:
        parent = (input.parent_code or "").strip()
        return await _territory(
            info, input, (parent, "input.parentCode") if parent else None,
            lambda t, actor, at: t.move(
                _given(input.parent_code, "input.parentCode"), input.effective_from,
                input.reason, actor=actor, at=at,
            ),
        )  # fmt: skip

    @strawberry.mutation(description="A territory ceases, becoming part of another, on a date.")
    async def merge_territory(
        self, info: Info, input: TerritoryChangeInput
    ) -> TerritoryChangeResult:
        target = (input.target_code or "").strip()
        return await _territory(
            info, input, (target, "input.targetCode") if target else None,
            lambda t, actor, at: t.merge_into(
                _given(input.target_code, "input.targetCode"), input.effective_from,
                input.reason, actor=actor, at=at,
            ),
        )  # fmt: skip

    @strawberry.mutation(description="A territory takes a new name from a date on.")
    async def rename_territory(
        self, info: Info, input: TerritoryChangeInput
    ) -> TerritoryChangeResult:
        return await _territory(
            info, input, None,
            lambda t, actor, at: t.rename(
                _given(input.name, "input.name"), input.effective_from, input.reason,
                actor=actor, at=at,
            ),
        )  # fmt: skip
