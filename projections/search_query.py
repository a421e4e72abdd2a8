"""What a directory search asks and answers, whatever engine serves it."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

MAX_PAGE = 100


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Cursor:
    """Where a page ended, in the order results are sorted."""

    tier: int
    distance: float
    rank: float
    id: UUID


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    near: Point | None = None
    territories: tuple[str, ...] | None = field(
        default=None, metadata={"doc": "the territory asked for and all its ancestors"}
    )
    categories: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    open_at: datetime | None = None
    include_inactive: bool = False
    first: int = 20
    after: Cursor | None = None
    facets: bool = field(default=True, metadata={"doc": "counting facets costs; skip if unused"})


@dataclass(frozen=True)
class Hit:
    id: UUID
    service_id: UUID
    location_id: UUID | None
    organization_id: UUID
    name_fr: str
    name_en: str
    organization_fr: str
    organization_en: str
    city: str | None
    distance_km: float | None
    active: bool
    cursor: Cursor


def hit_of(row: Mapping[str, Any], id: UUID, distance: float | None, cursor: Cursor) -> Hit:
    """A hit from the fields both engines return under the same names."""
    location = row.get("location_id")
    return Hit(
        id=id,
        service_id=UUID(str(row["service_id"])),
        location_id=UUID(str(location)) if location else None,
        organization_id=UUID(str(row["organization_id"])),
        name_fr=row["name_fr"],
        name_en=row["name_en"],
        organization_fr=row["organization_fr"],
        organization_en=row["organization_en"],
        city=row.get("city"),
        distance_km=distance,
        active=row["active"],
        cursor=cursor,
    )


@dataclass(frozen=True)
class Facet:
    value: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    has_next: bool
    categories: list[Facet]
    languages: list[Facet]
    territories: list[Facet]
    rewritten_text: str | None = None


def fold_text(text: str) -> str:
    """Lower case without accents: how words are compared for spelling suggestions."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class SearchUnavailable(Exception):
    """The search engine cannot be reached; the directory's records are safe in the log."""


class SearchIndex(Protocol):
    """The port every search engine adapter implements; one contract suite checks them all.

    Asynchronous, because the OpenSearch client is; adapters on blocking drivers run their
    queries on a worker thread.
    """

    async def search(self, query: SearchQuery) -> SearchPage: ...

    async def autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]: ...

    async def gaps(self, first: int) -> list[tuple[str, str, int]]: ...

    async def close(self) -> None: ...
