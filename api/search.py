"""`searchServices`: the directory search, as a Relay connection with facets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry
from graphql import GraphQLError
from strawberry.types.nodes import SelectedField, Selection

from api.consistency import ConsistentWith, reach
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
SUGGESTIONS = strawberry.argument(
    description="How many names at most: 10 when left out; below 1 is taken as 1, above 20 as 20."
)
NEAR = strawberry.argument(description="Computes each result's distance from this point.")
OPEN_AT = strawberry.argument(
    description="Only services open at this instant, by their opening hours."
)
INACTIVE = strawberry.argument(
    description="Also inactive services and locations (editors and counsellors only)."
)
PREFIX = strawberry.argument(
    description=f"The start of a word of a service name, matched without accents or case: at "
    f"most {MAX_PREFIX} characters; no control characters. Under 2 letters or digits (once "
    "accents, case and punctuation are set aside) it finds nothing: ask from the second "
    "letter typed."
)


@strawberry.input(description="A point on Earth (WGS 84), such as the inquirer's location.")
class PointInput:
    latitude: float = strawberry.field(description="Latitude in decimal degrees, -90 to 90.")
    longitude: float = strawberry.field(description="Longitude in decimal degrees, -180 to 180.")


@strawberry.type(description="A value of a facet, with how many results of the search have it.")
class FacetValue:
    value: str = strawberry.field(
        description="The code: a taxonomy code, an ISO 639 language code or a territory code."
    )
    count: int = strawberry.field(description="How many results of the whole search have it.")
    name: str | None = strawberry.field(
        default=None,
        description="The value's name: a category's or a language's in the language asked, "
        "a territory's own; null for codes without a name.",
    )


@strawberry.type(
    description="Counts of the whole search's results by value, to offer filters; computed "
    "only when selected."
)
class SearchFacets:
    categories: list[FacetValue] = strawberry.field(description="By taxonomy code.")
    languages: list[FacetValue] = strawberry.field(description="By language of service.")
    territories: list[FacetValue] = strawberry.field(description="By territory served.")


@strawberry.type(description="A service at a location, as a search result shows it.")
class ServiceAtLocationResult:
    id: strawberry.ID = strawberry.field(description="The result's own id (service at location).")
    service_id: strawberry.ID = strawberry.field(description="The service's id.")
    location_id: strawberry.ID | None = strawberry.field(
        description="The location's id; null for a service offered at no location (by phone…)."
    )
    organization_id: strawberry.ID = strawberry.field(description="The organization's id.")
    name: LocalizedTextType = strawberry.field(description="The service's name.")
    organization_name: LocalizedTextType = strawberry.field(description="The organization's name.")
    city: str | None = strawberry.field(description="The location's city, if any.")
    distance_km: float | None = strawberry.field(
        description="Kilometres from `near`, three decimals, when given."
    )
    active: bool = strawberry.field(
        description="False for an inactive service or location (with `includeInactive` only)."
    )


@strawberry.type(
    description="A page of search results, best first: with `text`, services whose name "
    "matches, then whose organization's name does, then the others; within each, nearest to "
    "`near` first when given, else by text rank; then by id."
)
class SearchConnection(Connection[ServiceAtLocationResult]):
    facets: SearchFacets = strawberry.field(description="The whole search's results by value.")
    rewritten_text: str | None = strawberry.field(
        description="When nothing matched the text as typed, the spelling that was searched."
    )


SearchResult = Annotated[
    SearchConnection
    | InvalidInputError
    | NotAuthorizedError
    | ConsistencyTimeoutError
    | SearchUnavailableError,
    strawberry.union(
        "SearchServicesResult",
        description="A page of results, or why not: `InvalidInputError` (a bound passed, a "
        "bad cursor, an unknown territory), `NotAuthorizedError` (`includeInactive` set by a "
        "role other than editor or counsellor), `ConsistencyTimeoutError`, "
        "`SearchUnavailableError` (show that search is down; retry later).",
    ),
]


def encode_cursor(cursor: Cursor) -> str:
    return encode("search", [cursor.tier, cursor.distance, cursor.rank, cursor.id])


# What a search's cursor can hold: a relevance tier (0 without text, 1 to 3 with), a distance
# in km (1e9 for a place without coordinates) and a ts_rank, which is within [0, 1].
TIERS = range(4)
DISTANCE_MAX = 1e9
RANK_MAX = 1.0


def decode_cursor(raw: str) -> Cursor:
    tier, distance, rank, id = decode("search", raw, (int, float, float, UUID))
    if tier not in TIERS or not 0 <= distance <= DISTANCE_MAX or not 0 <= rank <= RANK_MAX:
        raise InvalidInput("after", "is not a cursor of this list")
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


@strawberry.type(description="A service name that completes what the user typed.")
class Suggestion:
    name: LocalizedTextType = strawberry.field(description="The service's name.")


@strawberry.type
class SearchQueryType:
    @strawberry.field(
        description="Names of active services with a word starting with `prefix`: those whose "
        "name starts with it first, then shorter names first. None for a prefix under 2 letters, "
        "or while the search engine cannot be reached. Anyone."
    )
    async def autocomplete(
        self, info: Info, prefix: Annotated[str, PREFIX], first: Annotated[int, SUGGESTIONS] = 10
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

    @strawberry.field(
        description="Searches services at their locations, in French or English, with "
        "filters and facets. Anyone."
    )
    async def search_services(
        self,
        info: Info,
        text: Annotated[str | None, TEXT] = None,
        near: Annotated[PointInput | None, NEAR] = None,
        territory: Annotated[str | None, TERRITORY] = None,
        categories: Annotated[list[str] | None, CATEGORIES] = None,
        languages: Annotated[list[str] | None, LANGUAGES] = None,
        open_at: Annotated[datetime | None, OPEN_AT] = None,
        include_inactive: Annotated[bool, INACTIVE] = False,
        first: Annotated[int, first_argument(20, MAX_PAGE)] = 20,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: ConsistentWith = None,
        language: Annotated[
            Language,
            strawberry.argument(
                description="The language of the names in `facets` (each category's and each "
                "language's `name`). The text is matched in French and English whatever it is; "
                "results keep both names."
            ),
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
