"""Coverage in GraphQL: is a place covered on a channel at a date, as known now or then. The
coverage over time (places covered, timelines, changes, population covered) is in
`api.coverage_history`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.described import CONSISTENT_WITH, MOMENT, VERSION, outcomes
from api.errors import EXPECTED, ConsistencyTimeoutError, InvalidInputError, as_error
from api.moments import read_day, read_optional_moment
from api.vocabulary import Channel
from domain import limits
from domain.coverage import Channel as DomainChannel
from domain.errors import InvalidInput
from domain.text import check
from projections.coverage import (
    AgreementVersion,
    place_codes,
)


@strawberry.type(description="A coverage agreement as it stood at the version shown.")
class CoverageAgreementType:
    id: strawberry.ID = strawberry.field(description="The agreement's id.")
    version: int = strawberry.field(description=VERSION)
    territories: list[str] = strawberry.field(
        description="Codes of the places it covers, with every place inside them."
    )
    channels: list[str] = strawberry.field(
        description="The channels it covers, in lower case, like phone or chat."
    )
    effective_from: date = strawberry.field(description="The first day covered (YYYY-MM-DD).")
    effective_until: date | None = strawberry.field(
        description="The first day no longer covered (the end is excluded); null: open-ended."
    )
    last_covered_day: date | None = strawberry.field(
        description="The last day covered, the day before `effectiveUntil`; null: open-ended."
    )
    funder: str = strawberry.field(description="Who pays for the coverage.")
    programme: str | None = strawberry.field(description="The funder's programme, if named.")
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


@strawberry.type(description="Whether a place is covered on a channel on a day.")
class Coverage:
    territory: str = strawberry.field(description="The place's code, as asked.")
    channel: Channel = strawberry.field(description="The channel asked.")  # type: ignore[valid-type]
    at: date = strawberry.field(description="The day asked (YYYY-MM-DD).")
    as_known_at: datetime | None = strawberry.field(
        description="The recording time the answer was read as of; null: as known now."
    )
    covered: bool = strawberry.field(description="True when at least one agreement covers it.")
    agreements: list[CoverageAgreementType] = strawberry.field(
        description="The agreements covering the place, or a place it lies in, on that date."
    )


CoverageResult = Annotated[
    Coverage | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("CoverageResult", description=outcomes(
        "The answer (InvalidInputError too for an unknown territory code)", InvalidInputError,
        ConsistencyTimeoutError,
    )),
]  # fmt: skip
TERRITORY = strawberry.argument(description="A territory code, like 66023 (Montréal) or QC.")
CHANNEL = strawberry.argument(description="The channel people would use.")
AS_KNOWN_AT = strawberry.argument(
    description=f"Answer as the records stood at this recording time; left out: now. {MOMENT}"
)


@strawberry.type
class CoverageQuery:
    @strawberry.field(
        description="Whether a place is covered on a channel at a date; with asKnownAt, as the "
        "records stood at that recording time. Anyone."
    )
    async def coverage(
        self,
        info: Info,
        territory: Annotated[str, TERRITORY],
        channel: Annotated[Channel, CHANNEL],  # type: ignore[valid-type]
        at: Annotated[date, strawberry.argument(description="The day (YYYY-MM-DD).")],
        as_known_at: Annotated[datetime | None, AS_KNOWN_AT] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
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
