"""The directory's GraphQL surface: organizations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry

from api import access
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
    at_input,
)
from api.node import Node
from domain.directory import DESCRIPTION_MAX, NAME_MAX, Status
from domain.directory import Organization as OrganizationRecord
from domain.errors import InvalidInput, NotFound
from domain.limits import REASON_MAX, WEBSITE_MAX, at_most
from domain.operations import Receipt as Written
from domain.text import check, parse_optional_text
from domain.values import LocalizedText, parse_website
from infra.tokens import Role
from projections.directory import OrganizationRow

RecordStatus = strawberry.enum(Status, name="RecordStatus")


@strawberry.type(name="LocalizedText", description="A text in French and in English.")
class LocalizedTextType:
    fr: str
    en: str


@strawberry.input
class LocalizedTextInput:
    fr: str | None = None
    en: str | None = None


@strawberry.type
class Organization(Node):
    name: LocalizedTextType
    description: LocalizedTextType
    website: str | None
    version: int
    registered_at: datetime
    changed_at: datetime
    status: RecordStatus  # type: ignore[valid-type]
    last_verified_at: datetime | None
    merged_into: strawberry.ID | None
    flagged_reason: str | None = strawberry.field(
        description="Why the record was flagged for review (editors only)."
    )

    @classmethod
    def from_row(cls, row: OrganizationRow) -> Organization:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=LocalizedTextType(fr=row.name_fr, en=row.name_en),
            description=LocalizedTextType(fr=row.description_fr, en=row.description_en),
            website=row.website,
            version=row.version,
            registered_at=row.registered_at,
            changed_at=row.changed_at,
            status=Status(row.status),
            last_verified_at=row.verified_at,
            merged_into=strawberry.ID(str(row.merged_into)) if row.merged_into else None,
            flagged_reason=row.flagged_reason,
        )


@strawberry.type(description="What a mutation wrote.")
class Receipt:
    id: strawberry.ID
    version: int
    position: int = strawberry.field(
        description="Log position of the last fact written; pass it as consistentWith."
    )

    @classmethod
    def of(cls, written: Written) -> Receipt:
        return cls(
            id=strawberry.ID(str(written.id)), version=written.version, position=written.position
        )


NAME = at_most(NAME_MAX, "characters in each language")
DESCRIPTION = at_most(DESCRIPTION_MAX, "characters in each language, on several lines")


@strawberry.input
class RegisterOrganizationInput:
    name: LocalizedTextInput = strawberry.field(description=NAME)
    description: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    website: str | None = strawberry.field(default=None, description=at_most(WEBSITE_MAX))


@strawberry.input
class RenameOrganizationInput:
    id: strawberry.ID
    expected_version: int
    name: LocalizedTextInput = strawberry.field(description=NAME)
    reason: str | None = strawberry.field(default=None, description=at_most(REASON_MAX))


OrganizationResult = Annotated[
    Organization | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("OrganizationResult"),
]
RegisterOrganizationResult = Annotated[
    Receipt | InvalidInputError | VersionConflictError | NotAuthorizedError,
    strawberry.union("RegisterOrganizationResult"),
]
RenameOrganizationResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("RenameOrganizationResult"),
]


def parse_id(field: str, raw: str) -> UUID:
    check(field, raw, max_length=100)
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidInput(field, f"{raw!r} is not a record id (a UUID)") from None


def localized(
    field: str, value: LocalizedTextInput | None, *, required: bool, limit: int,
    multiline: bool = False,
) -> LocalizedText:  # fmt: skip
    fr, en = (value.fr, value.en) if value is not None else (None, None)
    return LocalizedText.parse(
        field, fr, en, required=required, max_length=limit, multiline=multiline
    )


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="An organization's current state, from the directory view.")
    async def organization(
        self, info: Info, id: strawberry.ID, consistent_with: int | None = None
    ) -> OrganizationResult:
        context = info.context
        try:
            organization_id = parse_id("id", id)
            await reach(context, ("directory",), consistent_with)
            row = await context.call(context.container.directory.organization, organization_id)
            if row is None or access.hides(row.status, context.principal.role):
                raise NotFound("organization", organization_id)
            return Organization.from_row(row)
        except EXPECTED as error:
            return cast(OrganizationResult, as_error(error))


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Registers a new organization in the directory.")
    async def register_organization(
        self, info: Info, input: RegisterOrganizationInput
    ) -> RegisterOrganizationResult:
        context = info.context
        try:
            actor = context.require(Role.EDITOR)
            name = localized("input.name", input.name, required=True, limit=NAME_MAX)
            description = localized(
                "input.description",
                input.description,
                required=False,
                limit=DESCRIPTION_MAX,
                multiline=True,
            )
            website = parse_website("input.website", input.website)
            receipt = await context.call(
                context.container.operations.register_organization,
                context.container.new_id(),
                name,
                description,
                website,
                actor=actor.name,
                at=context.container.clock.now(),
            )
            return Receipt.of(receipt)
        except EXPECTED as error:
            return cast(RegisterOrganizationResult, as_error(at_input(error)))

    @strawberry.mutation(description="Gives an organization a new name.")
    async def rename_organization(
        self, info: Info, input: RenameOrganizationInput
    ) -> RenameOrganizationResult:
        context = info.context
        try:
            actor = context.require(Role.EDITOR)
            organization_id = parse_id("input.id", input.id)
            name = localized("input.name", input.name, required=True, limit=NAME_MAX)
            reason = parse_optional_text("input.reason", input.reason, max_length=REASON_MAX)
            at = context.container.clock.now()
            receipt = await context.call(
                context.container.operations.edit_record,
                OrganizationRecord,
                organization_id,
                input.expected_version,
                lambda org: org.rename(name, reason=reason, actor=actor.name, at=at),
            )
            return Receipt.of(receipt)
        except EXPECTED as error:
            return cast(RenameOrganizationResult, as_error(at_input(error)))
