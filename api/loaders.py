"""Per-request DataLoaders: one query for all the records a response needs of a kind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from api.taxonomy import TaxonomyTermType
    from api.territories import Territory
    from infra.bootstrap import Container
    from projections.verification import CheckRow

Call = Callable[..., Any]


@dataclass
class Loaders:
    territory: DataLoader[str, Territory | None]
    taxonomy_term: DataLoader[str, TaxonomyTermType | None]
    check: DataLoader[UUID, CheckRow | None]

    @classmethod
    def build(cls, container: Container, call: Call) -> Loaders:
        async def territories(codes: Sequence[str]) -> list[Territory | None]:
            from api.territories import Territory

            rows = await call(container.territories.territories, list(codes))
            by_code = {row.code: Territory.from_row(row) for row in rows}
            return [by_code.get(code) for code in codes]

        async def terms(codes: Sequence[str]) -> list[TaxonomyTermType | None]:
            from api.taxonomy import TaxonomyTermType

            found = await call(container.taxonomy.by_codes, list(codes))
            return [TaxonomyTermType.of(found[c]) if c in found else None for c in codes]

        async def checks(ids: Sequence[UUID]) -> list[CheckRow | None]:
            found = await call(container.verification.checks, list(ids))
            return [found.get(id) for id in ids]

        return cls(
            territory=DataLoader(load_fn=territories), taxonomy_term=DataLoader(load_fn=terms),
            check=DataLoader(load_fn=checks),
        )  # fmt: skip
