"""Acceptance 2: the demo's food-aid services are found by their category's names and synonyms
in both languages, one typo a word included; an editor's new synonym is found at once; facets
name their categories in the language asked."""

from __future__ import annotations

from typing import Any

import pytest

from infra.bootstrap import Container
from infra.demo import PLACES, TEMPLATES, load_demo, offers
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient

EDITOR = "editor-token"
FOOD_AID = TEMPLATES[0]
# The demo's food-aid services (20), each at one location.
FOOD_AID_SERVICES = sum(offers(place, 0) for place in range(len(PLACES)))
SEARCH = """
query ($text: String, $language: Language! = FR, $first: Int! = 100, $p: Int) {
  searchServices(text: $text, first: $first, language: $language, consistentWith: $p) {
    ... on SearchConnection {
      totalCount
      edges { node { name { fr } } }
      facets { categories { value count name } }
    }
    ... on Error { code message }
  }
}
"""


@pytest.fixture
def demo(container: Container) -> Container:
    at = container.clock.now()
    load_reference(container.operations, container.clock)
    load_taxonomy(container.taxonomy_handler, at)
    load_demo(container.directory_handler, at)
    for runner in container.select(["search", "territories", "taxonomy"]):
        runner.bring_up_to_date()
    return container


async def search(graphql: GraphQLClient, text: str, **variables: Any) -> dict[str, Any]:
    if variables.get("p"):
        await graphql.settle(variables["p"])  # the public's own `consistentWith` is not waited for
    data = await graphql.data(SEARCH, {"text": text, **variables})
    found: dict[str, Any] = data["searchServices"]
    return found


def food_aid_count(found: dict[str, Any]) -> int:
    return sum(1 for e in found["edges"] if e["node"]["name"]["fr"] == FOOD_AID.fr)


@pytest.mark.parametrize(
    "text",
    [
        "food bank", "banque alimentaire", "emergency food", "fod bank", "food bnk",
        "banque alimentair", "banqe alimentaire", "emergency fod", "emergncy food",
    ],
)  # fmt: skip
async def test_the_demo_s_food_aid_services_are_found_by_their_category(
    graphql: GraphQLClient, demo: Container, text: str
) -> None:
    found = await search(graphql, text)
    assert FOOD_AID_SERVICES == 20
    assert food_aid_count(found) == FOOD_AID_SERVICES
    # Only services under the food categories, not every service of the directory.
    assert all(e["node"]["name"]["fr"] != "Comité logement" for e in found["edges"])


async def test_a_synonym_an_editor_adds_is_found_once_projected(
    graphql: GraphQLClient, demo: Container
) -> None:
    assert (await search(graphql, "soupe populaire"))["totalCount"] == 0
    changed = await graphql.data(
        "mutation ($input: ChangeTaxonomySynonymsInput!) { changeTaxonomySynonyms(input: $input)"
        " { ... on Receipt { position } } }",
        {"input": {"code": "BD-1800.2000", "language": "FR", "synonyms": ["soupe populaire"]}},
        EDITOR,
    )
    position = changed["changeTaxonomySynonyms"]["position"]
    assert food_aid_count(await search(graphql, "soupe populaire", p=position)) == FOOD_AID_SERVICES


async def test_facets_name_categories_in_the_language_asked(
    graphql: GraphQLClient, demo: Container
) -> None:
    french = {
        f["value"]: f["name"] for f in (await search(graphql, "food"))["facets"]["categories"]
    }
    english = {
        f["value"]: f["name"]
        for f in (await search(graphql, "food", language="EN"))["facets"]["categories"]
    }
    assert french["BD-1800.2000"] == "Aide alimentaire"
    assert english["BD-1800.2000"] == "Food aid"
    assert (french["BD"], english["BD"]) == ("Alimentation", "Food")


FACETS = """
query ($language: Language!) {
  searchServices(first: 1, language: $language) {
    ... on SearchConnection {
      facets { languages { value name } territories { value name } }
    }
    ... on Error { code message }
  }
}
"""


async def test_facets_name_languages_and_territories(
    graphql: GraphQLClient, demo: Container
) -> None:
    named = {}
    for language in ("FR", "EN"):
        facets = (await graphql.data(FACETS, {"language": language}))["searchServices"]["facets"]
        named[language] = {
            kind: {f["value"]: f["name"] for f in facets[kind]}
            for kind in ("languages", "territories")
        }
    assert named["FR"]["languages"]["fr"] == "Français"
    assert named["EN"]["languages"]["fr"] == "French"
    assert named["EN"]["languages"]["en"] == "English"
    territories = {code: row.name for code, row in demo.territories.snapshot().rows.items()}
    for language in ("FR", "EN"):
        assert named[language]["territories"], language
        assert all(named[language]["languages"].values()), named[language]
        assert named[language]["territories"] == {
            code: territories[code] for code in named[language]["territories"]
        }


async def test_a_top_level_category_finds_every_service_below_it(
    graphql: GraphQLClient, demo: Container
) -> None:
    query = (
        "query ($c: [String!]) { searchServices(categories: $c, first: 1) {"
        " ... on SearchConnection { totalCount } ... on Error { code message } } }"
    )
    below = (await graphql.data(query, {"c": ["BD"]}))["searchServices"]["totalCount"]
    top = (await graphql.data(query, {"c": ["B"]}))["searchServices"]["totalCount"]

    assert below > 0
    assert top >= below  # `B` is above `BD`, as the taxonomy's code_parent says
