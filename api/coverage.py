"""Coverage in GraphQL: is a place covered on a channel at a date, as known now or then;
coverage agreements recorded and changed by the `coverage_admin` role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.directory import Receipt, parse_id
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
)
from domain.coverage import Channel as DomainChannel
from domain.coverage import CoverageAgreement
from domain.errors import InvalidInput
from infra.tokens import Role
from projections.coverage import AgreementVersion

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
            await reach(context, ("coverage", "territories"), consistent_with)
            rows = await context.call(context.container.territories.territories, [territory])
            if not rows:
                raise InvalidInput("territory", f"{territory!r} is not a known territory code")
            codes = [rows[0].code, *rows[0].ancestors]
            found = await context.call(
                context.container.coverage.covering,
                codes,
                DomainChannel(channel).value,
                at,
                as_known_at,
            )
            return Coverage(
                territory=rows[0].code,
                channel=channel,
                at=at,
                as_known_at=as_known_at,
                covered=bool(found),
                agreements=[CoverageAgreementType.of(row) for row in found],
            )
        except EXPECTED as error:
            return cast(CoverageResult, as_error(error))


@strawberry.input
class AgreeCoverageInput:
    territories: list[str]
    channels: list[Channel]  # type: ignore[valid-type]
    effective_from: date
    effective_until: date | None = strawberry.field(
        default=None, description="First day not covered (excluded); null: open-ended."
    )
    funder: str
    programme: str | None = None
    reason: str | None = None


@strawberry.input
class ChangeCoverageInput:
    id: strawberry.ID
    expected_version: int
    effective_until: date | None = None
    reason: str | None = None


AgreementChange = Callable[[CoverageAgreement, str, datetime], None]


async def _change(
    info: Info, id: str, expected_version: int, change: AgreementChange
) -> AgreementResult:
    context = info.context
    try:
        actor = context.require(Role.COVERAGE_ADMIN).name
        agreement_id = parse_id("input.id", id)
        at = context.container.clock.now()
        receipt = await context.call(
            context.container.operations.edit_record,
            CoverageAgreement,
            agreement_id,
            expected_version,
            lambda agreement: change(agreement, actor, at),
        )
        return Receipt.of(receipt)
    except EXPECTED as error:
        return cast(AgreementResult, as_error(error))


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
            receipt = await context.call(context.container.operations.agree_coverage, agreement)
            return Receipt.of(receipt)
        except EXPECTED as error:
            return cast(AgreementResult, as_error(error))

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

    @strawberry.mutation(description="Withdraws an agreement recorded in error.")
    async def cancel_coverage(self, info: Info, input: ChangeCoverageInput) -> AgreementResult:
        return await _change(
            info, input.id, input.expected_version,
            lambda a, actor, at: a.cancel(input.reason or "", actor=actor, at=at),
        )  # fmt: skip
