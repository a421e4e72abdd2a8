"""Territories in GraphQL: a place, its parent and ancestors, and the places within one; the
hierarchy's dated changes, recorded by the `coverage_admin` role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, TypeVar, cast

import strawberry

from api.consistency import ConsistentWith, reach
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
from api.shared import INPUT, Receipt
from api.vocabulary import TerritoryKind
from domain.errors import InvalidInput, NotFound
from domain.handlers.coverage import MergeTerritory, MoveTerritory, RenameTerritory
from domain.limits import CODE_MAX, NAME_MAX, REASON_MAX, at_most
from domain.territories import TerritoryKind as DomainTerritoryKind
from domain.text import check
from projections.territories import TerritoryRow


@strawberry.type(
    description="A place of Québec's territory reference (province, regions, MRCs, "
    "municipalities, boroughs, and groupings such as the CMM), as it stands now. Anyone."
)
class Territory:
    code: str = strawberry.field(
        description="Official code: 5-digit MAMH code, RA-NN, MRC-NNN, TE-NN, CMM, QC."
    )
    name: str = strawberry.field(description="Its official name, in French.")
    kind: TerritoryKind = strawberry.field(  # type: ignore[valid-type]
        description="What kind of place it is."
    )
    population: int | None = strawberry.field(
        description="Its population, in people, from the territory reference; null when the "
        "reference gives none (a grouping, a borough)."
    )
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
    strawberry.union(
        "TerritoryResult",
        description="The place, or why not: `NotFoundError` (no place has this code), "
        "`InvalidInputError`, `ConsistencyTimeoutError`.",
    ),
]
TerritoriesResult = Annotated[
    "TerritoryList | InvalidInputError | ConsistencyTimeoutError",
    strawberry.union("TerritoriesResult", description="A page of places, or why not."),
]
CODE = at_most(CODE_MAX)
C = TypeVar("C", bound=Connection[Any])


@strawberry.type(description="A page of places, in code order.")
class TerritoryList(Connection[Territory]):
    population: int = strawberry.field(
        description="Sum of the populations of every place of the list, over all its pages."
    )


@strawberry.type
class TerritoryQuery:
    @strawberry.field(description="A territory by its official code. Anyone.")
    async def territory(
        self, info: Info, code: Annotated[str, strawberry.argument(description=CODE)],
        consistent_with: ConsistentWith = None,
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
        "order. Anyone."
    )
    async def territories(
        self,
        info: Info,
        kind: Annotated[
            TerritoryKind | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only places of this kind; all kinds when left out."),
        ] = None,
        within: Annotated[
            str | None,
            strawberry.argument(
                description=f"Only the places directly within this one (by code). {CODE}"
            ),
        ] = None,
        first: Annotated[int, first_argument(TERRITORIES, TERRITORIES)] = TERRITORIES,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: ConsistentWith = None,
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


@strawberry.input(
    description="A change to a place of the territory reference from a date on; each mutation "
    "reads the fields its description names."
)
class TerritoryChangeInput:
    code: str = strawberry.field(description=f"The place that changes, by code. {CODE}")
    effective_from: date = strawberry.field(
        description="The first day the change holds (a date, Montréal time); may be in the past."
    )
    parent_code: str | None = strawberry.field(
        default=None, description=f"moveTerritory: the place it lies in from that date. {CODE}"
    )
    target_code: str | None = strawberry.field(
        default=None, description=f"mergeTerritory: the place it becomes part of. {CODE}"
    )
    name: str | None = strawberry.field(
        default=None, description=f"renameTerritory: new name. {at_most(NAME_MAX)}"
    )
    reason: str | None = strawberry.field(
        default=None, description=f"Why, for the history. {at_most(REASON_MAX)}"
    )


TerritoryChangeResult = Annotated[
    Receipt | InvalidInputError | NotAuthorizedError,
    strawberry.union(
        "TerritoryChangeResult",
        description="What was written (`Receipt.id` is the territory's record), or why "
        "nothing was.",
    ),
]


def _given(value: str | None, field: str) -> str:
    if not (value or "").strip():
        raise InvalidInput(field, "is required for this change")
    return (value or "").strip()


@strawberry.type
class TerritoryMutation:
    @strawberry.mutation(
        description="A territory lies in another one from a date on (`parentCode`); coverage "
        "over time follows. Coverage admins only."
    )
    async def move_territory(
        self, info: Info, input: Annotated[TerritoryChangeInput, INPUT]
    ) -> TerritoryChangeResult:
        return cast(TerritoryChangeResult, await written(
            info, info.context.container.coverage_handler.move,
            lambda: MoveTerritory(
                input.code.strip(), _given(input.parent_code, "input.parentCode"),
                input.effective_from, input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="A territory ceases, becoming part of another (`targetCode`), on a date. "
        "Coverage admins only."
    )
    async def merge_territory(
        self, info: Info, input: Annotated[TerritoryChangeInput, INPUT]
    ) -> TerritoryChangeResult:
        return cast(TerritoryChangeResult, await written(
            info, info.context.container.coverage_handler.merge,
            lambda: MergeTerritory(
                input.code.strip(), _given(input.target_code, "input.targetCode"),
                input.effective_from, input.reason,
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="A territory takes a new name (`name`) from a date on. Coverage admins only."
    )
    async def rename_territory(
        self, info: Info, input: Annotated[TerritoryChangeInput, INPUT]
    ) -> TerritoryChangeResult:
        return cast(TerritoryChangeResult, await written(
            info, info.context.container.coverage_handler.rename,
            lambda: RenameTerritory(
                input.code.strip(), _given(input.name, "input.name"), input.effective_from,
                input.reason,
            ),
        ))  # fmt: skip
