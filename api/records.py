"""The life of a directory record: amend, verify, flag, deactivate, merge; its history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.consistency import reach
from api.context import Info
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
)
from api.handling import written
from api.moments import read_optional_moment
from api.pagination import AFTER, Connection, decode, first_argument, first_of, keyset
from api.shared import (
    REASON,
    LocalizedTextInput,
    LocalizedTextType,
    Receipt,
    long_text,
    name_of,
    parse_id,
    reason_of,
)
from api.vocabulary import Method, RecordKind, VerificationState
from domain.directory import DESCRIPTION_MAX, NAME_MAX, VerificationMethod
from domain.handlers.directory import (
    AmendOrganization,
    DeactivateRecord,
    FlagRecordForReview,
    MergeRecord,
    ReactivateRecord,
    VerifyRecord,
)
from domain.limits import PERSON_MAX, WEBSITE_MAX, at_most
from domain.values import parse_website
from projections.history import Change
from projections.verification import CheckRow

__all__ = ["REASON", "EditResult"]

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


EditResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("EditRecordResult"),
]


@strawberry.input
class AmendOrganizationInput:
    id: strawberry.ID
    expected_version: int
    name: LocalizedTextInput | None = strawberry.field(
        default=None, description=at_most(NAME_MAX, "characters in each language")
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=None,
        description=at_most(DESCRIPTION_MAX, "characters in each language, on several lines"),
    )
    website: str | None = strawberry.field(default=None, description=at_most(WEBSITE_MAX))
    clear_website: bool = False
    reason: str | None = strawberry.field(default=None, description=REASON)


@strawberry.input
class VerifyRecordInput:
    id: strawberry.ID
    expected_version: int
    method: Method  # type: ignore[valid-type]
    confirmed_by: str = strawberry.field(
        description=f"Who at the organization confirmed it. {at_most(PERSON_MAX)}"
    )
    note: str | None = strawberry.field(default=None, description=REASON)
    verified_at: datetime | None = strawberry.field(
        default=None, description="When the check happened, if earlier than now."
    )


@strawberry.input
class RecordReasonInput:
    id: strawberry.ID
    expected_version: int
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class ReactivateInput:
    id: strawberry.ID
    expected_version: int
    reason: str | None = strawberry.field(default=None, description=REASON)


@strawberry.input
class MergeRecordInput:
    id: strawberry.ID
    expected_version: int
    target_id: strawberry.ID
    reason: str | None = strawberry.field(default=None, description=REASON)


@strawberry.type
class RecordMutation:
    @strawberry.mutation(description="Changes several fields at once; one fact per real change.")
    async def amend_organization(self, info: Info, input: AmendOrganizationInput) -> EditResult:
        def prepare() -> AmendOrganization:
            name, description = input.name, input.description
            return AmendOrganization(
                parse_id("input.id", input.id),
                input.expected_version,
                name=name_of("input.name", name) if name else None,
                description=long_text("input.description", description) if description else None,
                website=parse_website("input.website", input.website),
                clear_website=input.clear_website,
                reason=reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(
                info, info.context.container.directory_handler.amend_organization, prepare
            ),
        )

    @strawberry.mutation(description="Records the annual check of any record.")
    async def verify_record(self, info: Info, input: VerifyRecordInput) -> EditResult:
        def prepare() -> VerifyRecord:
            return VerifyRecord(
                parse_id("input.id", input.id),
                input.expected_version,
                VerificationMethod(input.method),
                input.confirmed_by,
                reason_of(input.note, "input.note"),
                input.verified_at,
            )

        return cast(
            EditResult,
            await written(info, info.context.container.directory_handler.verify_record, prepare),
        )

    @strawberry.mutation(description="Marks any record as needing a look, with the reason.")
    async def flag_record_for_review(self, info: Info, input: RecordReasonInput) -> EditResult:
        def prepare() -> FlagRecordForReview:
            id = parse_id("input.id", input.id)
            return FlagRecordForReview(id, input.expected_version, input.reason)

        return cast(
            EditResult,
            await written(
                info, info.context.container.directory_handler.flag_record_for_review, prepare
            ),
        )

    @strawberry.mutation(description="Takes any record out of search, with the reason.")
    async def deactivate_record(self, info: Info, input: RecordReasonInput) -> EditResult:
        def prepare() -> DeactivateRecord:
            id = parse_id("input.id", input.id)
            return DeactivateRecord(id, input.expected_version, input.reason)

        return cast(
            EditResult,
            await written(
                info, info.context.container.directory_handler.deactivate_record, prepare
            ),
        )

    @strawberry.mutation(description="Puts an inactive record back into search.")
    async def reactivate_record(self, info: Info, input: ReactivateInput) -> EditResult:
        def prepare() -> ReactivateRecord:
            id = parse_id("input.id", input.id)
            return ReactivateRecord(id, input.expected_version, reason_of(input.reason))

        return cast(
            EditResult,
            await written(
                info, info.context.container.directory_handler.reactivate_record, prepare
            ),
        )

    @strawberry.mutation(description="Records that a record duplicates another of its kind.")
    async def merge_record(self, info: Info, input: MergeRecordInput) -> EditResult:
        def prepare() -> MergeRecord:
            return MergeRecord(
                parse_id("input.id", input.id),
                input.expected_version,
                parse_id("input.targetId", input.target_id),
                reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(info, info.context.container.directory_handler.merge_record, prepare),
        )


@strawberry.type(description="One field changed by one fact (the HSDS metadata shape).")
class FieldChange:
    version: int
    fact: str
    field: str
    previous_value: JSON | None
    new_value: JSON | None
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    reason: str | None


@strawberry.type(description="A record's changes, in version then field order.")
class RecordHistory(Connection[FieldChange]):
    pass


@strawberry.type(description="A directory record as the annual check sees it.")
class RecordToVerify:
    id: strawberry.ID
    kind: str
    name: LocalizedTextType
    status: str
    registered_at: datetime
    last_verified_at: datetime | None
    flagged_reason: str | None = strawberry.field(
        description="Why the record was flagged for review (editors only)."
    )
    owner: strawberry.Private[UUID | None] = None

    @strawberry.field(
        description="The name of the organization that offers a service or location (null for "
        "an organization): many services have the same name."
    )
    async def organization_name(self, info: Info) -> LocalizedTextType | None:
        if self.owner is None:
            return None
        row = await info.context.loaders.check.load(self.owner)
        return LocalizedTextType(fr=row.name_fr, en=row.name_en) if row else None

    @classmethod
    def from_row(cls, row: CheckRow) -> RecordToVerify:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            name=LocalizedTextType(fr=row.name_fr, en=row.name_en),
            status=row.status,
            registered_at=row.registered_at,
            last_verified_at=row.verified_at,
            flagged_reason=row.flagged_reason,
            owner=row.organization_id,
        )


@strawberry.type(description="Records to check, the longest unchecked first, then by id.")
class VerificationList(Connection[RecordToVerify]):
    pass


HistoryResult = Annotated[
    RecordHistory | InvalidInputError | NotAuthorizedError | ConsistencyTimeoutError,
    strawberry.union("RecordHistoryResult"),
]
QueueResult = Annotated[
    VerificationList | InvalidInputError | NotAuthorizedError | ConsistencyTimeoutError,
    strawberry.union("VerificationQueueResult"),
]
MAX_PAGE = 100
FIRST = first_argument(50, MAX_PAGE)


def _change(c: Change) -> FieldChange:
    return FieldChange(
        version=c.version, fact=c.fact, field=c.field,
        previous_value=cast(JSON, c.previous), new_value=cast(JSON, c.replacement),
        actor=c.actor, occurred_at=c.occurred_at, recorded_at=c.recorded_at, reason=c.reason,
    )  # fmt: skip


@strawberry.type
class RecordQuery:
    @strawberry.field(description="Who changed which field of a record, when, from what to what.")
    async def record_history(
        self,
        info: Info,
        id: strawberry.ID,
        first: Annotated[int, FIRST] = 50,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: int | None = None,
    ) -> HistoryResult:
        context = info.context
        try:
            record_id = parse_id("id", id)
            size = first_of(first, MAX_PAGE)
            start = decode("history", after, (int, str)) if after is not None else None
            await reach(context, ("history",), consistent_with)
            history = context.container.history
            found = await context.call(history.changes, record_id, start, size + 1)

            async def count() -> int:
                return await context.call(history.count_changes, record_id)

            return keyset(
                RecordHistory, found, size, tag="history", key=lambda c: [c.version, c.field],
                node=_change, after=after, counter=count,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(HistoryResult, as_error(error))

    @strawberry.field(
        description="Records due, overdue, verified this year, or flagged for review, oldest "
        "check first."
    )
    async def verification_queue(
        self,
        info: Info,
        state: VerificationState,
        as_of: datetime | None = None,
        kinds: list[RecordKind] | None = None,
        first: Annotated[int, FIRST] = 50,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: int | None = None,
    ) -> QueueResult:
        context = info.context
        try:
            size = first_of(first, MAX_PAGE)
            start = decode("checks", after, (datetime, UUID)) if after is not None else None
            as_of = read_optional_moment("asOf", as_of) or context.container.clock.now()
            await reach(context, ("verification",), consistent_with)
            wanted = (
                [kind.value for kind in kinds] if kinds else ["organization", "service", "location"]
            )
            view = context.container.verification
            rows = await context.call(view.queue, state.value, as_of, wanted, size + 1, start)

            async def count() -> int:
                return await context.call(view.count, state.value, as_of, wanted)

            return keyset(
                VerificationList, rows, size, tag="checks",
                key=lambda row: [row.verified_at or row.registered_at, row.id],
                node=RecordToVerify.from_row, after=after, counter=count,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(QueueResult, as_error(error))
