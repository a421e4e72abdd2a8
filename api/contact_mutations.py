"""Contacts written through GraphQL by counsellors: logged whole, or step by step and corrected.

Each mutation parses its input into a command of `domain.handlers.contacts`, has the handler
apply it, and maps the receipt or the refusal. The inputs are in `api.contacts`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry

from api.contacts import (
    CODE,
    NOTE,
    REASON,
    STAMP,
    InquirerInput,
    OpenInteractionInput,
    RecordInteractionInput,
)
from api.context import Info
from api.described import INPUT, POSITION, outcomes
from api.errors import (
    EXPECTED,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
)
from api.shared import parse_id
from api.vocabulary import Disposition, UnmetReason
from domain import interactions as domain
from domain.handlers import contacts as commands
from domain.operations import Receipt

CONTACT = strawberry.argument(description="The contact's id (a receipt's `id`).")
NEED = strawberry.argument(
    description="The need's number in the contact, from 0 (`needs[].number`)."
)
DUE = "The day it is due (YYYY-MM-DD), not before the contact nor more than a year ahead."
WHY = f"Why, kept with the correction. {REASON}"


@strawberry.type(description="What a contact mutation wrote. Counsellors only.")
class InteractionReceipt:
    id: strawberry.ID = strawberry.field(
        description="The contact's id: pass it to the next steps and to `interaction`."
    )
    version: int = strawberry.field(
        description="The contact's version: 1 when created, one more with each fact."
    )
    position: int = strawberry.field(description=POSITION)
    replayed: bool = strawberry.field(
        default=False, description="True when the key had already logged this same contact."
    )
    need: int | None = strawberry.field(default=None, description="The number of a new need.")


InteractionResult = Annotated[
    InteractionReceipt | InvalidInputError | NotFoundError | VersionConflictError
    | NotAuthorizedError,
    strawberry.union("InteractionResult", description=outcomes(
        "The receipt", InvalidInputError, NotFoundError, VersionConflictError,
        NotAuthorizedError,
    )),
]  # fmt: skip


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
        description="Logs a whole contact in one transaction, after it ended (fact "
        "guichet.Interaction.Logged, referrals with the services as they are now); idempotent "
        "on `input.key`. Counsellors only."
    )
    async def record_interaction(
        self, info: Info, input: Annotated[RecordInteractionInput, INPUT]
    ) -> InteractionResult:
        try:
            logged = await info.context.record(input.command)
            return _receipt(logged.receipt, logged.replayed)
        except EXPECTED as error:
            return cast(InteractionResult, as_error(error))

    @strawberry.mutation(
        description="Opens a contact being handled now (fact guichet.Interaction.Opened); a "
        "retry with the same key and content gets the first receipt, replayed. Needs, "
        "referrals and the close follow as steps. Counsellors only."
    )
    async def open_interaction(
        self, info: Info, input: Annotated[OpenInteractionInput, INPUT]
    ) -> InteractionResult:
        try:
            opened = await info.context.handle(
                info.context.container.contact_handler.open, input.command
            )
            return _receipt(opened.receipt, opened.replayed)
        except EXPECTED as error:
            return cast(InteractionResult, as_error(error))

    @strawberry.mutation(
        description="Adds a need to a contact (fact guichet.Interaction.NeedIdentified); the "
        "receipt's `need` is its number. Counsellors only."
    )
    async def add_need(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT],
        code: Annotated[str, strawberry.argument(
            description=f"The need's taxonomy code, like BD-1800. {CODE}"
        )],
    ) -> InteractionResult:  # fmt: skip
        return await _change(info, id, lambda i: commands.AddNeed(i, code=code))

    @strawberry.mutation(
        description="Refers a need of a contact to a service (fact "
        "guichet.Interaction.ServiceReferred), keeping the service's name, phone and address "
        "as they are now. Counsellors only."
    )
    async def refer_to_service(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT], need: Annotated[int, NEED],
        service_id: Annotated[strawberry.ID, strawberry.argument(
            description="The id of an active service of an active organization."
        )],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info, id,
            lambda i: commands.ReferToService(i, need, parse_id("serviceId", service_id)),
        )  # fmt: skip

    @strawberry.mutation(
        description="Records information given for a need (fact "
        "guichet.Interaction.InformationGiven). Counsellors only."
    )
    async def give_information(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT], need: Annotated[int, NEED],
        information: Annotated[str, strawberry.argument(
            description=f"What the caller was told. {NOTE}"
        )],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info, id, lambda i: commands.GiveInformation(i, need=need, information=information)
        )

    @strawberry.mutation(
        description="Records that no service could meet a need, and why (fact "
        "guichet.Interaction.UnmetNeedRecorded); the statistics count it by reason. "
        "Counsellors only."
    )
    async def record_unmet_need(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT], need: Annotated[int, NEED],
        reason: Annotated[UnmetReason, strawberry.argument(  # type: ignore[valid-type]
            description="Why no service could meet it."
        )],
        note: Annotated[str | None, strawberry.argument(
            description=f"More about why, if worth saying. {NOTE}"
        )] = None,
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.RecordUnmetNeed(
                i, need=need, reason=domain.UnmetReason(reason).value, note=note
            ),
        )

    @strawberry.mutation(
        description="Ends a contact with its disposition (fact guichet.Interaction.Closed); "
        "`handleSeconds` counts up to it. Counsellors only."
    )
    async def close_interaction(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT],
        ended_at: Annotated[datetime, strawberry.argument(
            description=f"When it ended, not before it started. {STAMP}"
        )],
        disposition: Annotated[Disposition, strawberry.argument(  # type: ignore[valid-type]
            description="How it ended."
        )] = domain.Disposition.COMPLETED,
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.CloseContact(
                i, ended_at=ended_at, disposition=domain.Disposition(disposition)
            ),
        )

    @strawberry.mutation(
        description="Schedules a follow-up of a contact (fact "
        "guichet.Interaction.FollowUpScheduled): it shows in `followUpsDue` on its day. "
        "Counsellors only."
    )
    async def schedule_follow_up(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT],
        due: Annotated[date, strawberry.argument(description=DUE)],
        note: Annotated[str | None, strawberry.argument(
            description=f"What to follow up on. {NOTE}"
        )] = None,
    ) -> InteractionResult:  # fmt: skip
        return await _change(info, id, lambda i: commands.ScheduleFollowUp(i, due=due, note=note))

    @strawberry.mutation(
        description="Records the outcome of a follow-up (fact "
        "guichet.Interaction.FollowUpDone): it leaves `followUpsDue`. Counsellors only."
    )
    async def complete_follow_up(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT],
        follow_up: Annotated[int, strawberry.argument(
            description="The follow-up's number in the contact, from 0 (`followUpsDue.number`)."
        )],
        outcome: Annotated[str, strawberry.argument(description=f"What came of it. {NOTE}")],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info, id, lambda i: commands.CompleteFollowUp(i, follow_up=follow_up, outcome=outcome)
        )

    @strawberry.mutation(
        description="Corrects who called (fact guichet.Interaction.InquirerCorrected); the "
        "earlier answer stays in history and in `corrections`. Counsellors only."
    )
    async def correct_inquirer(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT],
        inquirer: Annotated[InquirerInput, strawberry.argument(
            description="Who called, all of it, as it should have been recorded."
        )],
        reason: Annotated[str, strawberry.argument(description=WHY)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.CorrectInquirer(i, inquirer=inquirer.value(), reason=reason),
        )

    @strawberry.mutation(
        description="Corrects how a contact ended, for example a test call (fact "
        "guichet.Interaction.DispositionCorrected); shown in `corrections`. Counsellors only."
    )
    async def correct_disposition(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT],
        disposition: Annotated[Disposition, strawberry.argument(  # type: ignore[valid-type]
            description="How it really ended."
        )],
        reason: Annotated[str, strawberry.argument(description=WHY)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(
            info,
            id,
            lambda i: commands.CorrectDisposition(
                i, disposition=domain.Disposition(disposition), reason=reason
            ),
        )

    @strawberry.mutation(
        description="Withdraws a need recorded by mistake (fact "
        "guichet.Interaction.NeedWithdrawn): it no longer counts, but stays in history and in "
        "`corrections`. Counsellors only."
    )
    async def withdraw_need(
        self, info: Info, id: Annotated[strawberry.ID, CONTACT], need: Annotated[int, NEED],
        reason: Annotated[str, strawberry.argument(description=WHY)],
    ) -> InteractionResult:  # fmt: skip
        return await _change(info, id, lambda i: commands.WithdrawNeed(i, need=need, reason=reason))
