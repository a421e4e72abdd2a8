"""The search contract: each directory search rule, on data where the rule matters.

Every search adapter must pass it, through the `SearchIndex` port: the PostgreSQL adapter
always, the OpenSearch adapter whenever GUICHET_OPENSEARCH_URL names a server to test against
(each test uses indices of its own and deletes them).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.handlers.directory import (
    DeactivateRecord,
    LinkServiceToLocation,
    MoveLocation,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
)
from domain.handlers.taxonomy import ChangeSynonyms, Language
from domain.values import Address, Coordinates, LocalizedText, OpeningHours, Schedule
from infra.bootstrap import Container
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from projections.search_query import Point, SearchIndex, SearchPage, SearchQuery

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAVAL = Point(45.5700, -73.7500)
LAVAL_POINT = Coordinates(45.5700, -73.7500)
# Ancestors of Laval in the reference: what the API expands the territory 65005 to.
LAVAL_AND_ABOVE = ("65005", "TE-65", "CMM", "RA-13", "QC")


@dataclass
class Directory:
    container: Container
    organization: UUID

    def service(
        self,
        fr: str,
        en: str = "",
        *,
        description: str = "",
        areas: tuple[str, ...] = ("CMM",),
        categories: tuple[str, ...] = (),
        languages: tuple[str, ...] = ("fr",),
        at: Coordinates | None = None,
        schedule: Schedule | None = None,
    ) -> UUID:
        handler = self.container.directory_handler
        id = uuid4()
        handler.register_service(RegisterService(
            id, self.organization, LocalizedText(fr, en), LocalizedText(description, ""),
            service_areas=areas, taxonomy_codes=categories, languages=languages,
            schedule=schedule or Schedule(),
        ), actor="t", at=AT)  # fmt: skip
        if at is not None:
            location = uuid4()
            handler.register_location(RegisterLocation(
                location, self.organization, LocalizedText(f"Site {fr}", ""),
                address=Address("1 rue", "Laval", "H7A 0A1"), coordinates=at,
            ), actor="t", at=AT)  # fmt: skip
            handler.link_service_to_location(LinkServiceToLocation(id, location), actor="t", at=AT)
        return id

    @property
    def index(self) -> SearchIndex:
        # As the process running them: on OpenSearch that makes the index, and points the
        # read alias at it once complete.
        self.container.runners["search"].bring_up_to_date()
        self.container.runners["territories"].bring_up_to_date()
        return self.container.search

    async def search(self, **asked: object) -> SearchPage:
        return await self.index.search(SearchQuery(**asked))  # type: ignore[arg-type]


OPENSEARCH_URL = os.environ.get("GUICHET_OPENSEARCH_URL")
ENGINES = [
    "postgres",
    pytest.param(
        "opensearch",
        marks=pytest.mark.skipif(not OPENSEARCH_URL, reason="GUICHET_OPENSEARCH_URL is not set"),
    ),
]


@pytest.fixture(params=ENGINES)
async def engine_container(
    request: pytest.FixtureRequest,
    environ: dict[str, str],
    make_container: Callable[[dict[str, str]], Container],
) -> AsyncIterator[Container]:
    env = dict(environ)
    if request.param == "opensearch":
        assert OPENSEARCH_URL is not None
        env["GUICHET_OPENSEARCH_URL"] = OPENSEARCH_URL
    container = make_container(env)
    yield container
    await container.search.close()
    if request.param == "opensearch":
        from opensearchpy import OpenSearch

        from infra.search.opensearch_index import IndexNames

        names = IndexNames.for_schema(container.database.schema)
        client = OpenSearch(hosts=[OPENSEARCH_URL])
        client.indices.delete(index=f"{names.alias}-v*")
        client.indices.delete_index_template(name=names.template)
        client.close()


@pytest.fixture
def directory(engine_container: Container) -> Directory:
    container = engine_container
    load_reference(container.operations, container.clock)
    organization = uuid4()
    container.directory_handler.register_organization(
        RegisterOrganization(organization, LocalizedText("Entraide Laval", "Laval Mutual Aid")),
        actor="t", at=AT,
    )  # fmt: skip
    return Directory(container, organization)


def names(page: SearchPage) -> list[str]:
    return [hit.name_fr for hit in page.hits]


async def test_accents_and_case_are_ignored(directory: Directory) -> None:
    directory.service("Déneigement pour aînés", "Snow removal for seniors")
    assert names(await directory.search(text="deneigement")) == ["Déneigement pour aînés"]
    assert names(await directory.search(text="AINES")) == ["Déneigement pour aînés"]


async def test_either_language_matches(directory: Directory) -> None:
    directory.service("Déneigement pour aînés", "Snow removal for seniors")
    assert names(await directory.search(text="snow removal")) == ["Déneigement pour aînés"]
    assert names(await directory.search(text="déneigement")) == ["Déneigement pour aînés"]


async def test_one_typo_in_a_long_word_is_tolerated(directory: Directory) -> None:
    directory.service("Déneigement pour aînés", "Snow removal for seniors")

    page = await directory.search(text="denaigement")

    assert names(page) == ["Déneigement pour aînés"]
    assert page.rewritten_text == "deneigement"
    assert (await directory.search(text="neige")).total == 0  # short words are not respelled


async def test_name_matches_rank_above_description_matches(directory: Directory) -> None:
    directory.service("Cuisine collective", description="On y prépare une aide alimentaire.")
    directory.service("Aide alimentaire d'urgence")

    assert names(await directory.search(text="aide alimentaire")) == [
        "Aide alimentaire d'urgence",
        "Cuisine collective",
    ]


async def test_near_sorts_nearer_first_without_excluding_far_services(directory: Directory) -> None:
    directory.service("Friperie Nord", at=Coordinates(45.60, -73.75))
    directory.service("Friperie Sud", at=Coordinates(45.52, -73.75))
    directory.service("Friperie Gatineau", at=Coordinates(45.48, -75.70), areas=("QC",))

    page = await directory.search(text="friperie", near=LAVAL)

    assert names(page) == ["Friperie Nord", "Friperie Sud", "Friperie Gatineau"]
    distances = [hit.distance_km for hit in page.hits]
    assert distances[0] is not None
    assert 3 < distances[0] < 4  # 0.03 degrees of latitude
    assert distances[2] is not None
    assert distances[2] > 100


async def test_a_territory_finds_services_of_it_or_any_place_above(directory: Directory) -> None:
    directory.service("Service de Laval", areas=("65005",))
    directory.service("Service de la CMM", areas=("CMM",))
    directory.service("Service du Québec", areas=("QC",))
    directory.service("Service de Montréal", areas=("66023",))

    found = names(await directory.search(territories=LAVAL_AND_ABOVE))

    assert sorted(found) == ["Service de Laval", "Service de la CMM", "Service du Québec"]


async def test_inactive_records_are_hidden_unless_asked(directory: Directory) -> None:
    closed = directory.service("Halte-garderie")
    directory.container.directory_handler.deactivate_record(
        DeactivateRecord(closed, 1, "fermé"), actor="t", at=AT
    )

    assert (await directory.search(text="halte")).total == 0
    page = await directory.search(text="halte", include_inactive=True)
    assert [(hit.name_fr, hit.active) for hit in page.hits] == [("Halte-garderie", False)]


async def test_pages_have_no_duplicates_or_holes(directory: Directory) -> None:
    for number in range(25):
        directory.service(f"Atelier {number:02d}", at=Coordinates(45.5 + number / 1000, -73.7))
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await directory.search(text="atelier", near=LAVAL, first=10, after=after)
        seen += names(page)
        pages += 1
        assert page.total == 25
        if not page.has_next:
            break
        after = page.hits[-1].cursor

    assert pages == 3
    assert sorted(seen) == sorted(f"Atelier {n:02d}" for n in range(25))
    assert len(set(seen)) == 25


async def test_categories_match_their_descendants_and_languages_filter(
    directory: Directory,
) -> None:
    directory.service("Banque alimentaire", categories=("BD-1800.2000",), languages=("fr", "es"))
    directory.service("Logement social", categories=("BH-7000",))

    assert names(await directory.search(categories=("BD-1800",))) == ["Banque alimentaire"]
    assert names(await directory.search(languages=("es",))) == ["Banque alimentaire"]
    page = await directory.search()
    assert {(f.value, f.count) for f in page.categories} >= {("BD", 1), ("BH-7000", 1)}


async def test_a_service_under_a_category_the_text_names_matches_it(
    directory: Directory,
) -> None:
    directory.service("Dépannage alimentaire", "Emergency food aid", categories=("BD-1800.2000",))
    directory.service("Food bank of the parish", categories=("BH-7000",))
    directory.service("Logement social", categories=("BH-7000",))
    named = ("BD-1800", "BD-1800.2000")

    assert names(await directory.search(text="food bank")) == ["Food bank of the parish"]
    page = await directory.search(text="food bank", text_categories=named)
    # A name that holds the words ranks above a service found by its category.
    assert names(page) == ["Food bank of the parish", "Dépannage alimentaire"]
    assert page.total == 2
    assert (await directory.search(text_categories=named)).total == 3  # no text: no matching


async def test_the_index_reads_the_codes_a_text_names_from_the_taxonomy(
    directory: Directory,
) -> None:
    container = directory.container
    load_taxonomy(container.taxonomy_handler, AT)
    directory.service("Dépannage alimentaire", "Emergency food aid", categories=("BD-1800.2000",))
    container.runners["taxonomy"].catch_up()

    assert names(await directory.search(text="banque alimentair")) == ["Dépannage alimentaire"]
    assert (await directory.search(text="soupe populaire")).total == 0
    container.taxonomy_handler.change_synonyms(
        ChangeSynonyms("BD-1800", Language.FR, ("soupe populaire",)), actor="t", at=AT
    )
    container.runners["taxonomy"].catch_up()
    assert names(await directory.search(text="soupe populaire")) == ["Dépannage alimentaire"]


async def test_open_at_uses_montreal_time(directory: Directory) -> None:
    tuesday = Schedule((OpeningHours(2, "09:00", "12:00"),))
    directory.service("Comptoir vestimentaire", schedule=tuesday)

    # 15:30 UTC on Tuesday 2026-03-03 is 10:30 in Montréal.
    assert (await directory.search(open_at=datetime(2026, 3, 3, 15, 30, tzinfo=UTC))).total == 1
    assert (await directory.search(open_at=datetime(2026, 3, 3, 18, 30, tzinfo=UTC))).total == 0


async def test_open_at_ends_at_the_closing_minute_and_skips_closed_days(
    directory: Directory,
) -> None:
    montreal = ZoneInfo("America/Montreal")
    tuesdays = Schedule((OpeningHours(2, "09:00", "17:00"),), closed_on=(date(2026, 3, 10),))
    directory.service("Comptoir vestimentaire", schedule=tuesdays)

    async def open_at(day: int, hour: int, minute: int) -> int:
        moment = datetime(2026, 3, day, hour, minute, tzinfo=montreal)
        return (await directory.search(open_at=moment)).total

    assert await open_at(3, 16, 59) == 1
    assert await open_at(3, 17, 0) == 0
    assert await open_at(10, 10, 0) == 0  # a Tuesday it is closed
    assert await open_at(17, 10, 0) == 1


async def test_searches_with_no_result_are_counted_without_the_searcher(
    directory: Directory,
) -> None:
    directory.service("Aide aux devoirs")
    await directory.search(text="Zoothérapie")
    await directory.search(text="zootherapie")

    assert await directory.index.gaps(10) == [("zootherapie", "", 2)]


async def test_edits_to_a_location_move_its_results(directory: Directory) -> None:
    service = directory.service("Clinique d'impôts", at=Coordinates(45.60, -73.75))
    location = (await directory.search(text="impots")).hits[0].location_id
    assert location is not None

    move = MoveLocation(
        location, 1, Address("9 rue", "Laval", "H7B 0B0"), Coordinates(45.52, -73.75), "moved"
    )
    directory.container.directory_handler.move_location(move, actor="t", at=AT)

    [hit] = (await directory.search(text="impots", near=LAVAL)).hits
    assert hit.service_id == service
    assert hit.distance_km is not None
    assert hit.distance_km < 7


async def test_autocomplete_suggests_names_by_word_prefix(directory: Directory) -> None:
    directory.service("Déneigement pour aînés", "Snow removal for seniors")
    directory.service("Aide aux devoirs", "Homework help")
    search = directory.index
    assert await search.autocomplete("dénei", 10) == [
        ("Déneigement pour aînés", "Snow removal for seniors")
    ]
    assert await search.autocomplete("AIN", 10) == [
        ("Déneigement pour aînés", "Snow removal for seniors")
    ]
    assert await search.autocomplete("homew", 10) == [("Aide aux devoirs", "Homework help")]
    assert await search.autocomplete("x", 10) == []


async def test_a_rebuild_answers_as_before(directory: Directory) -> None:
    directory.service("Déneigement pour aînés", "Snow removal for seniors", at=LAVAL_POINT)
    directory.service("Aide aux devoirs", "Homework help")
    before = await directory.search(text="aines", near=LAVAL)

    directory.container.runners["search"].rebuild()

    after = await directory.search(text="aines", near=LAVAL)
    assert [(h.id, h.distance_km) for h in after.hits] == [
        (h.id, h.distance_km) for h in before.hits
    ]
    assert after.total == before.total == 1
