"""Territories in GraphQL: a place, its parent and ancestors, and the places within one; the
hierarchy's dated changes, recorded by the `coverage_admin` role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, TypeVar, cast

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
from api.pagination import AFTER, Connection, first_argument, first_of, in_memory
from api.shared import Receipt
from api.vocabulary import TerritoryKind
from domain.errors import InvalidInput, NotFound
from domain.handlers.coverage import MergeTerritory, MoveTerritory, RenameTerritory
from domain.limits import CODE_MAX, NAME_MAX, REASON_MAX, at_most
from domain.territories import TerritoryKind as DomainTerritoryKind
from domain.text import check
from projections.territories import TerritoryRow


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
C = TypeVar("C", bound=Connection[Any])


@strawberry.type(description="Territories in code order.")
class TerritoryList(Connection[Territory]):
    population: int = strawberry.field(
        description="Sum of the populations of every place of the list, over all its pages."
    )


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
        "order."
    )
    async def territories(
        self,
        info: Info,
        kind: TerritoryKind | None = None,  # type: ignore[valid-type]
        within: Annotated[str | None, strawberry.argument(description=CODE)] = None,
        first: Annotated[int, first_argument(TERRITORIES, TERRITORIES)] = TERRITORIES,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: int | None = None,
    ) -> TerritoriesResult:
        context = info.context
        try:
            first_of(first, TERRITORIES)
            if within is not None:
                check("within", within, max_length=CODE_MAX)
            await reach(context, ("territories",), consistent_with)
            rows = await context.call(
                context.container.territories.children,
                within,
                kind.value if kind is not None else None,
            )
            return in_code_order(TerritoryList, rows, first, after, population=population(rows))
        except EXPECTED as error:
            return cast(TerritoriesResult, as_error(error))


def population(rows: Sequence[TerritoryRow]) -> int:
    return sum(row.population or 0 for row in rows)


def in_code_order(
    kind: Callable[..., C], rows: Sequence[TerritoryRow], first: int, after: str | None,
    **extra: Any,
) -> C:  # fmt: skip
    """A page of places, in code order (sorted here, not by the database's collation, so the
    cursor compares as the order does)."""
    return in_memory(
        kind, rows, first, after, tag="places", key=lambda row: (row.code,), shape=(str,),
        node=Territory.from_row, **extra,
    )  # fmt: skip


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
