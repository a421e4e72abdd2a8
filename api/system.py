"""The service's own state: who is calling, and how far each projection has read."""

from __future__ import annotations

import strawberry

from api.context import Info


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
    description="How far a projection (a read model fed from the event log) has read. Anyone; "
    "`error` for admins only."
)
class ProjectionStatus:
    name: str = strawberry.field(
        description="The projection's name, as `consistentWith` and `/health` know it: "
        "`directory`, `search`, `interactions`…"
    )
    position: int = strawberry.field(description="Last log position the view has applied.")
    head: int = strawberry.field(description="Newest position in the log.")
    lag: int = strawberry.field(description="Events written but not yet in the view.")
    error: str | None = strawberry.field(
        description=(
            "Why the projection is stopped at a fact it cannot apply (its position and topic), "
            "or the last error the in-process runner met while it retries."
        )
    )


@strawberry.type
class SystemQuery:
    @strawberry.field(description="The caller, as the bearer token identifies them. Anyone.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        return Viewer(name=principal.name, role=principal.role.value)

    @strawberry.field(
        description="Each projection's position and lag, in log positions; a lag that grows "
        "means the views fall behind the writes. Anyone."
    )
    async def projections(self, info: Info) -> list[ProjectionStatus]:
        statuses = await info.context.call(info.context.container.status)
        return [
            ProjectionStatus(
                name=status.name,
                position=status.position,
                head=status.head,
                lag=status.lag,
                error=status.error,
            )
            for status in statuses
        ]
