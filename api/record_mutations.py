"""The life of any directory record (organization, service, location) through GraphQL: amend
an organization, verify, flag, deactivate, reactivate and merge any record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry

from api.context import Info
from api.described import EXPECTED_VERSION, INPUT
from api.handling import written
from api.records import EditResult
from api.shared import (
    CHANGE_REASON,
    REASON,
    LocalizedTextInput,
    long_text,
    name_of,
    parse_id,
    reason_of,
)
from api.vocabulary import Method
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

RECORD = "The id of an organization, service or location."


@strawberry.input(description="An organization's new values: only the fields given change.")
class AmendOrganizationInput:
    id: strawberry.ID = strawberry.field(description="The organization's id.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    name: LocalizedTextInput | None = strawberry.field(
        default=None, description=at_most(NAME_MAX, "characters in each language")
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=None,
        description=at_most(DESCRIPTION_MAX, "characters in each language, on several lines"),
    )
    website: str | None = strawberry.field(
        default=None, description=f"An http:// or https:// address. {at_most(WEBSITE_MAX)}"
    )
    clear_website: bool = strawberry.field(
        default=False, description="True to remove the website (leave `website` out)."
    )
    reason: str | None = strawberry.field(default=None, description=CHANGE_REASON)


@strawberry.input(description="The annual check of a record with its organization.")
class VerifyRecordInput:
    id: strawberry.ID = strawberry.field(description=RECORD)
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    method: Method = strawberry.field(  # type: ignore[valid-type]
        description="How the organization was reached."
    )
    confirmed_by: str = strawberry.field(
        description=f"Who at the organization confirmed it. {at_most(PERSON_MAX)}"
    )
    note: str | None = strawberry.field(
        default=None, description=f"What the check found, if worth saying. {REASON}"
    )
    verified_at: datetime | None = strawberry.field(
        default=None,
        description="When the check happened, if earlier than now (ISO 8601 with offset; "
        "never in the future).",
    )


@strawberry.input(description="A record and why it is flagged or deactivated.")
class RecordReasonInput:
    id: strawberry.ID = strawberry.field(description=RECORD)
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    reason: str = strawberry.field(description=f"Required, kept in its history. {REASON}")


@strawberry.input(description="An inactive record to put back into search.")
class ReactivateInput:
    id: strawberry.ID = strawberry.field(description=RECORD)
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    reason: str | None = strawberry.field(
        default=None, description=f"Kept in its history. {REASON}"
    )


@strawberry.input(description="A duplicate record and the record it duplicates.")
class MergeRecordInput:
    id: strawberry.ID = strawberry.field(description="The duplicate's id: it becomes merged.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    target_id: strawberry.ID = strawberry.field(
        description="The id of the active record of the same kind that stays."
    )
    reason: str | None = strawberry.field(
        default=None, description=f"Kept in its history. {REASON}"
    )


@strawberry.type
class RecordMutation:
    @strawberry.mutation(
        description="Changes several fields of an organization at once; one fact per real "
        "change (guichet.Organization.Renamed, .Described, .WebsiteChanged). Editors only."
    )
    async def amend_organization(
        self, info: Info, input: Annotated[AmendOrganizationInput, INPUT]
    ) -> EditResult:
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

    @strawberry.mutation(
        description="Records the annual check of any record (fact like "
        "guichet.Service.Verified): it counts as verified this year and its flag is cleared. "
        "Editors only."
    )
    async def verify_record(
        self, info: Info, input: Annotated[VerifyRecordInput, INPUT]
    ) -> EditResult:
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

    @strawberry.mutation(
        description="Marks any record as needing a look, with the reason (fact like "
        "guichet.Service.FlaggedForReview); it shows in the FLAGGED queue until verified. "
        "Editors only."
    )
    async def flag_record_for_review(
        self, info: Info, input: Annotated[RecordReasonInput, INPUT]
    ) -> EditResult:
        def prepare() -> FlagRecordForReview:
            id = parse_id("input.id", input.id)
            return FlagRecordForReview(id, input.expected_version, input.reason)

        return cast(
            EditResult,
            await written(
                info, info.context.container.directory_handler.flag_record_for_review, prepare
            ),
        )

    @strawberry.mutation(
        description="Takes any record out of search and out of the public's sight, with the "
        "reason (fact like guichet.Service.Deactivated). Editors only."
    )
    async def deactivate_record(
        self, info: Info, input: Annotated[RecordReasonInput, INPUT]
    ) -> EditResult:
        def prepare() -> DeactivateRecord:
            id = parse_id("input.id", input.id)
            return DeactivateRecord(id, input.expected_version, input.reason)

        return cast(
            EditResult,
            await written(
                info, info.context.container.directory_handler.deactivate_record, prepare
            ),
        )

    @strawberry.mutation(
        description="Puts an inactive record back into search (fact like "
        "guichet.Service.Reactivated); a merged one cannot come back. Editors only."
    )
    async def reactivate_record(
        self, info: Info, input: Annotated[ReactivateInput, INPUT]
    ) -> EditResult:
        def prepare() -> ReactivateRecord:
            id = parse_id("input.id", input.id)
            return ReactivateRecord(id, input.expected_version, reason_of(input.reason))

        return cast(
            EditResult,
            await written(
                info, info.context.container.directory_handler.reactivate_record, prepare
            ),
        )

    @strawberry.mutation(
        description="Records that a record duplicates another of its kind (fact like "
        "guichet.Service.MergedInto): it leaves search and can no longer be edited. Editors "
        "only."
    )
    async def merge_record(
        self, info: Info, input: Annotated[MergeRecordInput, INPUT]
    ) -> EditResult:
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
