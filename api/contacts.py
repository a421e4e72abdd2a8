"""The values of a contact as counsellors give them in GraphQL: its enums and inputs, each
turning itself into a command of `domain.handlers.contacts` (the mutations are in
`api.contact_mutations`)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.shared import parse_id
from api.vocabulary import AgeBand, ContactChannel, Disposition, Gender, InquirerType, UnmetReason
from domain import interactions as domain
from domain import limits
from domain.handlers import contacts as commands
from domain.limits import at_most

CODE = at_most(limits.CODE_MAX)
NOTE = at_most(limits.INFORMATION_MAX, "characters, on several lines")
REASON = at_most(limits.REASON_MAX)
KEY = at_most(limits.KEY_MAX)
COUNSELLOR = f"Default: the caller. {at_most(limits.PERSON_MAX)}"


STAMP = "ISO 8601 with its offset, from 2000 to a day after now."
CHANNEL = "How the person reached the service."
STARTED = f"When the contact started (the call rang, the chat opened). {STAMP}"
ANSWERED = f"When a counsellor answered, if known: `waitSeconds` counts to it. {STAMP}"
LANGUAGE = "ISO 639 code of the language of service, like fr or en."
INTERPRETER = "True when an interpreter took part."


@strawberry.input(description="Who contacted the service, as far as they said.")
class InquirerInput:
    type: InquirerType = strawberry.field(  # type: ignore[valid-type]
        description="For whom they called."
    )
    age_band: AgeBand = strawberry.field(  # type: ignore[valid-type]
        default=domain.AgeBand.UNKNOWN, description="Their age band; UNKNOWN if not asked."
    )
    gender: Gender = strawberry.field(  # type: ignore[valid-type]
        default=domain.Gender.UNKNOWN, description="Their gender; UNKNOWN if not asked."
    )
    territory: str | None = strawberry.field(
        default=None,
        description=f"A territory code, or `confidential` when no address is given. {CODE}",
    )

    def value(self) -> domain.Inquirer:
        return domain.Inquirer(
            domain.InquirerType(self.type), domain.AgeBand(self.age_band),
            domain.Gender(self.gender), self.territory,
        )  # fmt: skip


@strawberry.input(description="A need of a contact and what was done about it.")
class NeedInput:
    code: str | None = strawberry.field(
        default=None, description=f"The need's taxonomy code. {CODE}"
    )
    referral_service_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Ids of the services it was referred to. "
        f"{at_most(limits.REFERRALS_MAX, 'referrals')}",
    )
    information: str | None = strawberry.field(
        default=None, description=f"Information given for it. {NOTE}"
    )
    unmet_reason: UnmetReason | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Why no service could meet it; then no referral."
    )
    unmet_note: str | None = strawberry.field(
        default=None, description=f"More about why it was unmet. {NOTE}"
    )


@strawberry.input(description="A follow-up to make after the contact.")
class FollowUpInput:
    due: date = strawberry.field(
        description="The day it is due (YYYY-MM-DD), not before the contact nor more than a "
        "year ahead."
    )
    note: str | None = strawberry.field(default=None, description=f"What to follow up. {NOTE}")


@strawberry.input(description="A whole contact, after it ended.")
class RecordInteractionInput:
    key: str = strawberry.field(
        description="Chosen by the client, unique per contact: a retry with the same key and "
        f"content returns the first receipt and logs nothing. {KEY}"
    )
    channel: ContactChannel = strawberry.field(description=CHANNEL)  # type: ignore[valid-type]
    started_at: datetime = strawberry.field(description=STARTED)
    ended_at: datetime = strawberry.field(description=f"When it ended. {STAMP}")
    language: str = strawberry.field(description=LANGUAGE)
    inquirer: InquirerInput = strawberry.field(description="Who contacted the service.")
    answered_at: datetime | None = strawberry.field(default=None, description=ANSWERED)
    interpreter: bool = strawberry.field(default=False, description=INTERPRETER)
    counsellor: str | None = strawberry.field(default=None, description=COUNSELLOR)
    needs: list[NeedInput] = strawberry.field(
        default_factory=list,
        description=f"Its needs, numbered from 0 in this order. "
        f"{at_most(limits.NEEDS_MAX, 'needs')}",
    )
    disposition: Disposition = strawberry.field(  # type: ignore[valid-type]
        default=domain.Disposition.COMPLETED, description="How it ended."
    )
    follow_up: FollowUpInput | None = strawberry.field(
        default=None, description="A follow-up to schedule, if any."
    )

    def command(self) -> commands.RecordContact:
        return commands.RecordContact(
            key=self.key, channel=domain.ContactChannel(self.channel),
            started_at=self.started_at, answered_at=self.answered_at, ended_at=self.ended_at,
            language=self.language, inquirer=self.inquirer.value(),
            interpreter=self.interpreter, counsellor=self.counsellor, needs=_needs(self.needs),
            disposition=domain.Disposition(self.disposition),
            follow_up=domain.FollowUp(self.follow_up.due, self.follow_up.note)
            if self.follow_up else None,
        )  # fmt: skip


@strawberry.input(description="A contact being handled now: how it started.")
class OpenInteractionInput:
    key: str = strawberry.field(
        description=f"Chosen by the client, unique per contact: a retry with the same key and "
        f"content returns the first receipt, replayed. {KEY}"
    )
    channel: ContactChannel = strawberry.field(description=CHANNEL)  # type: ignore[valid-type]
    started_at: datetime = strawberry.field(description=STARTED)
    language: str = strawberry.field(description=LANGUAGE)
    inquirer: InquirerInput = strawberry.field(description="Who contacted the service.")
    answered_at: datetime | None = strawberry.field(default=None, description=ANSWERED)
    interpreter: bool = strawberry.field(default=False, description=INTERPRETER)
    counsellor: str | None = strawberry.field(default=None, description=COUNSELLOR)

    def command(self) -> commands.OpenContact:
        return commands.OpenContact(
            key=self.key, channel=domain.ContactChannel(self.channel),
            started_at=self.started_at, answered_at=self.answered_at, language=self.language,
            inquirer=self.inquirer.value(), interpreter=self.interpreter,
            counsellor=self.counsellor,
        )  # fmt: skip


def _needs(needs: list[NeedInput]) -> tuple[domain.ContactNeed, ...]:
    # Bounded before any id is parsed.
    limits.bounded("input.needs", needs, limits.NEEDS_MAX)
    parsed = []
    for i, need in enumerate(needs):
        ids = need.referral_service_ids
        limits.bounded(f"input.needs[{i}].referralServiceIds", ids, limits.REFERRALS_MAX)
        parsed.append(
            domain.ContactNeed(
                code=need.code,
                service_ids=tuple(
                    parse_id(f"input.needs[{i}].referralServiceIds[{j}]", raw)
                    for j, raw in enumerate(ids)
                ),
                information=need.information,
                unmet_reason=domain.UnmetReason(need.unmet_reason).value
                if need.unmet_reason is not None else None,
                unmet_note=need.unmet_note,
            )
        )  # fmt: skip
    return tuple(parsed)
