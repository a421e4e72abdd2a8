"""`searchServices`: the directory search, as a Relay connection with facets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry
from graphql import GraphQLError
from strawberry.types.nodes import SelectedField, Selection

from api.consistency import reach
from api.context import Context, Info
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    SearchUnavailableError,
    as_error,
)
from api.moments import read_optional_moment
from api.pagination import AFTER, Connection, connection, counted, decode, encode, first_argument
from api.shared import LocalizedTextType
from api.vocabulary import Language
from domain.errors import InvalidInput
from domain.text import check
from domain.values import parse_languages, parse_taxonomy
from projections.search_query import (
    MAX_PAGE,
    MAX_PREFIX,
    MAX_TEXT,
    MAX_WORDS,
    Cursor,
    Hit,
    Point,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
    parse_prefix,
)
from projections.statistics_labels import language_name

TEXT = strawberry.argument(
    description=f"Words to find, in French or English: at most {MAX_TEXT} characters and "
    f"{MAX_WORDS} words; no control characters."
)
# Territory codes are at most 50 characters; a search names a few categories and languages.
MAX_CODE = 100
MAX_FILTERS = 50
TERRITORY = strawberry.argument(
    description=f"A territory code: at most {MAX_CODE} characters; services of it or of any "
    "place above it."
)
CATEGORIES = strawberry.argument(
    description=f"Taxonomy codes, at most {MAX_FILTERS}; each matches its descendants."
)
LANGUAGES = strawberry.argument(description=f"ISO 639 language codes, at most {MAX_FILTERS}.")
PREFIX = strawberry.argument(
    description=f"The start of a word of a service name: at most {MAX_PREFIX} characters; "
    "no control characters."
)


@strawberry.input
class PointInput:
    latitude: float
    longitude: float


@strawberry.type
class FacetValue:
    value: str
    count: int
    name: str | None = strawberry.field(
        default=None,
        description="The value's name: a category's or a language's in the language asked, "
        "a territory's own; null for codes without a name.",
    )


@strawberry.type
class SearchFacets:
    categories: list[FacetValue]
    languages: list[FacetValue]
    territories: list[FacetValue]


@strawberry.type(description="A service at a location, as a search result shows it.")
class ServiceAtLocationResult:
    id: strawberry.ID
    service_id: strawberry.ID
    location_id: strawberry.ID | None
    organization_id: strawberry.ID
    name: LocalizedTextType
    organization_name: LocalizedTextType
    city: str | None
    distance_km: float | None = strawberry.field(description="From `near`, when given.")
    active: bool


@strawberry.type
class SearchConnection(Connection[ServiceAtLocationResult]):
    facets: SearchFacets
    rewritten_text: str | None = strawberry.field(
        description="When nothing matched the text as typed, the spelling that was searched."
    )


SearchResult = Annotated[
    SearchConnection
    | InvalidInputError
    | NotAuthorizedError
    | ConsistencyTimeoutError
    | SearchUnavailableError,
    strawberry.union("SearchServicesResult"),
]


def encode_cursor(cursor: Cursor) -> str:
    return encode("search", [cursor.tier, cursor.distance, cursor.rank, cursor.id])


def decode_cursor(raw: str) -> Cursor:
    tier, distance, rank, id = decode("search", raw, (int, float, float, UUID))
    return Cursor(tier, distance, rank, id)


def asks_for(fields: list[Selection], name: str) -> bool:
    """Whether the document selects `name` on the connection, directly or in fragments."""

    def among(selections: list[Selection]) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField):
                if selection.name == name:
                    return True
            elif among(selection.selections):
                return True
        return False

    return any(among(field.selections) for field in fields)  # fields: this resolver's own


def node(hit: Hit) -> ServiceAtLocationResult:
    return ServiceAtLocationResult(
        id=strawberry.ID(str(hit.id)),
        service_id=strawberry.ID(str(hit.service_id)),
        location_id=strawberry.ID(str(hit.location_id)) if hit.location_id else None,
        organization_id=strawberry.ID(str(hit.organization_id)),
        name=LocalizedTextType(fr=hit.name_fr, en=hit.name_en),
        organization_name=LocalizedTextType(fr=hit.organization_fr, en=hit.organization_en),
        city=hit.city,
        distance_km=round(hit.distance_km, 3) if hit.distance_km is not None else None,
        active=hit.active,
    )


@strawberry.type
class Suggestion:
    name: LocalizedTextType


@strawberry.type
class SearchQueryType:
    @strawberry.field(
        description="Service names with a word starting with the prefix; none while the "
        "search engine cannot be reached."
    )
    async def autocomplete(
        self, info: Info, prefix: Annotated[str, PREFIX], first: int = 10
    ) -> list[Suggestion]:
        try:
            parsed = parse_prefix("prefix", prefix)
        except InvalidInput as error:
            raise GraphQLError(
                str(error), extensions={"code": error.code, "field": error.field}
            ) from None
        try:
            names = await info.context.container.search.autocomplete(parsed, max(1, min(first, 20)))
        except SearchUnavailable:
            return []
        return [Suggestion(name=LocalizedTextType(fr=fr, en=en)) for fr, en in names]

    @strawberry.field(description="Searches services at their locations, in French or English.")
    async def search_services(
        self,
        info: Info,
        text: Annotated[str | None, TEXT] = None,
        near: PointInput | None = None,
        territory: Annotated[str | None, TERRITORY] = None,
        categories: Annotated[list[str] | None, CATEGORIES] = None,
        languages: Annotated[list[str] | None, LANGUAGES] = None,
        open_at: datetime | None = None,
        include_inactive: bool = False,
        first: Annotated[int, first_argument(20, MAX_PAGE)] = 20,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: int | None = None,
        language: Annotated[
            Language, strawberry.argument(description="Of the category names in facets.")
        ] = Language.FR,
    ) -> SearchResult:
        context = info.context
        try:
            if not 1 <= first <= MAX_PAGE:
                raise InvalidInput("first", f"must be between 1 and {MAX_PAGE}")
            if near is not None and not (
                -90 <= near.latitude <= 90 and -180 <= near.longitude <= 180
            ):
                raise InvalidInput("near", "latitude is -90 to 90 and longitude -180 to 180")
            open_at = read_optional_moment("openAt", open_at)
            if territory is not None:
                check("territory", territory, max_length=MAX_CODE)
            for name, values in (("categories", categories), ("languages", languages)):
                if values is not None and len(values) > MAX_FILTERS:
                    raise InvalidInput(name, f"has more than {MAX_FILTERS} values")
            # Built first: a text past its bounds is refused before any database work.
            query = SearchQuery(
                text=text,  # parsed and bounded by the query itself
                near=Point(near.latitude, near.longitude) if near else None,
                categories=parse_taxonomy("categories", categories or []),
                languages=parse_languages("languages", languages or []),
                open_at=open_at,
                include_inactive=include_inactive,
                first=first,
                after=decode_cursor(after) if after else None,
                facets=asks_for(info.selected_fields, "facets"),
            )
            await reach(context, ("search", "territories", "taxonomy"), consistent_with)
            if territory:
                rows = await context.call(
                    context.container.territories.territories, [territory.strip()]
                )
                if not rows:
                    raise InvalidInput("territory", f"{territory!r} is not a known territory code")
                query = replace(query, territories=(rows[0].code, *rows[0].ancestors))
            page = await context.container.search.search(query)
            named_facets, territory_names = (
                await context.call(facet_names, context, page, language.value)
                if page.categories or page.territories
                else ({}, {})
            )
            return connection(
                SearchConnection,
                [(encode_cursor(hit.cursor), node(hit)) for hit in page.hits],
                has_next=page.has_next,
                after=after,
                counter=counted(page.total),
                facets=SearchFacets(
                    categories=[
                        FacetValue(value=f.value, count=f.count, name=named_facets.get(f.value))
                        for f in page.categories
                    ],
                    languages=[
                        FacetValue(
                            value=f.value,
                            count=f.count,
                            name=language_name(f.value, language.value),
                        )
                        for f in page.languages
                    ],
                    territories=[
                        FacetValue(value=f.value, count=f.count, name=territory_names.get(f.value))
                        for f in page.territories
                    ],
                ),
                rewritten_text=page.rewritten_text,
            )
        except EXPECTED as error:
            return cast(SearchResult, as_error(error))


def facet_names(
    context: Context, page: SearchPage, language: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Runs on a worker thread: the names of the categories (in `language`) and of the
    territories of the facets."""
    container = context.container
    categories = [f.value for f in page.categories]
    territories = [f.value for f in page.territories]
    return (
        container.taxonomy.names(categories, language) if categories else {},
        {row.code: row.name for row in container.territories.territories(territories)}
        if territories
        else {},
    )
