"""What a directory search asks and answers, whatever engine serves it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.errors import InvalidInput
from domain.text import parse_text

MAX_PAGE = 100
# A search is a few words, not a document: past these it is refused before any query, so
# the cost of one search (text query, spelling candidates) stays bounded whatever is sent.
MAX_TEXT = 200
MAX_WORDS = 12
MAX_PREFIX = 50
# Words shorter than this are never respelled (too many near neighbours), longer ones are
# not words anyone types.
RESPELL_LENGTHS = range(5, 41)
# Folded words: what spelling suggestions, autocomplete and search gaps compare.
WORD = re.compile(r"[a-z0-9]+")
_ANY_WORD = re.compile(r"\w+")


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


def parse_search_text(field: str, raw: str | None) -> str | None:
    """The text of a search, parsed by the one text rule and bounded in words; None if blank."""
    text = parse_text(field, raw, max_length=MAX_TEXT)
    # Folding can split one character in two words ("¼" folds to "1", a slash, "4"): both
    # counts are bounded.
    if max(len(_ANY_WORD.findall(text)), len(folded_words(text))) > MAX_WORDS:
        raise InvalidInput(field, f"has more than {MAX_WORDS} words")
    return text or None


def parse_prefix(field: str, raw: str) -> str:
    """The start of a name to suggest, parsed by the one text rule."""
    return parse_text(field, raw, max_length=MAX_PREFIX)


@dataclass(frozen=True)
class SearchQuery:
    """One search, as every engine receives it: its text parsed and bounded once, here."""

    text: str | None = None
    near: Point | None = None
    territories: tuple[str, ...] | None = field(
        default=None, metadata={"doc": "the territory asked for and all its ancestors"}
    )
    categories: tuple[str, ...] = ()
    text_categories: tuple[str, ...] = field(
        default=(),
        metadata={
            "doc": "taxonomy codes whose names or synonyms hold the text (and those below them):"
            " a service under one matches the text as its description would"
        },
    )
    languages: tuple[str, ...] = ()
    open_at: datetime | None = None
    include_inactive: bool = False
    first: int = 20
    after: Cursor | None = None
    facets: bool = field(default=True, metadata={"doc": "counting facets costs; skip if unused"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", parse_search_text("text", self.text))

    @property
    def words(self) -> list[str]:
        """The text's words, folded: lower case, without accents, letters and digits."""
        return folded_words(self.text or "")

    @property
    def respell_candidates(self) -> list[str]:
        """The distinct words a spelling suggestion may replace (numbers are not), at most
        MAX_WORDS."""
        words = [w for w in self.words if len(w) in RESPELL_LENGTHS and w.isalpha()]
        return list(dict.fromkeys(words))[:MAX_WORDS]


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


def folded_words(text: str) -> list[str]:
    return WORD.findall(fold_text(text))


def respelled(query: SearchQuery, better: Mapping[str, str]) -> SearchQuery | None:
    """The query with its words replaced by `better` ones; None when nothing changed, or when
    the new text is not one a search may have (folding can lengthen a text)."""
    words = query.words
    changed = [better.get(word, word) for word in words]
    if changed == words:
        return None
    try:
        return replace(query, text=" ".join(changed))
    except InvalidInput:
        return None


# The taxonomy's answer to "which codes does this text name" (`text_categories`).
NamedCategories = Callable[[str], tuple[str, ...]]


def no_categories(text: str) -> tuple[str, ...]:
    return ()


def with_named_categories(query: SearchQuery, named: NamedCategories) -> SearchQuery:
    """The query with the codes its text names, unless it names them already or has no text."""
    if not query.text or query.text_categories:
        return query
    return replace(query, text_categories=named(query.text))


class SearchUnavailable(Exception):
    """The search engine cannot be reached; the directory's records are safe in the log."""

    code = "SEARCH_UNAVAILABLE"


class SearchTimeout(SearchUnavailable):
    """A search ran past its time and was stopped, so that it cannot hold the database."""

    code = "SEARCH_TIMEOUT"

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The search took longer than {seconds:g} s and was stopped. Retry it, or search "
            "with fewer words or a territory, category or language."
        )


class SearchIndex(Protocol):
    """The port every search engine adapter implements; one contract suite checks them all.

    Asynchronous, because the OpenSearch client is; adapters on blocking drivers run their
    queries on a worker thread.
    """

    async def search(self, query: SearchQuery) -> SearchPage: ...

    async def autocomplete(self, prefix: str, first: int) -> list[tuple[str, str]]: ...

    async def gaps(self, first: int) -> list[tuple[str, str, int]]: ...

    async def close(self) -> None: ...
