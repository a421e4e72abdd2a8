"""Contacts written through GraphQL by counsellors: logged whole, or step by step and corrected.

Each mutation parses its input into a command of `domain.handlers.contacts`, has the handler
apply it, and maps the receipt or the refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry

from api.context import Info
from api.errors import (
    EXPECTED,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
)
from api.shared import parse_id
from api.vocabulary import AgeBand, ContactChannel, Disposition, Gender, InquirerType, UnmetReason
from domain import interactions as domain
from domain import limits
from domain.handlers import contacts as commands
from domain.limits import at_most
from domain.operations import Receipt

CODE = at_most(limits.CODE_MAX)
NOTE = at_most(limits.INFORMATION_MAX, "characters, on several lines")
REASON = at_most(limits.REASON_MAX)
KEY = at_most(limits.KEY_MAX)
COUNSELLOR = f"Default: the caller. {at_most(limits.PERSON_MAX)}"


@strawberry.input
class InquirerInput:
    type: InquirerType  # type: ignore[valid-type]
    age_band: AgeBand = domain.AgeBand.UNKNOWN  # type: ignore[valid-type]
    gender: Gender = domain.Gender.UNKNOWN  # type: ignore[valid-type]
    territory: str | None = strawberry.field(
        default=None,
        description=f"A territory code, or `confidential` when no address is given. {CODE}",
    )

    def value(self) -> domain.Inquirer:
        return domain.Inquirer(
            domain.InquirerType(self.type), domain.AgeBand(self.age_band),
            domain.Gender(self.gender), self.territory,
        )  # fmt: skip


@strawberry.input
class NeedInput:
    code: str | None = strawberry.field(
        default=None, description=f"The need's taxonomy code. {CODE}"
    )
    referral_service_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description=at_most(limits.REFERRALS_MAX, "referrals")
    )
    information: str | None = strawberry.field(default=None, description=NOTE)
    unmet_reason: UnmetReason | None = None  # type: ignore[valid-type]
    unmet_note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input
class FollowUpInput:
    due: date
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input
class RecordInteractionInput:
    key: str = strawberry.field(
        description="Chosen by the client, unique per contact: a retry with the same key and "
        f"content returns the first receipt and logs nothing. {KEY}"
    )
    channel: ContactChannel  # type: ignore[valid-type]
    started_at: datetime
    ended_at: datetime
    language: str = strawberry.field(description="ISO 639 code of the language of service.")
    inquirer: InquirerInput
    answered_at: datetime | None = None
    interpreter: bool = False
    counsellor: str | None = strawberry.field(default=None, description=COUNSELLOR)
    needs: list[NeedInput] = strawberry.field(
        default_factory=list, description=at_most(limits.NEEDS_MAX, "needs")
    )
    disposition: Disposition = domain.Disposition.COMPLETED  # type: ignore[valid-type]
    follow_up: FollowUpInput | None = None

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


@strawberry.input
class OpenInteractionInput:
    key: str = strawberry.field(description=KEY)
    channel: ContactChannel  # type: ignore[valid-type]
    started_at: datetime
    language: str
    inquirer: InquirerInput
    answered_at: datetime | None = None
    interpreter: bool = False
    counsellor: str | None = strawberry.field(default=None, description=COUNSELLOR)

    def command(self) -> commands.OpenContact:
        return commands.OpenContact(
            key=self.key, channel=domain.ContactChannel(self.channel),
            started_at=self.started_at, answered_at=self.answered_at, language=self.language,
            inquirer=self.inquirer.value(), interpreter=self.interpreter,
            counsellor=self.counsellor,
        )  # fmt: skip


@strawberry.type
class InteractionReceipt:
    id: strawberry.ID
    version: int
    position: int = strawberry.field(
        description="Log position of the last fact written; pass it as consistentWith."
    )
    replayed: bool = strawberry.field(
        default=False, description="True when the key had already logged this same contact."
    )
    need: int | None = strawberry.field(default=None, description="The number of a new need.")


InteractionResult = Annotated[
    InteractionReceipt | InvalidInputError | NotFoundError | VersionConflictError
    | NotAuthorizedError,
    strawberry.union("InteractionResult"),
]  # fmt: skip


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


def _receipt(
    receipt: Receipt, replayed: bool = False, need: int | None = None
) -> InteractionReceipt:
    return InteractionReceipt(
        id=strawberry.ID(str(receipt.id)), version=receipt.version, position=receipt.position,
        replayed=replayed, need=need,
    )  # fmt: skip


async def _change(
    info: Info, id: strawberry.ID, step: Callable[[UUID], commands.Step]
) -> InteractionResult:
    """A live step or a correction of the contact `id`."""
    try:
        handler = info.context.container.contact_handler
        changed = await info.context.handle(handler.change, lambda: step(parse_id("id", id)))
        return _receipt(changed.receipt, need=changed.need)
    except EXPECTED as error:
        return cast(InteractionResult, as_error(error))


@strawberry.type
class InteractionMutation:
    @strawberry.mutation(
        description="Logs a whole contact in one transaction; idempotent on `input.key`."
    )
    async def record_interaction(
        self, info: Info, input: RecordInteractionInput
    ) -> InteractionResult:
        try:
            logged = await info.context.record(input.command)
            return _receipt(logged.receipt, logged.replayed)
        except EXPECTED as error:
            return cast(InteractionResult, as_error(error))

    @strawberry.mutation(
        description="Opens a contact being handled now; a retry with the same key and content"
        " gets the first receipt, replayed."
    )
    async def open_interaction(self, info: Info, input: OpenInteractionInput) -> InteractionResult:
        try:
            opened = await info.context.handle(
                info.context.container.contact_handler.open, input.command
            )
            return _receipt(opened.receipt, opened.replayed)
        except EXPECTED as error:
            return cast(InteractionResult, as_error(error))

    @strawberry.mutation(description="Adds a need to a contact; the receipt gives its number.")
    async def add_need(
        self, info: Info, id: strawberry.ID,
        code: Annotated[str, strawberry.argument(description=CODE)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(info, id, lambda i: commands.AddNeed(i, code=code))

    @strawberry.mutation(description="Refers a need of a contact to a service.")
    async def refer_to_service(
        self, info: Info, id: strawberry.ID, need: int, service_id: strawberry.ID
    ) -> InteractionResult:
        return await _change(
            info, id,
            lambda i: commands.ReferToService(i, need, parse_id("serviceId", service_id)),
        )  # fmt: skip

    @strawberry.mutation(description="Records information given for a need.")
    async def give_information(
        self, info: Info, id: strawberry.ID, need: int,
        information: Annotated[str, strawberry.argument(description=NOTE)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info, id, lambda i: commands.GiveInformation(i, need=need, information=information)
        )

    @strawberry.mutation(description="Records that no service could meet a need, and why.")
    async def record_unmet_need(
        self, info: Info, id: strawberry.ID, need: int, reason: UnmetReason,  # type: ignore[valid-type]
        note: Annotated[str | None, strawberry.argument(description=NOTE)] = None,
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.RecordUnmetNeed(
                i, need=need, reason=domain.UnmetReason(reason).value, note=note
            ),
        )

    @strawberry.mutation(description="Ends a contact with its disposition.")
    async def close_interaction(
        self, info: Info, id: strawberry.ID, ended_at: datetime,
        disposition: Disposition = domain.Disposition.COMPLETED,  # type: ignore[valid-type]
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.CloseContact(
                i, ended_at=ended_at, disposition=domain.Disposition(disposition)
            ),
        )

    @strawberry.mutation(description="Schedules a follow-up of a contact.")
    async def schedule_follow_up(
        self, info: Info, id: strawberry.ID, due: date,
        note: Annotated[str | None, strawberry.argument(description=NOTE)] = None,
    ) -> InteractionResult:  # fmt: skip
        return await _change(info, id, lambda i: commands.ScheduleFollowUp(i, due=due, note=note))

    @strawberry.mutation(description="Records the outcome of a follow-up (numbered from 0).")
    async def complete_follow_up(
        self, info: Info, id: strawberry.ID, follow_up: int,
        outcome: Annotated[str, strawberry.argument(description=NOTE)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info, id, lambda i: commands.CompleteFollowUp(i, follow_up=follow_up, outcome=outcome)
        )

    @strawberry.mutation(description="Corrects who called; the earlier answer stays in history.")
    async def correct_inquirer(
        self, info: Info, id: strawberry.ID, inquirer: InquirerInput,
        reason: Annotated[str, strawberry.argument(description=REASON)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.CorrectInquirer(i, inquirer=inquirer.value(), reason=reason),
        )

    @strawberry.mutation(description="Corrects how a contact ended (for example, a test call).")
    async def correct_disposition(
        self, info: Info, id: strawberry.ID,
        disposition: Disposition,  # type: ignore[valid-type]
        reason: Annotated[str, strawberry.argument(description=REASON)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.CorrectDisposition(
                i, disposition=domain.Disposition(disposition), reason=reason
            ),
        )

    @strawberry.mutation(description="Withdraws a need recorded by mistake.")
    async def withdraw_need(
        self, info: Info, id: strawberry.ID, need: int,
        reason: Annotated[str, strawberry.argument(description=REASON)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(info, id, lambda i: commands.WithdrawNeed(i, need=need, reason=reason))
