"""Organizations in GraphQL."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry

from api import access
from api.consistency import ConsistentWith, reach
from api.context import Info
from api.described import EXPECTED_VERSION, VERSION
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
    CHANGE_REASON,
    DESCRIPTION,
    INPUT,
    NAME,
    LocalizedTextInput,
    LocalizedTextType,
    Receipt,
    RecordId,
    long_text,
    name_of,
    parse_id,
    reason_of,
)
from api.vocabulary import RecordStatus
from domain.directory import Status
from domain.errors import NotFound
from domain.handlers.directory import RegisterOrganization, RenameOrganization
from domain.limits import WEBSITE_MAX, at_most
from domain.values import parse_website
from projections.directory import OrganizationRow


@strawberry.type(
    description="An organization of the directory, as it stands now. Anyone; an inactive or "
    "merged one for editors only (others are told there is none)."
)
class Organization(Node):
    name: LocalizedTextType = strawberry.field(description="Its name, in French and English.")
    description: LocalizedTextType = strawberry.field(
        description="What it does, in French and English; empty texts when it has none."
    )
    website: str | None = strawberry.field(description="Its website's URL, if any.")
    version: int = strawberry.field(description=f"{VERSION} Pass it as expectedVersion.")
    registered_at: datetime = strawberry.field(
        description="When it was registered (its first fact's business time): ISO 8601, "
        "with its offset."
    )
    changed_at: datetime = strawberry.field(
        description="When it last changed (its last fact's business time): ISO 8601, with "
        "its offset."
    )
    status: RecordStatus = strawberry.field(  # type: ignore[valid-type]
        description="Whether it is in service."
    )
    last_verified_at: datetime | None = strawberry.field(
        description="When an editor last confirmed it (annual check); null if never."
    )
    merged_into: strawberry.ID | None = strawberry.field(
        description="The organization it was merged into, when its status is `MERGED`."
    )
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


@strawberry.input(description="A new organization.")
class RegisterOrganizationInput:
    name: LocalizedTextInput = strawberry.field(description=NAME)
    description: LocalizedTextInput | None = strawberry.field(default=None, description=DESCRIPTION)
    website: str | None = strawberry.field(
        default=None, description=f"An http:// or https:// address. {at_most(WEBSITE_MAX)}"
    )


@strawberry.input(description="An organization's new name.")
class RenameOrganizationInput:
    id: strawberry.ID = strawberry.field(description="The organization's id.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    name: LocalizedTextInput = strawberry.field(description=NAME)
    reason: str | None = strawberry.field(default=None, description=CHANGE_REASON)


OrganizationResult = Annotated[
    Organization | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union(
        "OrganizationResult",
        description="The organization, or why not: `NotFoundError` (none the caller may see), "
        "`InvalidInputError` (a malformed id), `ConsistencyTimeoutError`.",
    ),
]
RegisterOrganizationResult = Annotated[
    Receipt | InvalidInputError | VersionConflictError | NotAuthorizedError,
    strawberry.union(
        "RegisterOrganizationResult",
        description="What was written (`Receipt.id` is the new organization's), or why "
        "nothing was.",
    ),
]
RenameOrganizationResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union(
        "RenameOrganizationResult", description="What was written, or why nothing was."
    ),
]


@strawberry.type
class DirectoryQuery:
    @strawberry.field(
        description="An organization's current state, from the directory view; an inactive one "
        "for editors only. Anyone."
    )
    async def organization(
        self, info: Info, id: RecordId, consistent_with: ConsistentWith = None
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
    @strawberry.mutation(
        description="Registers a new organization in the directory (fact "
        "guichet.Organization.Registered). Editors only."
    )
    async def register_organization(
        self, info: Info, input: Annotated[RegisterOrganizationInput, INPUT]
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

    @strawberry.mutation(
        description="Gives an organization a new name (fact guichet.Organization.Renamed); its "
        "history keeps the old one. Editors only."
    )
    async def rename_organization(
        self, info: Info, input: Annotated[RenameOrganizationInput, INPUT]
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
