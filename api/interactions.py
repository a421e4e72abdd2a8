"""Contacts in GraphQL: logged whole or step by step by counsellors, read back by the roles that
may see caller-level records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar, cast
from uuid import UUID

import pycountry
import strawberry

from api import access
from api.consistency import reach
from api.context import Info
from api.directory import parse_id
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
)
from api.moments import read_day
from api.node import Node
from domain import interactions as domain
from domain import limits
from domain.errors import InvalidInput, NotFound
from domain.interactions import Interaction as Interaction_
from domain.interactions import ReferralSnapshot
from domain.limits import at_most
from domain.operations import Logged
from domain.text import check
from projections.interactions import MONTREAL, ContactRow

T = TypeVar("T")

ContactChannel = strawberry.enum(domain.ContactChannel, name="ContactChannel")
Disposition = strawberry.enum(domain.Disposition, name="Disposition")
InquirerType = strawberry.enum(domain.InquirerType, name="InquirerType")
AgeBand = strawberry.enum(domain.AgeBand, name="AgeBand")
Gender = strawberry.enum(domain.Gender, name="Gender")
UnmetReason = strawberry.enum(domain.UnmetReason, name="UnmetReason")

PAGE_MAX = 200
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


def _language(field: str, code: str) -> str:
    cleaned = domain.parse_language(field, code)
    found = pycountry.languages.get(alpha_2=cleaned) if len(cleaned) == 2 else None
    if found is None and len(cleaned) == 3:
        found = pycountry.languages.get(alpha_3=cleaned)
    if found is None:
        raise InvalidInput(field, f"{code!r} is not an ISO 639 language code")
    return cleaned


def _service_ids(needs: list[NeedInput]) -> list[UUID]:
    # Bounded before any id is parsed or looked up.
    limits.bounded("input.needs", needs, limits.NEEDS_MAX)
    wanted: dict[UUID, None] = {}
    for i, need in enumerate(needs):
        ids = need.referral_service_ids
        limits.bounded(f"input.needs[{i}].referralServiceIds", ids, limits.REFERRALS_MAX)
        for j, raw in enumerate(need.referral_service_ids):
            wanted.setdefault(parse_id(f"input.needs[{i}].referralServiceIds[{j}]", raw))
    return list(wanted)


def _needs(
    needs: list[NeedInput], found: dict[UUID, ReferralSnapshot]
) -> tuple[domain.NeedEntry, ...]:
    entries = []
    for i, need in enumerate(needs):
        referrals: list[ReferralSnapshot] = []
        for j, raw in enumerate(need.referral_service_ids):
            snapshot = found.get(UUID(str(raw)))
            if snapshot is None:
                raise InvalidInput(
                    f"input.needs[{i}].referralServiceIds[{j}]",
                    f"no active service has the id {raw}",
                )
            referrals.append(snapshot)
        entries.append(
            domain.NeedEntry(
                code=need.code or "", referrals=tuple(referrals), information=need.information,
                unmet_reason=domain.UnmetReason(need.unmet_reason).value
                if need.unmet_reason is not None else None,
                unmet_note=need.unmet_note,
            )
        )  # fmt: skip
    return tuple(entries)


def _receipt(receipt: Any, replayed: bool = False, need: int | None = None) -> InteractionReceipt:
    return InteractionReceipt(
        id=strawberry.ID(str(receipt.id)), version=receipt.version, position=receipt.position,
        replayed=replayed, need=need,
    )  # fmt: skip


@strawberry.type
class InteractionMutation:
    @strawberry.mutation(
        description="Logs a whole contact in one transaction; idempotent on `input.key`."
    )
    async def record_interaction(
        self, info: Info, input: RecordInteractionInput
    ) -> InteractionResult:
        context = info.context
        try:
            principal = context.require(*access.COUNSELLORS)
            language = _language("input.language", input.language)
            wanted = _service_ids(input.needs)
            container = context.container

            def log() -> Logged:
                # One worker-thread hop for the directory read and the write: under load each
                # hop costs as much as a query.
                found = container.search_view.referral_snapshots(wanted) if wanted else {}
                interaction = Interaction_.log(
                    key=input.key, channel=domain.ContactChannel(input.channel),
                    started_at=input.started_at, answered_at=input.answered_at,
                    ended_at=input.ended_at, language=language, interpreter=input.interpreter,
                    counsellor=input.counsellor or principal.name,
                    inquirer=input.inquirer.value(), needs=_needs(input.needs, found),
                    disposition=domain.Disposition(input.disposition),
                    follow_up=domain.FollowUp(input.follow_up.due, input.follow_up.note)
                    if input.follow_up else None,
                    actor=principal.name, at=container.clock.now(),
                )  # fmt: skip
                return container.contacts.log(interaction)

            logged = await context.call(log)
            return _receipt(logged.receipt, logged.replayed)
        except EXPECTED as error:
            return cast(InteractionResult, as_error(error))

    @strawberry.mutation(description="Opens a contact being handled now.")
    async def open_interaction(self, info: Info, input: OpenInteractionInput) -> InteractionResult:
        context = info.context
        try:
            principal = context.require(*access.COUNSELLORS)
            interaction = Interaction_.open(
                key=input.key, channel=domain.ContactChannel(input.channel),
                started_at=input.started_at, answered_at=input.answered_at,
                language=_language("input.language", input.language),
                interpreter=input.interpreter, counsellor=input.counsellor or principal.name,
                inquirer=input.inquirer.value(), actor=principal.name,
                at=context.container.clock.now(),
            )  # fmt: skip
            receipt = await context.call(context.container.operations.open_interaction, interaction)
            return _receipt(receipt)
        except EXPECTED as error:
            return cast(InteractionResult, as_error(error))

    @strawberry.mutation(description="Adds a need to a contact; the receipt gives its number.")
    async def add_need(
        self, info: Info, id: strawberry.ID,
        code: Annotated[str, strawberry.argument(description=CODE)],
    ) -> InteractionResult:  # fmt: skip
        return await _step(info, id, lambda i, actor, at: i.identify_need(code, actor=actor, at=at))

    @strawberry.mutation(description="Refers a need of a contact to a service.")
    async def refer_to_service(
        self, info: Info, id: strawberry.ID, need: int, service_id: strawberry.ID
    ) -> InteractionResult:
        context = info.context
        try:
            context.require(*access.COUNSELLORS)
            sid = parse_id("serviceId", service_id)
            found = await context.call(context.container.search_view.referral_snapshots, [sid])
            if sid not in found:
                raise InvalidInput("serviceId", f"no active service has the id {service_id}")
        except EXPECTED as error:
            return cast(InteractionResult, as_error(error))
        return await _step(
            info, id, lambda i, actor, at: i.refer(need, found[sid], actor=actor, at=at)
        )

    @strawberry.mutation(description="Records information given for a need.")
    async def give_information(
        self, info: Info, id: strawberry.ID, need: int,
        information: Annotated[str, strawberry.argument(description=NOTE)],
    ) -> InteractionResult:  # fmt: skip
        return await _step(
            info, id, lambda i, actor, at: i.give_information(need, information, actor=actor, at=at)
        )

    @strawberry.mutation(description="Records that no service could meet a need, and why.")
    async def record_unmet_need(
        self, info: Info, id: strawberry.ID, need: int, reason: UnmetReason,  # type: ignore[valid-type]
        note: Annotated[str | None, strawberry.argument(description=NOTE)] = None,
    ) -> InteractionResult:  # fmt: skip
        value = domain.UnmetReason(reason).value
        return await _step(
            info, id, lambda i, actor, at: i.record_unmet(need, value, note, actor=actor, at=at)
        )

    @strawberry.mutation(description="Ends a contact with its disposition.")
    async def close_interaction(
        self, info: Info, id: strawberry.ID, ended_at: datetime,
        disposition: Disposition = domain.Disposition.COMPLETED,  # type: ignore[valid-type]
    ) -> InteractionResult:  # fmt: skip
        value = domain.Disposition(disposition)
        return await _step(
            info, id, lambda i, actor, at: i.close(ended_at, value, actor=actor, at=at)
        )

    @strawberry.mutation(description="Schedules a follow-up of a contact.")
    async def schedule_follow_up(
        self, info: Info, id: strawberry.ID, due: date,
        note: Annotated[str | None, strawberry.argument(description=NOTE)] = None,
    ) -> InteractionResult:  # fmt: skip
        follow_up = domain.FollowUp(due, note)
        return await _step(
            info, id, lambda i, actor, at: i.schedule_follow_up(follow_up, actor=actor, at=at)
        )

    @strawberry.mutation(description="Records the outcome of a follow-up (numbered from 0).")
    async def complete_follow_up(
        self, info: Info, id: strawberry.ID, follow_up: int,
        outcome: Annotated[str, strawberry.argument(description=NOTE)],
    ) -> InteractionResult:  # fmt: skip
        return await _step(
            info, id,
            lambda i, actor, at: i.complete_follow_up(follow_up, outcome, actor=actor, at=at),
        )  # fmt: skip

    @strawberry.mutation(description="Corrects who called; the earlier answer stays in history.")
    async def correct_inquirer(
        self, info: Info, id: strawberry.ID, inquirer: InquirerInput,
        reason: Annotated[str, strawberry.argument(description=REASON)],
    ) -> InteractionResult:  # fmt: skip
        value = inquirer.value()
        return await _step(
            info, id, lambda i, actor, at: i.correct_inquirer(value, reason, actor=actor, at=at)
        )

    @strawberry.mutation(description="Corrects how a contact ended (for example, a test call).")
    async def correct_disposition(
        self, info: Info, id: strawberry.ID,
        disposition: Disposition,  # type: ignore[valid-type]
        reason: Annotated[str, strawberry.argument(description=REASON)],
    ) -> InteractionResult:  # fmt: skip
        value = domain.Disposition(disposition)
        return await _step(
            info, id,
            lambda i, actor, at: i.correct_disposition(value, reason, actor=actor, at=at),
        )  # fmt: skip

    @strawberry.mutation(description="Withdraws a need recorded by mistake.")
    async def withdraw_need(
        self, info: Info, id: strawberry.ID, need: int,
        reason: Annotated[str, strawberry.argument(description=REASON)],
    ) -> InteractionResult:  # fmt: skip
        return await _step(
            info, id, lambda i, actor, at: i.withdraw_need(need, reason, actor=actor, at=at)
        )


async def _step(
    info: Info, id: strawberry.ID, change: Callable[[Interaction_, str, datetime], T]
) -> InteractionResult:
    context = info.context
    try:
        actor = context.require(*access.COUNSELLORS).name
        uuid = parse_id("id", id)
        at = context.container.clock.now()
        receipt, result = await context.call(
            context.container.operations.change_interaction, uuid,
            lambda interaction: change(interaction, actor, at),
        )  # fmt: skip
        return _receipt(receipt, need=result if isinstance(result, int) else None)
    except EXPECTED as error:
        return cast(InteractionResult, as_error(error))


# Caller-level reads.


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
        d = row.detail
        return cls(
            id=strawberry.ID(str(row.id)), key=row.key, channel=row.channel,
            started_at=row.started_at, answered_at=row.answered_at, ended_at=row.ended_at,
            wait_seconds=row.wait_seconds, handle_seconds=row.handle_seconds,
            language=row.language, interpreter=row.interpreter, counsellor=row.counsellor,
            inquirer=InquirerRecord(**d["inquirer"]),
            needs=[
                NeedRecord(
                    number=n, code=need["code"], withdrawn=need["withdrawn"],
                    referrals=[
                        Referral(**{**r, "service_id": strawberry.ID(r["service_id"]),
                                    "organization_id": strawberry.ID(r["organization_id"])})
                        for r in need["referrals"]
                    ],
                    information=list(need["information"]),
                    unmet=Unmet(**need["unmet"]) if need["unmet"] else None,
                )
                for n, need in enumerate(d["needs"])
            ],
            disposition=row.disposition,
            follow_ups=[
                FollowUpRecord(
                    due=date.fromisoformat(f["due"]), note=f["note"],
                    done_at=datetime.fromisoformat(f["done"]["at"]) if f["done"] else None,
                    outcome=f["done"]["outcome"] if f["done"] else None,
                )
                for f in d["follow_ups"]
            ],
            corrections=[
                Correction(what=c["what"], reason=c["reason"], by=c["by"],
                           at=datetime.fromisoformat(c["at"]))
                for c in d["corrections"]
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
            context.require(*access.CONTACT_READERS)
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
            context.require(*access.CONTACT_READERS)
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
