"""Contacts read back in GraphQL, caller-level: by the roles that may see them (counsellors,
analysts, auditors)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    as_error,
)
from api.moments import read_day
from api.nodes import Node
from api.pagination import AFTER, Connection, decode, first_argument, first_of, keyset
from api.shared import parse_id
from domain import limits
from domain.errors import InvalidInput, NotFound
from domain.limits import at_most
from domain.moments import EARLIEST
from domain.text import check
from projections.interactions import MONTREAL, ContactRow

PAGE_MAX = 200
DUE_MAX = 200  # follow-ups due one day, a page at most
DUE_TAG = "follow-ups"
TAG = "contacts"


@strawberry.type(name="Inquirer")
class InquirerRecord:
    type: str
    age_band: str
    gender: str
    territory: str | None


@strawberry.type
class Referral:
    service_id: strawberry.ID
    organization_id: strawberry.ID
    service_name: str
    organization_name: str
    phone: str | None
    address: str | None


@strawberry.type
class Unmet:
    reason: str
    reasons_version: int
    note: str | None


@strawberry.type
class NeedRecord:
    number: int
    code: str
    withdrawn: bool
    referrals: list[Referral]
    information: list[str]
    unmet: Unmet | None


@strawberry.type
class FollowUpRecord:
    due: date
    note: str | None
    done_at: datetime | None
    outcome: str | None


@strawberry.type
class Correction:
    what: str
    reason: str
    by: str
    at: datetime


@strawberry.type(name="Interaction")
class InteractionRecord(Node):
    key: str
    channel: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int | None
    handle_seconds: int | None
    language: str
    interpreter: bool
    counsellor: str
    inquirer: InquirerRecord
    needs: list[NeedRecord]
    disposition: str | None
    follow_ups: list[FollowUpRecord]
    corrections: list[Correction]
    recorded_at: datetime
    position: int

    @classmethod
    def of(cls, row: ContactRow) -> InteractionRecord:
        detail = row.details()
        return cls(
            id=strawberry.ID(str(row.id)), key=row.key, channel=row.channel,
            started_at=row.started_at, answered_at=row.answered_at, ended_at=row.ended_at,
            wait_seconds=row.wait_seconds, handle_seconds=row.handle_seconds,
            language=row.language, interpreter=row.interpreter, counsellor=row.counsellor,
            inquirer=InquirerRecord(
                type=detail.inquirer.type, age_band=detail.inquirer.age_band,
                gender=detail.inquirer.gender, territory=detail.inquirer.territory,
            ),
            needs=[
                NeedRecord(
                    number=need.number, code=need.code, withdrawn=need.withdrawn,
                    referrals=[
                        Referral(
                            service_id=strawberry.ID(str(r.service_id)),
                            organization_id=strawberry.ID(str(r.organization_id)),
                            service_name=r.service_name, organization_name=r.organization_name,
                            phone=r.phone, address=r.address,
                        )
                        for r in need.referrals
                    ],
                    information=list(need.information),
                    unmet=Unmet(
                        reason=need.unmet.reason, reasons_version=need.unmet.reasons_version,
                        note=need.unmet.note,
                    ) if need.unmet else None,
                )
                for need in detail.needs
            ],
            disposition=row.disposition,
            follow_ups=[
                FollowUpRecord(due=f.due, note=f.note, done_at=f.done_at, outcome=f.outcome)
                for f in detail.follow_ups
            ],
            corrections=[
                Correction(what=c.what, reason=c.reason, by=c.by, at=c.at)
                for c in detail.corrections
            ],
            recorded_at=row.recorded_at, position=row.position,
        )  # fmt: skip


@strawberry.type(description="Contacts, newest first.")
class InteractionPage(Connection[InteractionRecord]):
    pass


InteractionRead = Annotated[
    InteractionRecord
    | NotFoundError
    | NotAuthorizedError
    | InvalidInputError
    | ConsistencyTimeoutError,
    strawberry.union("InteractionRead"),
]


@strawberry.type
class FollowUpDue:
    number: int = strawberry.field(description="The follow-up's number in its contact, from 0.")
    due: date
    note: str | None
    interaction: InteractionRecord


@strawberry.type(description="Follow-ups due on a day, or by it, not done; oldest contact first.")
class FollowUpDuePage(Connection[FollowUpDue]):
    pass


FollowUpsDueResult = Annotated[
    FollowUpDuePage | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("FollowUpsDueResult"),
]
InteractionList = Annotated[
    InteractionPage | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("InteractionList"),
]


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    at, row = decode(TAG, cursor, (datetime, int))
    return at, row


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), MONTREAL)


@strawberry.type
class InteractionQuery:
    @strawberry.field(description="One contact, caller-level: counsellors, analysts, auditors.")
    async def interaction(
        self, info: Info, id: strawberry.ID, consistent_with: int | None = None
    ) -> InteractionRead:
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
        "first; caller-level: counsellors, analysts, auditors."
    )
    async def interactions(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
        counsellor: Annotated[
            str | None, strawberry.argument(description=at_most(limits.PERSON_MAX))
        ] = None,
        first: Annotated[int, first_argument(50, PAGE_MAX)] = 50,
        after: Annotated[str | None, AFTER] = None, consistent_with: int | None = None,
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
        "contact first; for counsellors."
    )
    async def follow_ups_due(
        self, info: Info, day: date,
        counsellor: Annotated[
            str | None, strawberry.argument(description=at_most(limits.PERSON_MAX))
        ] = None,
        first: Annotated[int, first_argument(50, DUE_MAX)] = 50,
        after: Annotated[str | None, AFTER] = None, consistent_with: int | None = None,
        overdue: bool = False,
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
