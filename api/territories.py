"""Territories in GraphQL: a place, its parent and ancestors, and the places within one; the
hierarchy's dated changes, recorded by the `coverage_admin` role."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.cost import TERRITORIES
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    as_error,
)
from api.handling import written
from api.shared import Receipt
from domain.errors import InvalidInput, NotFound
from domain.handlers.coverage import MergeTerritory, MoveTerritory, RenameTerritory
from domain.limits import CODE_MAX, NAME_MAX, REASON_MAX, at_most
from domain.territories import TerritoryKind as DomainTerritoryKind
from domain.text import check
from projections.territories import TerritoryRow

TerritoryKind = strawberry.enum(DomainTerritoryKind, name="TerritoryKind")


@strawberry.type
class Territory:
    code: str = strawberry.field(
        description="Official code: 5-digit MAMH code, RA-NN, MRC-NNN, TE-NN, CMM, QC."
    )
    name: str
    kind: TerritoryKind  # type: ignore[valid-type]
    population: int | None
    parent_code: strawberry.Private[str | None]
    ancestor_codes: strawberry.Private[list[str]]

    @strawberry.field(description="The place directly above in the administrative tree.")
    async def parent(self, info: Info) -> Territory | None:
        if self.parent_code is None:
            return None
        return await info.context.loaders.territory.load(self.parent_code)

    @strawberry.field(
        description="Every place this one lies in, nearest first, groupings included."
    )
    async def ancestors(self, info: Info) -> list[Territory]:
        found = await info.context.loaders.territory.load_many(self.ancestor_codes)
        return [territory for territory in found if territory is not None]

    @classmethod
    def from_row(cls, row: TerritoryRow) -> Territory:
        return cls(
            code=row.code,
            name=row.name,
            kind=DomainTerritoryKind(row.kind),
            population=row.population,
            parent_code=row.parent_code,
            ancestor_codes=row.ancestors,
        )


TerritoryResult = Annotated[
    Territory | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("TerritoryResult"),
]
TerritoriesResult = Annotated[
    "TerritoryList | InvalidInputError | ConsistencyTimeoutError",
    strawberry.union("TerritoriesResult"),
]
CODE = at_most(CODE_MAX)


@strawberry.type
class TerritoryList:
    items: list[Territory]
    population: int = strawberry.field(description="Sum of the listed places' populations.")


@strawberry.type
class TerritoryQuery:
    @strawberry.field(description="A territory by its official code.")
    async def territory(
        self, info: Info, code: Annotated[str, strawberry.argument(description=CODE)],
        consistent_with: int | None = None,
    ) -> TerritoryResult:  # fmt: skip
        try:
            check("code", code, max_length=CODE_MAX)
            await reach(info.context, ("territories",), consistent_with)
            found = await info.context.loaders.territory.load(code.strip())
            if found is None:
                raise NotFound("territory", code)
            return found
        except EXPECTED as error:
            return cast(TerritoryResult, as_error(error))

    @strawberry.field(
        description="Territories of a kind, optionally those directly within a place "
        "(its children in the tree, or the members of a grouping such as the CMM), in code "
        f"order: the first `first` of them (1 to {TERRITORIES}, the default lists them all)."
    )
    async def territories(
        self,
        info: Info,
        kind: TerritoryKind | None = None,  # type: ignore[valid-type]
        within: Annotated[str | None, strawberry.argument(description=CODE)] = None,
        first: int = TERRITORIES,
        consistent_with: int | None = None,
    ) -> TerritoriesResult:
        context = info.context
        try:
            if not 1 <= first <= TERRITORIES:
                raise InvalidInput("first", f"must be between 1 and {TERRITORIES}")
            if within is not None:
                check("within", within, max_length=CODE_MAX)
            await reach(context, ("territories",), consistent_with)
            rows = await context.call(
                context.container.territories.children,
                within,
                kind.value if kind is not None else None,
            )
            items = [Territory.from_row(row) for row in rows[:first]]
            return TerritoryList(
                items=items, population=sum(item.population or 0 for item in items)
            )
        except EXPECTED as error:
            return cast(TerritoriesResult, as_error(error))


@strawberry.input
class TerritoryChangeInput:
    code: str = strawberry.field(description=CODE)
    effective_from: date
    parent_code: str | None = strawberry.field(
        default=None, description=f"moveTerritory: the place it lies in from that date. {CODE}"
    )
    target_code: str | None = strawberry.field(
        default=None, description=f"mergeTerritory: the place it becomes part of. {CODE}"
    )
    name: str | None = strawberry.field(
        default=None, description=f"renameTerritory: new name. {at_most(NAME_MAX)}"
    )
    reason: str | None = strawberry.field(default=None, description=at_most(REASON_MAX))


TerritoryChangeResult = Annotated[
    Receipt | InvalidInputError | NotAuthorizedError,
    strawberry.union("TerritoryChangeResult"),
]


def _given(value: str | None, field: str) -> str:
    if not (value or "").strip():
        raise InvalidInput(field, "is required for this change")
    return (value or "").strip()


@strawberry.type
class TerritoryMutation:
    @strawberry.mutation(description="A territory lies in another one from a date on.")
    async def move_territory(
        self, info: Info, input: TerritoryChangeInput
    ) -> TerritoryChangeResult:
        return cast(TerritoryChangeResult, await written(
            info, info.context.container.coverage_handler.move,
            lambda: MoveTerritory(
                input.code.strip(), _given(input.parent_code, "input.parentCode"),
                input.effective_from, input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(description="A territory ceases, becoming part of another, on a date.")
    async def merge_territory(
        self, info: Info, input: TerritoryChangeInput
    ) -> TerritoryChangeResult:
        return cast(TerritoryChangeResult, await written(
            info, info.context.container.coverage_handler.merge,
            lambda: MergeTerritory(
                input.code.strip(), _given(input.target_code, "input.targetCode"),
                input.effective_from, input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(description="A territory takes a new name from a date on.")
    async def rename_territory(
        self, info: Info, input: TerritoryChangeInput
    ) -> TerritoryChangeResult:
        return cast(TerritoryChangeResult, await written(
            info, info.context.container.coverage_handler.rename,
            lambda: RenameTerritory(
                input.code.strip(), _given(input.name, "input.name"), input.effective_from,
                input.reason,
            ),
        ))  # fmt: skip
