"""The life of a directory record as editors read it: its history field by field, and the
annual check's queue. Its mutations are in `api.record_mutations`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.consistency import reach
from api.context import Info
from api.described import CONSISTENT_WITH, MOMENT, VERSION_AFTER, outcomes
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
)
from api.moments import read_optional_moment
from api.pagination import AFTER, Connection, decode, first_argument, first_of, keyset
from api.shared import (
    REASON,
    LocalizedTextType,
    Receipt,
    parse_id,
)
from api.vocabulary import RecordKind, VerificationState
from projections.history import Change
from projections.verification import CheckRow

__all__ = ["REASON", "EditResult"]

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


EditResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("EditRecordResult", description=outcomes(
        "The receipt: the record's id, its version after the change (unchanged when nothing "
        "differed) and the log position", InvalidInputError, NotFoundError,
        VersionConflictError, NotAuthorizedError,
    )),
]  # fmt: skip


@strawberry.type(description="One field changed by one fact (the HSDS metadata shape).")
class FieldChange:
    version: int = strawberry.field(description=VERSION_AFTER)
    fact: str = strawberry.field(description="The fact's name, like Renamed or PhoneChanged.")
    field: str = strawberry.field(description="The field, like name.fr or phones.")
    previous_value: JSON | None = strawberry.field(
        description="Its JSON value before; null when it had none."
    )
    new_value: JSON | None = strawberry.field(description="Its JSON value after.")
    actor: str = strawberry.field(description="Who made the change.")
    occurred_at: datetime = strawberry.field(
        description="When it took effect (a verification may be dated earlier than recorded)."
    )
    recorded_at: datetime = strawberry.field(description="When Guichet recorded it.")
    reason: str | None = strawberry.field(description="The reason given, if any.")


@strawberry.type(description="A record's changes, in version then field order.")
class RecordHistory(Connection[FieldChange]):
    pass


@strawberry.type(description="A directory record as the annual check sees it.")
class RecordToVerify:
    id: strawberry.ID = strawberry.field(description="The record's id.")
    kind: str = strawberry.field(description="One of organization, service or location.")
    name: LocalizedTextType = strawberry.field(description="Its name, in French and English.")
    status: str = strawberry.field(
        description="Always active: the queue lists active records only."
    )
    registered_at: datetime = strawberry.field(description="When it was registered.")
    last_verified_at: datetime | None = strawberry.field(
        description="When it was last verified; null: never (its check counts from `registeredAt`)."
    )
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
    strawberry.union("RecordHistoryResult", description=outcomes(
        "A page of the record's changes (empty for an unknown id)", InvalidInputError,
        NotAuthorizedError, ConsistencyTimeoutError,
    )),
]  # fmt: skip
QueueResult = Annotated[
    VerificationList | InvalidInputError | NotAuthorizedError | ConsistencyTimeoutError,
    strawberry.union("VerificationQueueResult", description=outcomes(
        "A page of records to check", InvalidInputError, NotAuthorizedError,
        ConsistencyTimeoutError,
    )),
]  # fmt: skip
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
    @strawberry.field(
        description="Who changed which field of an organization, service or location, when, "
        "from what to what. Editors and auditors only."
    )
    async def record_history(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The record's id.")],
        first: Annotated[int, FIRST] = 50,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
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
        description="Active records due, overdue, verified this year, or flagged for review, "
        "oldest check first. Editors only."
    )
    async def verification_queue(
        self,
        info: Info,
        state: Annotated[VerificationState, strawberry.argument(
            description="Which records: see each state."
        )],
        as_of: Annotated[datetime | None, strawberry.argument(
            description=f"The moment the states are judged at; left out: now. {MOMENT}"
        )] = None,
        kinds: Annotated[list[RecordKind] | None, strawberry.argument(
            description="Only these kinds; left out or empty: all three."
        )] = None,
        first: Annotated[int, FIRST] = 50,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> QueueResult:  # fmt: skip
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
