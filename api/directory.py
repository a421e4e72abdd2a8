"""Organizations in GraphQL."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

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
)
from api.handling import written
from api.nodes import Node
from api.shared import (
    DESCRIPTION,
    NAME,
    LocalizedTextInput,
    LocalizedTextType,
    Receipt,
    long_text,
    name_of,
    parse_id,
    reason_of,
)
from api.vocabulary import RecordStatus
from domain.directory import Status
from domain.errors import NotFound
from domain.handlers.directory import RegisterOrganization, RenameOrganization
from domain.limits import REASON_MAX, WEBSITE_MAX, at_most
from domain.values import parse_website
from projections.directory import OrganizationRow


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
        container = info.context.container
        return cast(
            RegisterOrganizationResult,
            await written(
                info,
                container.directory_handler.register_organization,
                lambda: RegisterOrganization(
                    container.new_id(),
                    name_of("input.name", input.name),
                    long_text("input.description", input.description),
                    parse_website("input.website", input.website),
                ),
            ),
        )

    @strawberry.mutation(description="Gives an organization a new name.")
    async def rename_organization(
        self, info: Info, input: RenameOrganizationInput
    ) -> RenameOrganizationResult:
        return cast(
            RenameOrganizationResult,
            await written(
                info,
                info.context.container.directory_handler.rename_organization,
                lambda: RenameOrganization(
                    parse_id("input.id", input.id),
                    input.expected_version,
                    name_of("input.name", input.name),
                    reason_of(input.reason),
                ),
            ),
        )
