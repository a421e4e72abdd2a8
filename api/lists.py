"""`organizations`, `services` and `locations`: the directory as lists for frontends.

Each list is sorted by name (French, or English when there is none, without accents or case)
then id: what a person browsing expects, and total, so the keyset cursor (name, id) lands
exactly. A record renamed between two pages can move across the cursor; the id alone would be
stable but meaningless to read. The verification view holds what lists filter and sort on; a
page's records are then read whole, in one query, from the view that shows them one by one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, TypeVar, cast
from uuid import UUID

import strawberry

from api.consistency import ConsistentWith, reach
from api.context import Context, Info
from api.directory import Organization
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    as_error,
)
from api.moments import read_optional_moment
from api.pagination import AFTER, Connection, connection, decode, encode, first_argument, first_of
from api.services import Location, Service
from api.shared import parse_id
from api.vocabulary import RecordStatus, VerificationState
from domain.errors import InvalidInput
from domain.limits import CODE_MAX
from domain.text import check
from projections.records import location_row, service_row
from projections.search_query import fold_text
from projections.verification import Listing

MAX_PAGE = 100
DEFAULT_PAGE = 50
N = TypeVar("N")
C = TypeVar("C", bound=Connection[Any])

STATUS = strawberry.argument(
    description="Records of these statuses (editors only); by default the records in service: "
    "active, and offered by an active organization."
)
VERIFICATION = strawberry.argument(
    description="Records in this state of the annual check, today (editors only)."
)
SINCE = strawberry.argument(
    description="Records whose last fact's business time is at or after this instant."
)
TERRITORY = strawberry.argument(
    description=f"A territory code of at most {CODE_MAX} characters: services serving it, a "
    "place above or below it; locations in a city that is it or below it; organizations with "
    "one of those."
)
OWNER = strawberry.argument(description="Only those of this organization (its id).")


@strawberry.type(description="Organizations by name, then id.")
class OrganizationConnection(Connection[Organization]):
    pass


@strawberry.type(description="Services by name, then id.")
class ServiceConnection(Connection[Service]):
    pass


@strawberry.type(description="Locations by name, then id.")
class LocationConnection(Connection[Location]):
    pass


Errors = InvalidInputError | NotAuthorizedError | ConsistencyTimeoutError
WHY_NOT = (
    ", or why not: `InvalidInputError` (a bad cursor, `first`, time or territory code), "
    "`NotAuthorizedError` (`status` or `verification` set by another role than an editor), "
    "`ConsistencyTimeoutError`."
)
OrganizationsResult = Annotated[
    OrganizationConnection | Errors,
    strawberry.union("OrganizationsResult", description=f"A page of organizations{WHY_NOT}"),
]
ServicesResult = Annotated[
    ServiceConnection | Errors,
    strawberry.union("ServicesResult", description=f"A page of services{WHY_NOT}"),
]
LocationsResult = Annotated[
    LocationConnection | Errors,
    strawberry.union("LocationsResult", description=f"A page of locations{WHY_NOT}"),
]
Nodes = Callable[[Context, Sequence[UUID]], Awaitable[dict[UUID, Any]]]


async def _organizations(context: Context, ids: Sequence[UUID]) -> dict[UUID, Organization]:
    rows = await context.call(context.container.directory.organizations, ids)
    return {id: Organization.from_row(row) for id, row in rows.items()}


async def _services(context: Context, ids: Sequence[UUID]) -> dict[UUID, Service]:
    records = await context.call(context.container.history.records, ids)
    return {id: Service.of(service_row(id, fields)) for id, fields in records.items()}


async def _locations(context: Context, ids: Sequence[UUID]) -> dict[UUID, Location]:
    records = await context.call(context.container.history.records, ids)
    return {id: Location.of(location_row(id, fields)) for id, fields in records.items()}


async def _places(context: Context, code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The codes a service's areas may name for `code` (it, above and below), and the folded
    names a location's city may have (it and below)."""
    view = context.container.territories
    found = await context.call(view.territories, [code])
    if not found:
        raise InvalidInput("territory", f"{code!r} is not a known territory code")
    place = found[0]
    below = await context.call(view.descendants, place.code)
    codes = (place.code, *place.ancestors, *(row.code for row in below))
    return codes, tuple({fold_text(row.name) for row in (place, *below)})


