"""What auditors read: the global log and any record's history, with who, when and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from api.consistency import reach
from api.context import Info
from api.described import CONSISTENT_WITH, MOMENT, VERSION, VERSION_AFTER, outcomes
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    as_error,
)
from api.moments import read_moment, read_optional_moment
from api.pagination import (
    AFTER,
    Connection,
    Counter,
    counted,
    decode,
    first_argument,
    first_of,
    keyset,
)
from api.shared import parse_id
from api.vocabulary import TimeAxis
from domain.errors import InvalidInput, NotFound
from domain.limits import PERSON_MAX, at_most
from domain.text import check
from infra.views.audit import AuditRow
from projections.audit import Change, changes, plain

PAGE_MAX = 500
TYPES_MAX = 100
TYPE_MAX = 200
TYPES = f"At most {TYPES_MAX} kinds, each of at most {TYPE_MAX} characters."
RECORD_ID = strawberry.argument(
    description="The id of a record, contact, territory or agreement (an `aggregateId`)."
)


@strawberry.type(description="A field a fact set, with its value before (null: never set).")
class AuditChange:
    field: str = strawberry.field(description="The field's name as the fact stores it.")
    before: JSON | None = strawberry.field(
        description="Its JSON value before the fact; null when it had none."
    )
    after: JSON | None = strawberry.field(description="Its JSON value as the fact set it.")


@strawberry.type(description="One stored fact of the log, as recorded. Auditors only.")
class AuditEntry:
    position: int = strawberry.field(
        description="The fact's place in the whole log: unique, increasing with recording order."
    )
    aggregate_id: strawberry.ID = strawberry.field(
        description="The id of the record the fact belongs to (pass it to `history` or `asOf`)."
    )
    version: int = strawberry.field(description=VERSION_AFTER)
    type: str = strawberry.field(description="The fact's topic, like guichet.Service.Renamed.")
    actor: str | None = strawberry.field(
        description="Who the fact is recorded as (a user, or an import); null if it names none."
    )
    occurred_at: datetime | None = strawberry.field(description="Business time, if it has one.")
    recorded_at: datetime = strawberry.field(description="When Guichet recorded the fact.")
    reason: str | None = strawberry.field(description="The reason given with it, if any.")
    fields: JSON = strawberry.field(description="What the fact says, as stored.")
    changes: list[AuditChange] | None = strawberry.field(
        description="In `history` only: the fields this fact changed, before and after."
    )

    @classmethod
    def of(cls, row: AuditRow, found: list[Change] | None = None) -> AuditEntry:
        return cls(
            position=row.position, aggregate_id=strawberry.ID(str(row.originator_id)),
            version=row.originator_version, type=row.topic, actor=row.actor,
            occurred_at=row.occurred_at, recorded_at=row.recorded_at, reason=row.reason,
            fields=cast(JSON, plain(row.fields)),
            changes=None if found is None else [
                AuditChange(field=c.field, before=cast(JSON, plain(c.before)),
                            after=cast(JSON, plain(c.after)))
                for c in found
            ],
        )  # fmt: skip


@strawberry.type(description="Facts of the log, in log order.")
class AuditPage(Connection[AuditEntry]):
    pass


AuditLogResult = Annotated[
    AuditPage | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("AuditLogResult", description=outcomes(
        "A page of the log", NotAuthorizedError, InvalidInputError, ConsistencyTimeoutError,
    )),
]  # fmt: skip
HistoryPageResult = Annotated[
    AuditPage | NotFoundError | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("HistoryPageResult", description=outcomes(
        "A page of one record's facts", NotFoundError, NotAuthorizedError, InvalidInputError,
        ConsistencyTimeoutError,
    )),
]  # fmt: skip


Entry = tuple[AuditRow, list[Change] | None]
TAG = "log"  # the log's position orders both lists


def _position(after: str | None) -> int:
    return int(decode(TAG, after, (int,))[0]) if after is not None else 0


def _page(entries: Sequence[Entry], size: int, after: str | None, counter: Counter) -> AuditPage:
    """The first `size` entries (one more was read to tell whether more follow)."""
    return keyset(
        AuditPage, entries, size, tag=TAG, key=lambda entry: [entry[0].position],
        node=lambda entry: AuditEntry.of(*entry), after=after, counter=counter,
    )  # fmt: skip


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The global log in order, filtered by recording time [from, to), actor and "
        "kinds (`guichet.Service` or `guichet.Service.Renamed`). Auditors only."
    )
    async def audit_log(
        self, info: Info,
        from_: Annotated[datetime | None, strawberry.argument(
            name="from", description=f"Facts recorded at or after it. {MOMENT}"
        )] = None,
        to: Annotated[datetime | None, strawberry.argument(
            description=f"Facts recorded before it. {MOMENT}"
        )] = None,
        actor: Annotated[str | None, strawberry.argument(
            description=f"Only the facts recorded as this actor. {at_most(PERSON_MAX)}"
        )] = None,
        types: Annotated[list[str] | None, strawberry.argument(
            description=f"Only the facts of these records' kinds or topics. {TYPES}"
        )] = None,
        first: Annotated[int, first_argument(100, PAGE_MAX)] = 100,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> AuditLogResult:  # fmt: skip
        context = info.context
        try:
            if actor is not None:
                check("actor", actor, max_length=PERSON_MAX)
            if types is not None:
                if len(types) > TYPES_MAX:
                    raise InvalidInput("types", f"at most {TYPES_MAX} kinds")
                for index, kind in enumerate(types):
                    check(f"types[{index}]", kind, max_length=TYPE_MAX)
            size = first_of(first, PAGE_MAX)
            position = _position(after)
            from_ = read_optional_moment("from", from_)
            to = read_optional_moment("to", to)
            if from_ is not None and to is not None and to <= from_:
                raise InvalidInput("to", f"{to.isoformat()} is not after {from_.isoformat()}")
            await reach(context, ("audit",), consistent_with)
            audit, kinds = context.container.audit, types or []
            rows = await context.call(audit.log, from_, to, actor, kinds, size + 1, position)

            async def count() -> int:
                return await context.call(audit.count, from_, to, actor, kinds)

            return _page([(row, None) for row in rows], size, after, count)
        except EXPECTED as error:
            return cast(AuditLogResult, as_error(error))

    @strawberry.field(
        description="Every fact of one record, contact, territory or agreement in order, with "
        "the fields each changed (before and after). Auditors only."
    )
    async def history(
        self, info: Info, id: Annotated[strawberry.ID, RECORD_ID],
        first: Annotated[int, first_argument(100, PAGE_MAX)] = 100,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> HistoryPageResult:  # fmt: skip
        context = info.context
        try:
            size = first_of(first, PAGE_MAX)
            position = _position(after)
            uuid = parse_id("id", id)
            await reach(context, ("audit",), consistent_with)
            # Values before the page's facts come from the facts before it: read from the start.
            rows = await context.call(context.container.audit.stream, uuid)
            if not rows:
                raise NotFound("record", uuid)
            found = list(changes(row.fields for row in rows))
            later = [(r, c) for r, c in zip(rows, found, strict=True) if r.position > position]
            return _page(later, size, after, counted(len(rows)))
        except EXPECTED as error:
            return cast(HistoryPageResult, as_error(error))


@strawberry.type(description="A record as it stood at a past time, replayed from its facts.")
class PastRecord:
    id: strawberry.ID = strawberry.field(description="The record's id.")
    kind: str = strawberry.field(
        description="What the record is, like Organization, Service, Location, Interaction, "
        "Territory or CoverageAgreement."
    )
    version: int = strawberry.field(description=f"{VERSION} The one it had then.")
    last_recorded_at: datetime = strawberry.field(
        description="When the last fact of that version was recorded."
    )
    state: JSON = strawberry.field(
        description="Its fields then, as a JSON object (dates as ISO 8601 text)."
    )


AsOfResult = Annotated[
    PastRecord | NotFoundError | NotAuthorizedError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("AsOfResult", description=outcomes(
        "The record as it stood (NotFoundError too when it did not exist yet)", NotFoundError,
        NotAuthorizedError, InvalidInputError, ConsistencyTimeoutError,
    )),
]  # fmt: skip


@strawberry.type
class AsOfQuery:
    @strawberry.field(
        description="Any record, contact, territory or agreement as it stood at `at`: by "
        "recording time (what Guichet knew then), or by business time (the facts whose time "
        "had come, in order, up to the first that had not). Auditors only."
    )
    async def as_of(
        self, info: Info, id: Annotated[strawberry.ID, RECORD_ID],
        at: Annotated[datetime, strawberry.argument(description=f"The past time. {MOMENT}")],
        by: Annotated[TimeAxis, strawberry.argument(
            description="Which time `at` is: when facts were recorded, or when they took effect."
        )] = TimeAxis.RECORDED,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> AsOfResult:  # fmt: skip
        context = info.context
        try:
            uuid = parse_id("id", id)
            at = read_moment("at", at)
            await reach(context, ("audit",), consistent_with)
            past = await context.call(context.container.past.as_of, uuid, at, by.value)
            return PastRecord(
                id=strawberry.ID(str(past.id)), kind=past.kind, version=past.version,
                last_recorded_at=past.last_recorded_at, state=cast(JSON, past.state),
            )  # fmt: skip
        except EXPECTED as error:
            return cast(AsOfResult, as_error(error))
