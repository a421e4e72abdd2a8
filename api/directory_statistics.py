"""The directory figures of the annual report in GraphQL: records added, updated, verified and
deactivated in a period, by kind, with their share of the active records."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

import strawberry

from api.access import reads_log_positions
from api.consistency import ConsistentWith, reach
from api.context import Context, Info
from api.errors import EXPECTED, ConsistencyTimeoutError, InvalidInputError, as_error
from api.moments import read_day
from api.statistics_types import TIMEZONE, From, To
from domain import limits
from domain.errors import InvalidInput
from domain.text import check as check_text
from infra.statistics import UnknownTerritory
from projections import directory_statistics as figures_
from projections.directory_statistics import DirectoryFigures


@strawberry.type(description="A count of records, and its share of the active records.")
class DirectoryFigure:
    count: int = strawberry.field(description="How many records, exact.")
    share: float | None = strawberry.field(
        description="Percent of the records active at the end of the period that had it "
        "(one decimal); null when none is active."
    )

    @classmethod
    def of(cls, figure: figures_.Figure) -> DirectoryFigure:
        return cls(count=figure.count, share=figure.share)


@strawberry.type(description="The figures of one kind of record for the period.")
class DirectoryKindStatistics:
    kind: str = strawberry.field(description="`organization`, `service` or `location`.")
    active: int = strawberry.field(description="Records active at the end of the period.")
    added: DirectoryFigure = strawberry.field(description="Registered in the period.")
    updated: DirectoryFigure = strawberry.field(
        description="With a field changed in the period by an editor or an import; a "
        "verification, a flag or a change of status alone is not an update."
    )
    verified: DirectoryFigure = strawberry.field(description="Verified in the period.")
    deactivated: int = strawberry.field(description="Deactivated in the period.")

    @classmethod
    def of(cls, figures: figures_.KindFigures) -> DirectoryKindStatistics:
        return cls(
            kind=figures.kind, active=figures.active, added=DirectoryFigure.of(figures.added),
            updated=DirectoryFigure.of(figures.updated),
            verified=DirectoryFigure.of(figures.verified), deactivated=figures.deactivated,
        )  # fmt: skip


@strawberry.type(
    description="The directory figures of the annual report for a period: records added, "
    "updated, verified and deactivated, by kind. Anyone: exact figures about records."
)
class DirectoryStatistics:
    start: date = strawberry.field(name="from", description="The period's first day, included.")
    end: date = strawberry.field(name="to", description="The period's last day, included.")
    timezone: str = strawberry.field(
        description="The zone the period's days are in: `America/Montreal`."
    )
    territory: str | None = strawberry.field(
        description="Records of services whose areas are the territory, inside it or around "
        "it (as they are now), of their organizations and of the locations they are offered at."
    )
    position: int = strawberry.field(
        description="The log position the figures include, to compare with a `position` a "
        "mutation answered; 0 without a token, where it would tell when contacts are logged."
    )
    organizations: DirectoryKindStatistics = strawberry.field(description="Organizations.")
    services: DirectoryKindStatistics = strawberry.field(description="Services.")
    locations: DirectoryKindStatistics = strawberry.field(description="Locations.")

    @classmethod
    def of(cls, found: DirectoryFigures, position_shown: bool) -> DirectoryStatistics:
        return cls(
            start=found.start, end=found.end, timezone=TIMEZONE, territory=found.territory,
            position=found.position if position_shown else 0,
            organizations=DirectoryKindStatistics.of(found.of_kind("organization")),
            services=DirectoryKindStatistics.of(found.of_kind("service")),
            locations=DirectoryKindStatistics.of(found.of_kind("location")),
        )  # fmt: skip


Area = Annotated[
    str | None,
    strawberry.argument(
        description="Only records of services whose areas are this place, a place inside it or "
        "one it lies in (by territory code, `66023`, `RA-06`…), of their organizations and of "
        "the locations they are offered at; the whole directory when left out. At most "
        f"{limits.CODE_MAX} characters."
    ),
]

DirectoryStatisticsResult = Annotated[
    DirectoryStatistics | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union(
        "DirectoryStatisticsResult",
        description="The figures, or why not: `InvalidInputError` (a day out of range, `to` "
        "before `from`, an unknown territory), `ConsistencyTimeoutError`.",
    ),
]


def check(start: date, end: date, territory: str | None) -> str | None:
    read_day("from", start)
    read_day("to", end)
    if end < start:
        raise InvalidInput("to", f"{end} is before {start}")
    if territory is None:
        return None
    check_text("territory", territory, max_length=limits.CODE_MAX)
    if not territory.strip():
        raise InvalidInput("territory", "is blank; leave it out for the whole directory")
    return territory.strip()


def count(context: Context, start: date, end: date, territory: str | None) -> DirectoryFigures:
    try:
        return context.container.directory_statistics.figures(start, end, territory)
    except UnknownTerritory:
        raise InvalidInput("territory", f"{territory!r} is not a known territory") from None


@strawberry.type
class DirectoryStatisticsQuery:
    @strawberry.field(
        description="The directory figures of the annual report for a period (local days in "
        "America/Montreal): records added, updated, verified and deactivated, by kind, with "
        "their share of the records active at the end. Figures about records, not people: "
        "public and exact. Anyone."
    )
    async def directory_statistics(
        self, info: Info, from_: From, to: To, territory: Area = None,
        consistent_with: ConsistentWith = None,
    ) -> DirectoryStatisticsResult:  # fmt: skip
        context = info.context
        try:
            asked = check(from_, to, territory)
            await reach(context, ("history",), consistent_with)
            found = await context.call(count, context, from_, to, asked)
            return DirectoryStatistics.of(found, reads_log_positions(context.principal.role))
        except EXPECTED as error:
            return cast(DirectoryStatisticsResult, as_error(error))
