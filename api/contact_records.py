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
from api.shared import parse_id
from domain import limits
from domain.errors import InvalidInput, NotFound
from domain.limits import at_most
from domain.text import check
from projections.interactions import MONTREAL, ContactRow

PAGE_MAX = 200


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


@strawberry.type
class InteractionPage:
    items: list[InteractionRecord]
    end_cursor: str | None


InteractionRead = Annotated[
    InteractionRecord
    | NotFoundError
    | NotAuthorizedError
    | InvalidInputError
    | ConsistencyTimeoutError,
    strawberry.union("InteractionRead"),
]
InteractionList = Annotated[
    InteractionPage | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("InteractionList"),
]


def _cursor(row: ContactRow) -> str:
    return f"{row.started_at.isoformat()}|{row.row_id}"


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    check("after", cursor, max_length=100)
    try:
        at, row = cursor.rsplit("|", 1)
        return datetime.fromisoformat(at), int(row)
    except ValueError:
        raise InvalidInput("after", f"{cursor!r} is not a cursor of this list") from None


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
        first: int = 50, after: str | None = None, consistent_with: int | None = None,
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
            if not 1 <= first <= PAGE_MAX:
                raise InvalidInput("first", f"ask for 1 to {PAGE_MAX} contacts a page")
            rows = await context.call(
                context.container.interactions.contacts, local_midnight(from_),
                local_midnight(to + timedelta(days=1)), counsellor, first, _after(after),
            )  # fmt: skip
            return InteractionPage(
                items=[InteractionRecord.of(row) for row in rows],
                end_cursor=_cursor(rows[-1]) if len(rows) == first else None,
            )
        except EXPECTED as error:
            return cast(InteractionList, as_error(error))
