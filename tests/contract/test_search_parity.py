"""Parity of the two search engines: the same directory, the same searches, the same answers.

Each case is a search whose answer follows from the embedded search's rules (PostgreSQL's
`websearch_to_tsquery` in French or English, tiers, `ts_rank`, then the id; `levenshtein` for
spelling; `LIKE` on folded names for autocomplete), written out here as the order it gives.
Every engine is held to it: PostgreSQL always, OpenSearch whenever GUICHET_OPENSEARCH_URL
names a server, and then both engines also load the whole sample and are compared search by
search (order, totals and rewritten text).

Service ids are chosen against the expected order: where the rank decides, the better ranked
service has the larger id, so that an engine sorting by id alone fails.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.handlers.directory import RegisterOrganization, RegisterService
from domain.values import LocalizedText
from infra.bootstrap import Container
from projections.search_query import SearchIndex, SearchPage, SearchQuery

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPENSEARCH_URL = os.environ.get("GUICHET_OPENSEARCH_URL")
NEEDS_SERVER = pytest.mark.skipif(not OPENSEARCH_URL, reason="GUICHET_OPENSEARCH_URL is not set")
ENGINES = ["postgres", pytest.param("opensearch", marks=NEEDS_SERVER)]


def ident(number: int) -> UUID:
    return UUID(int=number)


CARREFOUR, CENTRE = ident(1000), ident(1001)
ORGANIZATIONS = {
    CARREFOUR: LocalizedText("Carrefour communautaire de Laval", "Laval Community Crossroads"),
    # "aide" in an organization name: its services are found in the organization tier.
    CENTRE: LocalizedText("Centre d'aide aux familles", "Family Help Centre"),
}


@dataclass(frozen=True)
class Entry:
    number: int
    fr: str
    en: str
    description_fr: str = ""
    description_en: str = ""
    organization: UUID = CARREFOUR


# A small bilingual directory, as a 211 service in Québec holds one.
SAMPLE = [
    Entry(90, "Aide à domicile", "Home care aid", "Soins et ménage pour aînés."),
    Entry(80, "Aide alimentaire d'urgence", "Emergency food aid"),
    Entry(70, "Aide aux devoirs", "Homework help", "Une aide après l'école pour les élèves."),
    Entry(60, "Aide au logement", "Housing assistance"),
    Entry(40, "Banque alimentaire", "Food bank", "Paniers de nourriture chaque semaine."),
    Entry(30, "Aide juridique", "Legal help"),
    Entry(20, "Popote roulante et aide aux aînés", "Meals on wheels and help for seniors"),
    Entry(10, "Banque d'aide alimentaire", "Food support bank"),
    Entry(5, "Friperie", "Thrift store", organization=CENTRE),
    Entry(3, "Maison de la famille", "Family house"),
    Entry(2, "Épicerie solidaire", "Fairly priced groceries"),
    Entry(
        1,
        "Cuisine collective",
        "Community kitchen",
        "On y prépare une aide alimentaire.",
        "Cooking together.",
    ),
    Entry(
        4,
        "Électroencéphalographie pédiatrique",
        "Paediatric EEG",
        description_en="Brain activity tests for children.",
    ),
]


def load(container: Container, entries: Iterable[Entry] = SAMPLE) -> None:
    handler = container.directory_handler
    for id, name in ORGANIZATIONS.items():
        handler.register_organization(RegisterOrganization(id, name), actor="t", at=AT)
    for entry in entries:
        handler.register_service(RegisterService(
            ident(entry.number), entry.organization, LocalizedText(entry.fr, entry.en),
            LocalizedText(entry.description_fr, entry.description_en),
            languages=("fr", "en"),
        ), actor="t", at=AT)  # fmt: skip


def index_of(container: Container) -> SearchIndex:
    # As the process running the projection: on OpenSearch this makes the index under the
    # projection's lock and points the read alias at it once complete (a bare `catch_up`
    # refuses, with no index yet).
    container.runners["search"].bring_up_to_date()
    return container.search


def names(page: SearchPage) -> list[str]:
    return [hit.name_fr for hit in page.hits]


def opensearch_environ(environ: dict[str, str]) -> dict[str, str]:
    assert OPENSEARCH_URL is not None
    return {**environ, "GUICHET_OPENSEARCH_URL": OPENSEARCH_URL}


def drop_indices(container: Container) -> None:
    from opensearchpy import OpenSearch

    from infra.search.opensearch_index import IndexNames

    names = IndexNames.for_schema(container.database.schema)
    client = OpenSearch(hosts=[OPENSEARCH_URL])
    client.indices.delete(index=f"{names.alias}-v*")
    client.indices.delete_index_template(name=names.template)
    client.close()


@pytest.fixture(params=ENGINES)
async def search(
    request: pytest.FixtureRequest,
    environ: dict[str, str],
    make_container: Callable[[dict[str, str]], Container],
) -> AsyncIterator[SearchIndex]:
    """The search port of an engine, over the whole sample."""
    opensearch = request.param == "opensearch"
    container = make_container(opensearch_environ(environ) if opensearch else environ)
    load(container)
    yield index_of(container)
    await container.search.close()
    if opensearch:
        drop_indices(container)


# Tier 3 by rank: "aide" twice in the names (1 + 1/4, tied, then by id), then once in the names
# and once in the description (1 + 0.2/4), then once (1, tied, by id); then the organization
# tier and the description tier.
AIDE = [
    "Aide alimentaire d'urgence",
    "Aide à domicile",
    "Aide aux devoirs",
    "Banque d'aide alimentaire",
    "Popote roulante et aide aux aînés",
    "Aide juridique",
    "Aide au logement",
    "Friperie",
    "Cuisine collective",
]

BANQUES = ["Banque d'aide alimentaire", "Banque alimentaire"]

# Each case: a text, and the services it finds in the order the embedded search's rules give.
CASES = {
    # Every word in French or in English, each in either language's text: "banque" is in the
    # French names, "food" in the English ones. Equal ranks: by id.
    "bilingual": ("banque food", BANQUES),
    # "aide" twice in the first one's names ("Aide", "aid"): it ranks above the other, whose id
    # is lower.
    "bilingual, ranked": ("aide food", ["Aide alimentaire d'urgence", "Banque d'aide alimentaire"]),
    # Snowball French: "loger" and "logement" are both "log".
    "French stem": ("loger", ["Aide au logement"]),
    # Snowball English (Porter2): "fairly" is "fair"; Porter keeps "fairli".
    "English stem": ("fair", ["Épicerie solidaire"]),
    # A service name (tier 3) above an organization name (tier 2).
    "tiers": ("familles", ["Maison de la famille", "Friperie"]),
    "ties within a tier": ("aide", AIDE),
    # Equal ranks in the names, by id; then the description.
    "equal ranks": (
        "alimentaire",
        [
            "Banque d'aide alimentaire",
            "Banque alimentaire",
            "Aide alimentaire d'urgence",
            "Cuisine collective",
        ],
    ),
    # An apostrophe ends a word, and "d" is a stop word.
    "apostrophe": ("d'urgence", ["Aide alimentaire d'urgence"]),
    # French stop words: read as French, nothing is asked; read as English, "de" and "la",
    # which no English text holds (French text is read as French, without them).
    "stop words": ("de la", []),
    # "l" is a French stop word: "l'aide" is "aide" read as French.
    "elision": ("l'aide juridique", ["Aide juridique"]),
    # Snowball French makes "aidants" "aid": as "aide" finds, in the same order.
    "French stem, ranked": ("aidants", AIDE),
    # `websearch_to_tsquery`: `or` between words, either does (equal ranks, by id);
    "or": ("banque or cuisine", ["Cuisine collective", *BANQUES]),
    # at the end, `or` is a word (read as English, a stop word);
    "or at the end": ("aide or", AIDE),
    # `-` excludes, and quotes ask for the words next to each other.
    "excluded": (
        "aide -alimentaire",
        [
            "Aide à domicile",
            "Aide aux devoirs",
            "Popote roulante et aide aux aînés",
            "Aide juridique",
            "Aide au logement",
            "Friperie",
        ],
    ),
    "phrase": (
        '"aide alimentaire"',
        ["Aide alimentaire d'urgence", "Banque d'aide alimentaire", "Cuisine collective"],
    ),
}


@pytest.mark.parametrize("case", CASES)
async def test_each_search_answers_as_the_rules_say(search: SearchIndex, case: str) -> None:
    text, expected = CASES[case]
    page = await search.search(SearchQuery(text=text))
    assert names(page) == expected
    assert page.total == len(expected)
    assert page.rewritten_text is None


async def test_one_edit_is_respelled_and_a_swap_of_two_letters_is_not(
    search: SearchIndex,
) -> None:
    replaced = await search.search(SearchQuery(text="alimantaire"))
    assert replaced.rewritten_text == "alimentaire"
    assert names(replaced) == CASES["equal ranks"][1]

    swapped = await search.search(SearchQuery(text="alimetnaire"))  # two edits for levenshtein
    assert (swapped.total, swapped.rewritten_text) == (0, None)


async def test_pages_of_ranked_results_have_no_duplicates_or_holes(search: SearchIndex) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await search.search(SearchQuery(text="aide", first=2, after=after))
        seen += names(page)
        if not page.has_next:
            break
        after = page.hits[-1].cursor
    assert seen == AIDE


AUTOCOMPLETE = {
    # A one-letter word: the names that start with it first, shorter first, then by name; then
    # a name where it follows a space. "Banque d'aide alimentaire" has no space before "aide".
    "aide a": [
        ("Aide à domicile", "Home care aid"),
        ("Aide au logement", "Housing assistance"),
        ("Aide aux devoirs", "Homework help"),
        ("Aide alimentaire d'urgence", "Emergency food aid"),
        ("Popote roulante et aide aux aînés", "Meals on wheels and help for seniors"),
    ],
    # Words longer than 20 letters, at the start and after a space.
    "electroencephalographi": [("Électroencéphalographie pédiatrique", "Paediatric EEG")],
    "electroencephalographie pediatri": [("Électroencéphalographie pédiatrique", "Paediatric EEG")],
    # The English name is searched too.
    "thrift st": [("Friperie", "Thrift store")],
    "ide": [],  # not the start of a word
}


@pytest.mark.parametrize("prefix", AUTOCOMPLETE)
async def test_autocomplete_answers_as_the_rules_say(search: SearchIndex, prefix: str) -> None:
    assert await search.autocomplete(prefix, 10) == AUTOCOMPLETE[prefix]


# Searches compared between the engines, beyond the cases: what they answer is not written
# out, only that it is the same.
COMPARED = [
    *(text for text, _ in CASES.values()),
    "alimantaire", "alimetnaire", "aide aux aines", "home help", "seniors", "l'aide",
    "cuisine", "children tests", "emergency", "Laval", "crossroads", "help centre",
    "jusqu'à l'école", "-aide", '"food bank"',
]  # fmt: skip


@NEEDS_SERVER
async def test_both_engines_answer_alike(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    embedded = make_container(environ)
    opensearch = make_container({**opensearch_environ(environ), "GUICHET_DATABASE_SCHEMA": (
        environ["GUICHET_DATABASE_SCHEMA"] + "_os"
    )})  # fmt: skip
    try:
        for container in (embedded, opensearch):
            load(container)
        engines = [index_of(embedded), index_of(opensearch)]
        for text in COMPARED:
            first, second = [await engine.search(SearchQuery(text=text)) for engine in engines]
            assert (names(second), second.total, second.rewritten_text) == (
                names(first),
                first.total,
                first.rewritten_text,
            ), text
        for prefix in [*AUTOCOMPLETE, "aide", "ba", "food s", "popote roulante et"]:
            first_names, second_names = [await e.autocomplete(prefix, 10) for e in engines]
            assert second_names == first_names, prefix
    finally:
        await opensearch.search.close()
        drop_indices(opensearch)
