"""Registering and changing services and locations, and where services are offered."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from api.context import Info
from api.described import INPUT, outcomes
from api.errors import (
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
)
from api.handling import written
from api.records import EditResult
from api.service_inputs import (
    AmendServiceInput,
    ChangeAccessibilityInput,
    LinkServiceInput,
    MoveLocationInput,
    RegisterLocationInput,
    RegisterServiceInput,
    address,
    coordinates,
    phones,
    schedule,
    service_areas,
)
from api.shared import LocalizedTextInput, Receipt, long_text, name_of, parse_id, reason_of
from domain.handlers.directory import (
    AmendService,
    ChangeLocationAccessibility,
    LinkServiceToLocation,
    MoveLocation,
    RegisterLocation,
    RegisterService,
)
from domain.values import LocalizedText, parse_languages, parse_taxonomy

WriteResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("RegisterRecordResult", description=outcomes(
        "The receipt: the new record's id, its version (1) and the log position",
        InvalidInputError, NotFoundError, VersionConflictError, NotAuthorizedError,
    )),
]  # fmt: skip


@strawberry.type
class ServiceMutation:
    @strawberry.mutation(
        description="Changes a service's fields; one fact per real change (like "
        "guichet.Service.Renamed or guichet.Service.PhoneChanged), none when nothing differs. "
        "Editors only."
    )
    async def amend_service(
        self, info: Info, input: Annotated[AmendServiceInput, INPUT]
    ) -> EditResult:
        def prepare() -> AmendService:
            def text(name: str, value: LocalizedTextInput | None) -> LocalizedText | None:
                return None if value is None else long_text(f"input.{name}", value)

            taxonomy, languages, areas = input.taxonomy_codes, input.languages, input.service_areas
            return AmendService(
                parse_id("input.id", input.id),
                input.expected_version,
                name=name_of("input.name", input.name) if input.name else None,
                description=text("description", input.description),
                taxonomy_codes=None
                if taxonomy is None
                else parse_taxonomy("input.taxonomyCodes", taxonomy),
                languages=None
                if languages is None
                else parse_languages("input.languages", languages),
                service_areas=None if areas is None else service_areas("input.serviceAreas", areas),
                phones=None if input.phones is None else phones("input.phones", input.phones),
                schedule=None
                if input.schedule is None
                else schedule("input.schedule", input.schedule),
                eligibility=text("eligibility", input.eligibility),
                fees=text("fees", input.fees),
                application_process=text("applicationProcess", input.application_process),
                reason=reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(info, info.context.container.directory_handler.amend_service, prepare),
        )

    @strawberry.mutation(
        description="Says how people with disabilities reach a location (fact "
        "guichet.Location.AccessibilityChanged). Editors only."
    )
    async def change_location_accessibility(
        self, info: Info, input: Annotated[ChangeAccessibilityInput, INPUT]
    ) -> EditResult:
        def prepare() -> ChangeLocationAccessibility:
            return ChangeLocationAccessibility(
                parse_id("input.id", input.id),
                input.expected_version,
                long_text("input.accessibility", input.accessibility),
                reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(
                info,
                info.context.container.directory_handler.change_location_accessibility,
                prepare,
            ),
        )

    @strawberry.mutation(
        description="Moves a location to a new address, or makes it virtual (fact "
        "guichet.Location.AddressMoved). Editors only."
    )
    async def move_location(
        self, info: Info, input: Annotated[MoveLocationInput, INPUT]
    ) -> EditResult:
        def prepare() -> MoveLocation:
            return MoveLocation(
                parse_id("input.id", input.id),
                input.expected_version,
                address(input.address),
                coordinates(input.coordinates),
                reason_of(input.reason),
            )

        return cast(
            EditResult,
            await written(info, info.context.container.directory_handler.move_location, prepare),
        )

    @strawberry.mutation(
        description="Registers a service of an active organization (fact "
        "guichet.Service.Registered); it is active and searchable once the views catch up. "
        "Editors only."
    )
    async def register_service(
        self, info: Info, input: Annotated[RegisterServiceInput, INPUT]
    ) -> WriteResult:
        def prepare() -> RegisterService:
            return RegisterService(
                info.context.container.new_id(),
                parse_id("input.organizationId", input.organization_id),
                name_of("input.name", input.name),
                long_text("input.description", input.description),
                service_areas=service_areas("input.serviceAreas", input.service_areas),
                taxonomy_codes=parse_taxonomy("input.taxonomyCodes", input.taxonomy_codes),
                languages=parse_languages("input.languages", input.languages),
                eligibility=long_text("input.eligibility", input.eligibility),
                fees=long_text("input.fees", input.fees),
                application_process=long_text(
                    "input.applicationProcess", input.application_process
                ),
                phones=phones("input.phones", input.phones),
                schedule=schedule("input.schedule", input.schedule),
            )

        return cast(
            WriteResult,
            await written(info, info.context.container.directory_handler.register_service, prepare),
        )

    @strawberry.mutation(
        description="Registers a location, at an address or virtual (fact "
        "guichet.Location.Registered). Editors only."
    )
    async def register_location(
        self, info: Info, input: Annotated[RegisterLocationInput, INPUT]
    ) -> WriteResult:
        def prepare() -> RegisterLocation:
            return RegisterLocation(
                info.context.container.new_id(),
                parse_id("input.organizationId", input.organization_id),
                name_of("input.name", input.name),
                description=long_text("input.description", input.description),
                address=address(input.address),
                coordinates=coordinates(input.coordinates),
                accessibility=long_text("input.accessibility", input.accessibility),
            )

        return cast(
            WriteResult,
            await written(
                info, info.context.container.directory_handler.register_location, prepare
            ),
        )

    @strawberry.mutation(
        description="Records that a service is offered at a location (fact "
        "guichet.ServiceAtLocation.Linked): the service's `locations` and searches show it. "
        "Editors only."
    )
    async def link_service_to_location(
        self, info: Info, input: Annotated[LinkServiceInput, INPUT]
    ) -> WriteResult:
        def prepare() -> LinkServiceToLocation:
            return LinkServiceToLocation(
                parse_id("input.serviceId", input.service_id),
                parse_id("input.locationId", input.location_id),
            )

        return cast(
            WriteResult,
            await written(
                info, info.context.container.directory_handler.link_service_to_location, prepare
            ),
        )
