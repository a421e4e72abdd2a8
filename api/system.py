"""The service's own state: who is calling, and how far each projection has read."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.described import outcomes
from api.errors import NotAuthorizedError


@strawberry.type(description="The caller, as the bearer token identifies them. Anyone.")
class Viewer:
    name: str = strawberry.field(
        description="The token's name, as `guichet tokens add` gave it; `anonymous` with no token."
    )
    role: str = strawberry.field(
        description="The token's role: `public` (no token), `counsellor`, `editor`, "
        "`coverage_admin`, `analyst`, `auditor`, `monitoring` or `admin`. What each may do is "
        "in each field's description."
    )


@strawberry.type(
    description="How far a projection (a read model fed from the event log) has read. Admins "
    "and monitoring tokens only; `error` for admins only."
)
class ProjectionStatus:
    name: str = strawberry.field(
        description="The projection's name, as `consistentWith` and `/health` know it: "
        "`directory`, `search`, `interactions`…"
    )
    position: int = strawberry.field(description="The last log position the view has applied.")
    head: int = strawberry.field(description="The newest position in the log.")
    lag: int = strawberry.field(
        description="How many facts are written but not yet in the view (`head` - `position`)."
    )
    error: str | None = strawberry.field(
        description=(
            "Why the projection is stopped at a fact it cannot apply (its position and topic), "
            "or the last error the in-process runner met while it retries; null when none. "
            "Admins only (null for others): it can name tables, hosts and data."
        )
    )


@strawberry.type(
    description="Every projection's status, in the order `/health` lists them. Admins and "
    "monitoring tokens only."
)
class Projections:
    statuses: list[ProjectionStatus] = strawberry.field(description="One per projection.")


ProjectionsResult = Annotated[
    Projections | NotAuthorizedError,
    strawberry.union(
        "ProjectionsResult",
        description=outcomes("Each projection's status", NotAuthorizedError),
    ),
]


@strawberry.type
class SystemQuery:
    @strawberry.field(description="The caller, as the bearer token identifies them. Anyone.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        return Viewer(name=principal.name, role=principal.role.value)

    @strawberry.field(
        description="Each projection's position and lag, in log positions; a lag that grows "
        "means the views fall behind the writes. Admins and monitoring tokens only, as "
        "`/health`'s details: each contact logged moves the log's head by one."
    )
    async def projections(self, info: Info) -> ProjectionsResult:
        statuses = await info.context.call(info.context.container.status)
        return Projections(
            statuses=[
                ProjectionStatus(
                    name=status.name,
                    position=status.position,
                    head=status.head,
                    lag=status.lag,
                    error=status.error,
                )
                for status in statuses
            ]
        )
