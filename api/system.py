"""The service's own state: who is calling, and how far each projection has read."""

from __future__ import annotations

import strawberry

from api.context import Info


@strawberry.type
class Viewer:
    name: str
    role: str


@strawberry.type
class ProjectionStatus:
    name: str
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
    @strawberry.field(description="The caller, as the bearer token identifies them.")
    def viewer(self, info: Info) -> Viewer:
        principal = info.context.principal
        return Viewer(name=principal.name, role=principal.role.value)

    @strawberry.field(description="Each projection's position and lag.")
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
