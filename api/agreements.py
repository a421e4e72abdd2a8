"""Coverage agreements recorded and changed by the `coverage_admin` role."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

import strawberry

from api.context import Info
from api.errors import (
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
)
from api.handling import written
from api.shared import Receipt, parse_id
from api.vocabulary import Channel
from domain import limits
from domain.coverage import TEXT_MAX
from domain.coverage import Channel as DomainChannel
from domain.errors import InvalidInput
from domain.handlers.coverage import (
    AgreeCoverage,
    AmendCoverage,
    CancelCoverage,
    EndCoverageEarly,
    ExtendCoverage,
)
from domain.limits import at_most

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


AgreementResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("CoverageAgreementResult"),
]


def _channels(channels: list[Any]) -> tuple[str, ...]:
    return tuple(DomainChannel(channel).value for channel in channels)


def _until(value: date | None) -> date:
    if value is None:
        raise InvalidInput("input.effectiveUntil", "give the first day no longer covered")
    return value


@strawberry.type
class CoverageMutation:
    @strawberry.mutation(description="Records a coverage agreement; dates may be in the past.")
    async def agree_coverage(self, info: Info, input: AgreeCoverageInput) -> AgreementResult:
        container = info.context.container
        return cast(AgreementResult, await written(
            info, container.coverage_handler.agree,
            lambda: AgreeCoverage(
                container.new_id(), tuple(input.territories), _channels(input.channels),
                input.effective_from, input.effective_until, input.funder, input.programme,
                input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(description="Moves the end of an agreement later (null: open-ended).")
    async def extend_coverage(self, info: Info, input: ChangeCoverageInput) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.extend,
            lambda: ExtendCoverage(
                parse_id("input.id", input.id), input.expected_version, input.effective_until,
                input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(description="Ends an agreement before its planned end.")
    async def end_coverage_early(self, info: Info, input: ChangeCoverageInput) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.end_early,
            lambda: EndCoverageEarly(
                parse_id("input.id", input.id), input.expected_version,
                _until(input.effective_until), input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="Corrects an agreement's territories, channels, start or funder."
    )
    async def amend_coverage(self, info: Info, input: AmendCoverageInput) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.amend,
            lambda: AmendCoverage(
                parse_id("input.id", input.id), input.expected_version, tuple(input.territories),
                _channels(input.channels), input.effective_from, input.funder, input.programme,
                input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(description="Withdraws an agreement recorded in error.")
    async def cancel_coverage(self, info: Info, input: ChangeCoverageInput) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.cancel,
            lambda: CancelCoverage(
                parse_id("input.id", input.id), input.expected_version, input.reason or ""
            ),
        ))  # fmt: skip
