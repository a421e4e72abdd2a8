"""Contacts as GraphQL reads them back, caller-level: the types of `interaction`,
`interactions` and `followUpsDue`, for the roles that may see them (counsellors, analysts,
auditors)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.described import outcomes
from api.errors import (
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
)
from api.nodes import Node
from api.pagination import Connection
from projections.interactions import ContactRow

# The enums' values, as the contact stores them (lower case), in the read types' strings.
STORED = "The value as stored, in lower case"


@strawberry.type(name="Inquirer", description="Who contacted the service, as corrected.")
class InquirerRecord:
    type: str = strawberry.field(
        description=f"For whom they called. {STORED}: self, third_party, professional."
    )
    age_band: str = strawberry.field(
        description=f"Their age band. {STORED}: 0-19, 20-29 … 70+, unknown."
    )
    gender: str = strawberry.field(description=f"{STORED}: female, male, other, unknown.")
    territory: str | None = strawberry.field(
        description="Where they live: a territory code, `confidential`, or null if not asked."
    )


@strawberry.type(description="A service a need was referred to, as the directory gave it then.")
class Referral:
    service_id: strawberry.ID = strawberry.field(description="The service's id.")
    organization_id: strawberry.ID = strawberry.field(description="Its organization's id.")
    service_name: str = strawberry.field(
        description="The service's name at the referral, in French (English if it had none)."
    )
    organization_name: str = strawberry.field(
        description="Its organization's name at the referral, in French (English if none)."
    )
    phone: str | None = strawberry.field(
        description="The service's first phone number then (digits); null: it had none."
    )
    address: str | None = strawberry.field(
        description="An address given with it, on one line; null when none was."
    )


@strawberry.type(description="Why no service could meet a need.")
class Unmet:
    reason: str = strawberry.field(
        description=f"{STORED}, like cost_too_high (an UnmetReason value)."
    )
    reasons_version: int = strawberry.field(
        description="The version of the list of reasons it was chosen from."
    )
    note: str | None = strawberry.field(description="More about why, if given.")


@strawberry.type(description="A need of a contact and what was done about it.")
class NeedRecord:
    number: int = strawberry.field(description="Its number in the contact, from 0.")
    code: str = strawberry.field(description="Its taxonomy code, like BD-1800.")
    withdrawn: bool = strawberry.field(
        description="True when withdrawn as a mistake: it no longer counts."
    )
    referrals: list[Referral] = strawberry.field(description="Services it was referred to.")
    information: list[str] = strawberry.field(description="Information given for it.")
    unmet: Unmet | None = strawberry.field(description="Why it was unmet; null: it was not.")


@strawberry.type(description="A follow-up planned after a contact.")
class FollowUpRecord:
    due: date = strawberry.field(description="The day it is due (YYYY-MM-DD).")
    note: str | None = strawberry.field(description="What to follow up, if given.")
    done_at: datetime | None = strawberry.field(description="When it was done; null: not yet.")
    outcome: str | None = strawberry.field(description="What came of it, once done.")


@strawberry.type(description="A correction made to a contact after the fact.")
class Correction:
    what: str = strawberry.field(
        description="What was corrected: inquirer, disposition or needs[N] (withdrawn)."
    )
    reason: str = strawberry.field(description="Why, as the counsellor gave it.")
    by: str = strawberry.field(description="Who corrected it.")
    at: datetime = strawberry.field(description="When.")


@strawberry.type(
    name="Interaction",
    description="One contact with the service (a call, an e-mail, a chat, a visit), "
    "caller-level: counsellors, analysts and auditors only.",
)
class InteractionRecord(Node):
    key: str = strawberry.field(description="The client's key it was logged or opened with.")
    channel: str = strawberry.field(
        description=f"How it came in. {STORED}: phone, email, chat, in_person."
    )
    started_at: datetime = strawberry.field(description="When it started.")
    answered_at: datetime | None = strawberry.field(
        description="When a counsellor answered; null if not given."
    )
    ended_at: datetime | None = strawberry.field(description="When it ended; null while open.")
    wait_seconds: int | None = strawberry.field(
        description="Seconds from start to answer, whole; null without an answer time."
    )
    handle_seconds: int | None = strawberry.field(
        description="Seconds from answer to end, whole; null without both."
    )
    language: str = strawberry.field(description="ISO 639 code of the language of service.")
    interpreter: bool = strawberry.field(description="True when an interpreter took part.")
    counsellor: str = strawberry.field(description="Who handled it.")
    inquirer: InquirerRecord = strawberry.field(description="Who contacted the service.")
    needs: list[NeedRecord] = strawberry.field(description="Its needs, by number.")
    disposition: str | None = strawberry.field(
        description=f"How it ended; null while open. {STORED}: completed, hang_up, "
        "wrong_number, test."
    )
    follow_ups: list[FollowUpRecord] = strawberry.field(
        description="Its follow-ups, numbered from 0 in this order."
    )
    corrections: list[Correction] = strawberry.field(description="Its corrections, in order.")
    recorded_at: datetime = strawberry.field(description="When Guichet recorded its first fact.")
    position: int = strawberry.field(
        description="Log position of its last fact; pass it as consistentWith."
    )

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
    strawberry.union(
        "InteractionRead",
        description=outcomes(
            "The contact",
            NotFoundError,
            NotAuthorizedError,
            InvalidInputError,
            ConsistencyTimeoutError,
        ),
    ),
]


@strawberry.type(description="A follow-up not done yet, with its contact.")
class FollowUpDue:
    number: int = strawberry.field(description="The follow-up's number in its contact, from 0.")
    due: date = strawberry.field(description="The day it is due (YYYY-MM-DD).")
    note: str | None = strawberry.field(description="What to follow up, if given.")
    interaction: InteractionRecord = strawberry.field(description="Its contact.")


@strawberry.type(description="Follow-ups due on a day, or by it, not done; oldest contact first.")
class FollowUpDuePage(Connection[FollowUpDue]):
    pass


FollowUpsDueResult = Annotated[
    FollowUpDuePage | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("FollowUpsDueResult", description=outcomes(
        "A page of follow-ups", NotAuthorizedError, InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip
InteractionList = Annotated[
    InteractionPage | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("InteractionList", description=outcomes(
        "A page of contacts", NotAuthorizedError, InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip
