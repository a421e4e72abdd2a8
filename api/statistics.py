"""Statistics in GraphQL: the tables of the annual report for any period, territory and channel,
as CSV too, and a subscription that sends them again as contacts are logged."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncGenerator
from datetime import date
from typing import cast

import anyio.to_thread
import strawberry

from api import access
from api.consistency import ConsistentWith, reach
from api.context import Context, Info
from api.errors import EXPECTED, as_error
from api.limits import limit_error
from api.live_statistics import figures_of
from api.moments import read_day
from api.shared_events import shareable
from api.statistics_types import (
    TIMEZONE,
    TOP_MAX,
    ChannelArgument,
    Figure,
    From,
    LanguageArgument,
    Place,
    Statistics,
    StatisticsCell,
    StatisticsResult,
    To,
    Top,
)
from api.vocabulary import Language
from domain import interactions as domain
from domain import limits
from domain.errors import InvalidInput
from domain.text import check as check_text
from infra.bootstrap import Container
from infra.statistics import (
    PublicRules,
    StatisticsRequest,
    TooFewContacts,
    UnknownTerritory,
    published,
)
from infra.tokens import Role
from projections.statistics_report import Published

_FIELDS = {
    "by_channel": "channel", "by_month": "month", "by_language": "language",
    "by_gender": "gender", "by_age_band": "age_band", "by_inquirer_type": "inquirer_type",
    "by_region": "region", "top_places": "place", "by_need_category": "category",
    "top_needs": "need", "top_unmet_needs": "unmet", "unmet_reasons": "unmet_reason",
    "unmet_need_reasons": "unmet_need_reason", "top_referral_organizations": "organization",
}  # fmt: skip


def check(
    start: date, end: date, territory: str | None, channel: object | None, top: int,
    language: Language = Language.FR,
) -> StatisticsRequest:  # fmt: skip
    read_day("from", start)
    read_day("to", end)
    if end < start:
        raise InvalidInput("to", f"{end} is before {start}")
    if not 1 <= top <= TOP_MAX:
        raise InvalidInput("top", f"ask for 1 to {TOP_MAX} rows")
    if territory is not None:
        check_text("territory", territory, max_length=limits.CODE_MAX)
        if not territory.strip():
            raise InvalidInput("territory", "is blank; leave it out for the whole province")
        territory = territory.strip()
    value = domain.ContactChannel(str(channel)).value if channel is not None else None
    return StatisticsRequest(start, end, territory, value, top, Language(language).value)


def figures(context: Context, asked: StatisticsRequest, exact: bool) -> tuple[Published, int]:
    """Runs on a worker thread: one hop for the query, the labels and the suppression."""
    return container_figures(context.container, asked, exact)


def container_figures(
    container: Container, asked: StatisticsRequest, exact: bool
) -> tuple[Published, int]:
    try:
        return published(
            container.statistics, container.search_view.organization_names, asked, exact=exact,
            rules=PublicRules.of(container.settings), category_names=container.taxonomy.names,
        )  # fmt: skip
    except UnknownTerritory:
        raise InvalidInput("territory", f"{asked.territory!r} is not a known territory") from None


def statistics_of(asked: StatisticsRequest, published: Published, position: int) -> Statistics:
    # The published cells are answered as they are: they have every field of StatisticsCell,
    # under the same names, and the type is told by the field, not by the object.
    tables = {
        field: cast(list[StatisticsCell], published.tables[name]) for field, name in _FIELDS.items()
    }
    return Statistics(
        start=asked.start, end=asked.end, timezone=TIMEZONE, territory=asked.territory,
        channel=asked.channel, exact=published.exact, threshold=published.threshold,
        position=position, contacts=Figure.of(published.contacts),
        needs=Figure.of(published.needs), referrals=Figure.of(published.referrals),
        unmet_needs=Figure.of(published.unmet), interpreter_used=Figure.of(published.interpreter),
        needs_per_contact=published.needs_per_contact,
        referrals_per_contact=published.referrals_per_contact,
        average_wait_seconds=published.average_wait_seconds,
        average_handle_seconds=published.average_handle_seconds,
        published=published, language=asked.language, **tables,
    )  # fmt: skip


def spend(context: Context) -> None:
    """Takes one of the caller's public answers of the hour (a subscription takes one when it
    starts); exact figures are not counted."""
    from api.http import address_of

    budget = context.statistics_budget
    if budget is None or access.sees_exact_figures(context.principal.role):
        return
    principal = context.principal
    caller = (
        f"token:{principal.name}" if principal.role is not Role.PUBLIC
        else f"address:{address_of(context.request)}"
    )  # fmt: skip
    wait = budget.wait(caller)
    if wait > 0:
        most = int(budget.burst)
        raise limit_error(
            "statisticsBudget", most,
            f"Public figures are answered {most} times an hour to each caller; retry in "
            f"{math.ceil(wait)} s, or ask for a longer period or a larger territory at once.",
        )  # fmt: skip


async def answer(context: Context, asked: StatisticsRequest) -> Statistics:
    exact = access.sees_exact_figures(context.principal.role)
    published, position = await context.call(figures, context, asked, exact)
    return statistics_of(asked, published, position)


async def shared_answer(container: Container, asked: StatisticsRequest) -> Statistics:
    """Exact figures counted once for every subscriber of `asked` (`api.live_statistics`),
    marked so that identical selections of them are completed once (`api.shared_events`)."""
    published, position = await anyio.to_thread.run_sync(container_figures, container, asked, True)
    return shareable(statistics_of(asked, published, position))


async def public_answer(
    context: Context, asked: StatisticsRequest
) -> tuple[object, StatisticsResult]:
    """Public figures and what tells them apart from others (the figures themselves, or the
    refusal), or a refusal of figures of too few contacts."""
    try:
        published, position = await context.call(figures, context, asked, False)
    except TooFewContacts as refused:
        return refused.message, cast(StatisticsResult, as_error(refused))
    return published, statistics_of(asked, published, position)


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="The annual report's figures for a period (local days in America/Montreal), "
        "optionally for a territory and every place inside it, and a channel. Public figures "
        "leave out small counts and what would give them back, round the others randomly to "
        "a multiple of 5, group small places, count "
        "contacts as of the current interval, and are refused for short periods, few contacts "
        "and small places; analysts and auditors see exact ones. Anyone; public answers are "
        "counted per caller and hour, and past the budget the request fails with a GraphQL "
        "error `LIMIT_EXCEEDED` (in `errors`, with the wait in its message)."
    )
    async def statistics(
        self, info: Info, from_: From, to: To, territory: Place = None,
        channel: ChannelArgument = None, top: Top = 10, consistent_with: ConsistentWith = None,
        language: LanguageArgument = Language.FR,
    ) -> StatisticsResult:  # fmt: skip
        context = info.context
        try:
            asked = check(from_, to, territory, channel, top, language)
            spend(context)
            await reach(context, ("interactions",), consistent_with)
            return await answer(context, asked)
        except EXPECTED as error:
            return cast(StatisticsResult, as_error(error))


@strawberry.type
class StatisticsSubscription:
    @strawberry.subscription(
        description="The statistics asked, sent now and again each time contacts are logged: "
        "exact figures as the view moves, public ones at most once an interval (60 s by "
        "default) and only when they change. Anyone; a public subscription spends one answer "
        "of the caller's hourly budget when it starts."
    )
    async def statistics_changed(
        self, info: Info, from_: From, to: To, territory: Place = None,
        channel: ChannelArgument = None, top: Top = 10, language: LanguageArgument = Language.FR,
    ) -> AsyncGenerator[StatisticsResult, None]:  # fmt: skip
        context = info.context
        try:
            asked = check(from_, to, territory, channel, top, language)
        except EXPECTED as error:
            yield cast(StatisticsResult, as_error(error))
            return
        spend(context)
        stream = (
            _exact_stream(context, asked)
            if access.sees_exact_figures(context.principal.role)
            else _public_stream(context, asked)
        )
        async for result in stream:
            yield result


async def _exact_stream(
    context: Context, asked: StatisticsRequest
) -> AsyncGenerator[StatisticsResult, None]:
    """The first figures are the subscriber's own; after that, the answers counted once per
    move of the view for every subscriber of the same figures."""
    live = figures_of(context.container, shared_answer)
    # Joined before the first figures: a contact projected while they are counted then
    # still moves the view past where the shared poll last saw it, and is sent.
    subscriber = await live.join(asked)
    try:
        try:
            sent = await answer(context, asked)
        except EXPECTED as error:
            yield cast(StatisticsResult, as_error(error))
            return
        yield sent
        seen = sent.position
        while True:
            shared = await subscriber.next()
            assert isinstance(shared, Statistics)
            if shared.position > seen:  # facts of other kinds move the view but change nothing
                seen = shared.position
                yield shared
    finally:
        live.leave(asked, subscriber)


async def _public_stream(
    context: Context, asked: StatisticsRequest
) -> AsyncGenerator[StatisticsResult, None]:
    """At most one message an interval, and only when what the public sees has changed: a
    contact hidden by suppression, outside the figures asked, or not counted sends nothing, and
    the time of a message tells no more than the interval."""
    interval = context.container.settings.statistics_interval
    try:
        last, result = await public_answer(context, asked)
    except EXPECTED as error:  # a small territory or a short period: asking again is no better
        yield cast(StatisticsResult, as_error(error))
        return
    yield result
    while True:
        await asyncio.sleep(interval)
        now, result = await public_answer(context, asked)
        if now != last:
            last = now
            yield result
