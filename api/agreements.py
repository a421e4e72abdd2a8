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
from api.shared import INPUT, Receipt, parse_id
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
PLACES = f"The places covered, by territory code (`66023`, `RA-06`, `MRC-460`…). {TERRITORIES}"
CHANNELS_COVERED = f"The channels the agreement covers. {CHANNELS}"
FROM = "First day covered (a date, Montréal time); may be in the past."
FUNDER = f"Who funds the coverage (an organization's name). {TEXT}"
PROGRAMME = f"The funder's programme, if any. {TEXT}"
WHY = f"Why, for the history. {TEXT}"


@strawberry.input(
    description="A new coverage agreement: a funder pays a 211 centre to answer some places "
    "on some channels from a day, until another day or open-ended."
)
class AgreeCoverageInput:
    territories: list[str] = strawberry.field(description=PLACES)
    channels: list[Channel] = strawberry.field(description=CHANNELS_COVERED)  # type: ignore[valid-type]
    effective_from: date = strawberry.field(description=FROM)
    effective_until: date | None = strawberry.field(
        default=None, description="First day not covered (excluded); null: open-ended."
    )
    funder: str = strawberry.field(description=FUNDER)
    programme: str | None = strawberry.field(default=None, description=PROGRAMME)
    reason: str | None = strawberry.field(default=None, description=WHY)


@strawberry.input(description="A change to an agreement's end, or its cancellation.")
class ChangeCoverageInput:
    id: strawberry.ID = strawberry.field(
        description="The agreement's id (`Receipt.id` of `agreeCoverage`)."
    )
    expected_version: int = strawberry.field(
        description="The agreement's version the caller saw; another is a `VersionConflictError`."
    )
    effective_until: date | None = strawberry.field(
        default=None,
        description="The new first day not covered (excluded): required to end early; null "
        "extends it open-ended; ignored to cancel.",
    )
    reason: str | None = strawberry.field(
        default=None, description=f"Why, for the history; required to cancel. {TEXT}"
    )


@strawberry.input(description="A correction of an agreement as it was agreed.")
class AmendCoverageInput:
    id: strawberry.ID = strawberry.field(
        description="The agreement's id (`Receipt.id` of `agreeCoverage`)."
    )
    expected_version: int = strawberry.field(
        description="The agreement's version the caller saw; another is a `VersionConflictError`."
    )
    territories: list[str] = strawberry.field(description=PLACES)
    channels: list[Channel] = strawberry.field(description=CHANNELS_COVERED)  # type: ignore[valid-type]
    effective_from: date = strawberry.field(description=FROM)
    funder: str = strawberry.field(description=FUNDER)
    programme: str | None = strawberry.field(default=None, description=PROGRAMME)
    reason: str | None = strawberry.field(default=None, description=WHY)


AgreementResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union(
        "CoverageAgreementResult",
        description="What was written (`Receipt.id` is the agreement's), or why nothing was: "
        "`InvalidInputError` also when the agreement would overlap another of the funder's.",
    ),
]


def _channels(channels: list[Any]) -> tuple[str, ...]:
    return tuple(DomainChannel(channel).value for channel in channels)


def _until(value: date | None) -> date:
    if value is None:
        raise InvalidInput("input.effectiveUntil", "give the first day no longer covered")
    return value


@strawberry.type
class CoverageMutation:
    @strawberry.mutation(
        description="Records a coverage agreement; dates may be in the past. Coverage admins only."
    )
    async def agree_coverage(
        self, info: Info, input: Annotated[AgreeCoverageInput, INPUT]
    ) -> AgreementResult:
        container = info.context.container
        return cast(AgreementResult, await written(
            info, container.coverage_handler.agree,
            lambda: AgreeCoverage(
                container.new_id(), tuple(input.territories), _channels(input.channels),
                input.effective_from, input.effective_until, input.funder, input.programme,
                input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="Moves the end of an agreement later (null: open-ended). Coverage admins only."
    )
    async def extend_coverage(
        self, info: Info, input: Annotated[ChangeCoverageInput, INPUT]
    ) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.extend,
            lambda: ExtendCoverage(
                parse_id("input.id", input.id), input.expected_version, input.effective_until,
                input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="Ends an agreement before its planned end. Coverage admins only."
    )
    async def end_coverage_early(
        self, info: Info, input: Annotated[ChangeCoverageInput, INPUT]
    ) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.end_early,
            lambda: EndCoverageEarly(
                parse_id("input.id", input.id), input.expected_version,
                _until(input.effective_until), input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="Corrects an agreement's territories, channels, start or funder, as if "
        "agreed so; coverage over time changes from its start. Coverage admins only."
    )
    async def amend_coverage(
        self, info: Info, input: Annotated[AmendCoverageInput, INPUT]
    ) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.amend,
            lambda: AmendCoverage(
                parse_id("input.id", input.id), input.expected_version, tuple(input.territories),
                _channels(input.channels), input.effective_from, input.funder, input.programme,
                input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="Withdraws an agreement recorded in error: it no longer counts at any date, "
        "and its history keeps it. Coverage admins only."
    )
    async def cancel_coverage(
        self, info: Info, input: Annotated[ChangeCoverageInput, INPUT]
    ) -> AgreementResult:
        return cast(AgreementResult, await written(
            info, info.context.container.coverage_handler.cancel,
            lambda: CancelCoverage(
                parse_id("input.id", input.id), input.expected_version, input.reason or ""
            ),
        ))  # fmt: skip