async def _listed(
    info: Info, kind: Callable[..., C], wanted: Listing, nodes: Nodes, source: str,
    territory: str | None, first: int, after: str | None, consistent_with: int | None,
) -> C:  # fmt: skip
    context = info.context
    size = first_of(first, MAX_PAGE)
    start = decode(wanted.kind, after, (str, UUID)) if after is not None else None
    if territory is not None:
        check("territory", territory, max_length=CODE_MAX)
    await reach(context, ("verification", source), consistent_with)
    if territory is not None:
        codes, cities = await _places(context, territory.strip())
        wanted = replace(wanted, codes=codes, cities=cities)
    view = context.container.verification
    found = await context.call(view.listed, wanted, size + 1, start)
    shown = found[:size]
    by_id = await nodes(context, [id for _, id in shown])

    async def count() -> int:
        return await context.call(view.count_listed, wanted)

    return connection(
        kind,
        [(encode(wanted.kind, [name, id]), by_id[id]) for name, id in shown if id in by_id],
        has_next=len(found) > size,
        after=after,
        counter=count,
    )


def _listing(
    info: Info, kind: str, status: list[Any] | None, verification: VerificationState | None,
    since: datetime | None, owner: strawberry.ID | None = None,
) -> Listing:  # fmt: skip
    return Listing(
        kind,
        statuses=tuple(s.value for s in status) if status else None,
        state=verification.value if verification is not None else None,
        as_of=info.context.container.clock.now(),
        changed_since=read_optional_moment("modifiedSince", since),
        organization_id=parse_id("organizationId", owner) if owner is not None else None,
    )


Statuses = Annotated[list[RecordStatus] | None, STATUS]  # type: ignore[valid-type]
Verification = Annotated[VerificationState | None, VERIFICATION]
Since = Annotated[datetime | None, SINCE]
Territory = Annotated[str | None, TERRITORY]
Owner = Annotated[strawberry.ID | None, OWNER]
First = Annotated[int, first_argument(DEFAULT_PAGE, MAX_PAGE)]
After = Annotated[str | None, AFTER]


@strawberry.type
class ListQuery:
    @strawberry.field(
        description="Organizations, by name (French, or English when there is none, without "
        "accents or case) then id. Anyone; others than editors see those in service only."
    )
    async def organizations(
        self, info: Info, status: Statuses = None, verification: Verification = None,
        modified_since: Since = None, territory: Territory = None, first: First = DEFAULT_PAGE,
        after: After = None, consistent_with: ConsistentWith = None,
    ) -> OrganizationsResult:  # fmt: skip
        try:
            wanted = _listing(info, "organization", status, verification, modified_since)
            return await _listed(
                info, OrganizationConnection, wanted, _organizations, "directory",
                territory, first, after, consistent_with,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(OrganizationsResult, as_error(error))

    @strawberry.field(
        description="Services, by name then id. Anyone; others than editors see those in "
        "service only (active, of an active organization)."
    )
    async def services(
        self, info: Info, status: Statuses = None, verification: Verification = None,
        modified_since: Since = None, territory: Territory = None,
        organization_id: Owner = None, first: First = DEFAULT_PAGE, after: After = None,
        consistent_with: ConsistentWith = None,
    ) -> ServicesResult:  # fmt: skip
        try:
            wanted = _listing(
                info, "service", status, verification, modified_since, organization_id
            )
            return await _listed(
                info, ServiceConnection, wanted, _services, "history", territory, first, after,
                consistent_with,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(ServicesResult, as_error(error))

    @strawberry.field(
        description="Locations, by name then id. Anyone; others than editors see those in "
        "service only (active, of an active organization)."
    )
    async def locations(
        self, info: Info, status: Statuses = None, verification: Verification = None,
        modified_since: Since = None, territory: Territory = None,
        organization_id: Owner = None, first: First = DEFAULT_PAGE, after: After = None,
        consistent_with: ConsistentWith = None,
    ) -> LocationsResult:  # fmt: skip
        try:
            wanted = _listing(
                info, "location", status, verification, modified_since, organization_id
            )
            return await _listed(
                info, LocationConnection, wanted, _locations, "history", territory, first,
                after, consistent_with,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(LocationsResult, as_error(error))
