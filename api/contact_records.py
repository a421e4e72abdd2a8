"""Contacts read back in GraphQL, caller-level: by the roles that may see them (counsellors,
analysts, auditors). Their types are in `api.contact_types`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, cast

import strawberry

from api.consistency import reach
from api.contact_types import (
    FollowUpDue,
    FollowUpDuePage,
    FollowUpsDueResult,
    InteractionList,
    InteractionPage,
    InteractionRead,
    InteractionRecord,
)
from api.context import Info
from api.described import CONSISTENT_WITH, LOCAL_DAY
from api.errors import EXPECTED, as_error
from api.moments import read_day
from api.pagination import AFTER, decode, first_argument, first_of, keyset
from api.shared import parse_id
from domain import limits
from domain.errors import InvalidInput, NotFound
from domain.limits import at_most
from domain.moments import EARLIEST
from domain.text import check
from projections.interactions import MONTREAL, ContactRow

# InteractionRecord is read from here by the node lookup.
__all__ = ["InteractionQuery", "InteractionRecord"]

PAGE_MAX = 200
DUE_MAX = 200  # follow-ups due one day, a page at most
DUE_TAG = "follow-ups"
TAG = "contacts"
COUNSELLOR = f"Only the contacts this counsellor handled. {at_most(limits.PERSON_MAX)}"


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    at, row = decode(TAG, cursor, (datetime, int))
    return at, row


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), MONTREAL)


@strawberry.type
class InteractionQuery:
    @strawberry.field(
        description="One contact, caller-level. Counsellors, analysts and auditors only."
    )
    async def interaction(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(
            description="The contact's id (a receipt's `id`)."
        )],
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> InteractionRead:  # fmt: skip
        context = info.context
        try:
            await reach(context, ("interactions",), consistent_with)
            uuid = parse_id("id", id)
            row = await context.call(context.container.interactions.contact, uuid)
            if row is None:
                raise NotFound("interaction", uuid)
            return InteractionRecord.of(row)
        except EXPECTED as error:
            return cast(InteractionRead, as_error(error))

    @strawberry.field(
        description="Contacts started from `from` to `to` (local days, both included), newest "
        "first; caller-level. Counsellors, analysts and auditors only."
    )
    async def interactions(
        self, info: Info,
        from_: Annotated[date, strawberry.argument(
            name="from", description=f"The first day. {LOCAL_DAY}"
        )],
        to: Annotated[date, strawberry.argument(
            description=f"The last day, not before `from`. {LOCAL_DAY}"
        )],
        counsellor: Annotated[str | None, strawberry.argument(description=COUNSELLOR)] = None,
        first: Annotated[int, first_argument(50, PAGE_MAX)] = 50,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> InteractionList:  # fmt: skip
        context = info.context
        try:
            if counsellor is not None:
                check("counsellor", counsellor, max_length=limits.PERSON_MAX)
            read_day("from", from_)
            read_day("to", to)
            await reach(context, ("interactions",), consistent_with)
            if to < from_:
                raise InvalidInput("to", f"{to} is before {from_}")
            size, start = first_of(first, PAGE_MAX), _after(after)
            view = context.container.interactions
            begin, end = local_midnight(from_), local_midnight(to + timedelta(days=1))
            rows = await context.call(view.contacts, begin, end, counsellor, size + 1, start)

            async def count() -> int:
                return await context.call(view.count_contacts, begin, end, counsellor)

            return keyset(
                InteractionPage, rows, size, tag=TAG, key=lambda row: [row.started_at, row.row_id],
                node=InteractionRecord.of, after=after, counter=count,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(InteractionList, as_error(error))

    @strawberry.field(
        description="Follow-ups due on `day` (a local day) and not done, with `overdue` those "
        "due earlier and still not done too, of `counsellor`'s contacts or everyone's, oldest "
        "contact first. Counsellors only."
    )
    async def follow_ups_due(
        self, info: Info,
        day: Annotated[date, strawberry.argument(description=f"The day due. {LOCAL_DAY}")],
        counsellor: Annotated[str | None, strawberry.argument(description=COUNSELLOR)] = None,
        first: Annotated[int, first_argument(50, DUE_MAX)] = 50,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
        overdue: Annotated[bool, strawberry.argument(
            description="True to add those due before `day` and still not done."
        )] = False,
    ) -> FollowUpsDueResult:  # fmt: skip
        context = info.context
        try:
            if counsellor is not None:
                check("counsellor", counsellor, max_length=limits.PERSON_MAX)
            read_day("day", day)
            size = first_of(first, DUE_MAX)
            start = decode(DUE_TAG, after, (datetime, int, int)) if after is not None else None
            await reach(context, ("interactions",), consistent_with)
            view = context.container.interactions
            before = local_midnight(day + timedelta(days=1))
            # Overdue reaches back to the calendar's first day, the earliest a fact may hold.
            since = EARLIEST if overdue else day
            found = await context.call(
                view.follow_ups_due, day, before, counsellor, size + 1, start, since
            )

            async def count() -> int:
                return await context.call(view.count_follow_ups_due, day, before, counsellor, since)

            return keyset(
                FollowUpDuePage, found, size, tag=DUE_TAG,
                key=lambda item: [item[0].started_at, item[0].row_id, item[1]],
                node=_due, after=after, counter=count,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(FollowUpsDueResult, as_error(error))


def _due(item: tuple[ContactRow, int]) -> FollowUpDue:
    row, number = item
    follow_up = row.details().follow_ups[number]
    return FollowUpDue(
        number=number, due=follow_up.due, note=follow_up.note,
        interaction=InteractionRecord.of(row),
    )  # fmt: skip
