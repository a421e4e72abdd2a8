"""Taxonomy terms through GraphQL: published terms and pages of them, a service's categories
with their names, and editors' changes with typed errors."""

from __future__ import annotations

from typing import Any

import pytest

from infra.bootstrap import Container
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.api.test_services import FOOD_BANK, REGISTER_SERVICE, organization, write
from tests.support.graphql import GraphQLClient

EDITOR = "editor-token"
TERM = """
query ($code: String!, $p: Int) {
  taxonomyTerm(code: $code, consistentWith: $p) {
    __typename
    ... on TaxonomyTerm {
      code name { fr en } synonymsFr synonymsEn version parent { code name { en } }
    }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""
TERMS = """
query ($parent: String, $first: Int!, $after: String) {
  taxonomyTerms(parent: $parent, first: $first, after: $after) {
    __typename
    ... on TaxonomyTermConnection {
      edges { cursor node { code name { fr } } } pageInfo { hasNextPage endCursor }
    }
    ... on InvalidInputError { field message }
  }
}
"""
RESULT = (
    "__typename ... on Receipt { id version position } ... on Error { code message }"
    " ... on InvalidInputError { field }"
)
RENAME = f"""
mutation ($input: RenameTaxonomyTermInput!) {{ renameTaxonomyTerm(input: $input) {{ {RESULT} }} }}
"""
SYNONYMS = f"""
mutation ($input: ChangeTaxonomySynonymsInput!) {{
  changeTaxonomySynonyms(input: $input) {{ {RESULT} }}
}}
"""
DEFINE = f"""
mutation ($input: DefineTaxonomyTermInput!) {{ defineTaxonomyTerm(input: $input) {{ {RESULT} }} }}
"""


@pytest.fixture
def reference(container: Container) -> Container:
    load_taxonomy(container.taxonomy_handler, container.clock.now())
    container.runners["taxonomy"].bring_up_to_date()
    return container


async def term(graphql: GraphQLClient, code: str, position: int | None = None) -> dict[str, Any]:
    if position:
        await graphql.settle(position)  # the public's own `consistentWith` is not waited for
    found: dict[str, Any] = (await graphql.data(TERM, {"code": code, "p": position}))[
        "taxonomyTerm"
    ]
    return found


async def change(graphql: GraphQLClient, document: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = await graphql.data(document, {"input": payload}, EDITOR)
    [result] = data.values()
    assert isinstance(result, dict)
    return result


async def test_a_term_has_its_names_synonyms_and_parent(
    graphql: GraphQLClient, reference: Container
) -> None:
    food = await term(graphql, "bd-1800.2000")
    assert food["name"] == {"fr": "Aide alimentaire", "en": "Food aid"}
    assert "banque alimentaire" in food["synonymsFr"]
    assert "food bank" in food["synonymsEn"]
    assert food["parent"] == {"code": "BD-1800", "name": {"en": "Emergency food"}}
    assert (await term(graphql, "ZZ-9999"))["code"] == "NOT_FOUND"
    assert (await term(graphql, "food"))["field"] == "code"


async def test_terms_page_through_a_level_without_holes(
    graphql: GraphQLClient, reference: Container
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await graphql.data(TERMS, {"first": 4, "after": after}))["taxonomyTerms"]
        seen += [edge["node"]["code"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == ["B", "D", "F", "H", "J", "L", "N", "P", "R", "T", "Y"]
    under = (await graphql.data(TERMS, {"parent": "B", "first": 50}))["taxonomyTerms"]
    assert [edge["node"]["code"] for edge in under["edges"]] == ["BD", "BH", "BM", "BT"]
    refused = (await graphql.data(TERMS, {"first": 500}))["taxonomyTerms"]
    assert refused["field"] == "first"
    refused = (await graphql.data(TERMS, {"first": 5, "after": "nope"}))["taxonomyTerms"]
    assert refused["field"] == "after"


async def test_a_service_shows_its_categories_with_their_names(
    graphql: GraphQLClient, reference: Container
) -> None:
    load_reference(reference.operations, reference.clock)
    owner = await organization(graphql)
    payload = {**FOOD_BANK, "organizationId": owner, "taxonomyCodes": ["BD-1800.2000", "ZZ"]}
    receipt = await write(graphql, REGISTER_SERVICE, payload)
    await graphql.settle(receipt["position"])  # the public's own `consistentWith` is not waited for
    data = await graphql.data(
        "query ($id: ID!, $p: Int) { service(id: $id, consistentWith: $p) { ... on Service {"
        " taxonomyCodes categories { code name { fr en } } } } }",
        {"id": receipt["id"], "p": receipt["position"]},
    )
    service = data["service"]
    assert service["taxonomyCodes"] == ["BD-1800.2000", "ZZ"]
    assert service["categories"] == [
        {"code": "BD-1800.2000", "name": {"fr": "Aide alimentaire", "en": "Food aid"}}
    ]


async def test_editors_rename_and_change_synonyms_of_a_term(
    graphql: GraphQLClient, reference: Container
) -> None:
    version = (await term(graphql, "BH-1800"))["version"]
    renamed = await change(graphql, RENAME, {
        "code": "BH-1800", "name": {"fr": "Hébergement d'urgence", "en": "Emergency lodging"},
        "expectedVersion": version,
    })  # fmt: skip
    changed = await change(graphql, SYNONYMS, {
        "code": "BH-1800", "language": "EN", "synonyms": ["night shelter", " "],
        "expectedVersion": renamed["version"],
    })  # fmt: skip
    stale = await change(graphql, SYNONYMS, {
        "code": "BH-1800", "language": "FR", "synonyms": ["gîte"], "expectedVersion": version,
    })  # fmt: skip

    shelter = await term(graphql, "BH-1800", changed["position"])
    assert shelter["name"]["en"] == "Emergency lodging"
    assert shelter["synonymsEn"] == ["night shelter"]
    assert stale["code"] == "VERSION_CONFLICT"


async def test_an_editor_defines_a_term_and_bad_input_names_its_path(
    graphql: GraphQLClient, reference: Container
) -> None:
    defined = await change(graphql, DEFINE, {
        "code": "BD-1800.2000-620", "name": {"fr": "Frigos partagés", "en": "Community fridges"},
        "synonymsEn": ["free fridge"],
    })  # fmt: skip
    again = await change(graphql, DEFINE, {"code": "BD-1800.2000-620", "name": {"fr": "X"}})
    control = await change(graphql, DEFINE, {"code": "BD-9", "name": {"fr": "Nom\u0007"}})
    many = await change(graphql, SYNONYMS, {
        "code": "BD", "language": "FR", "synonyms": [f"s{n}" for n in range(31)],
    })  # fmt: skip

    fridge = await term(graphql, "BD-1800.2000-620", defined["position"])
    assert fridge["parent"]["code"] == "BD-1800.2000"
    assert (again["__typename"], again["field"]) == ("InvalidInputError", "input.code")
    assert control["__typename"] == "InvalidInputError"
    assert (many["__typename"], many["field"]) == ("InvalidInputError", "input.synonyms")


async def test_only_editors_change_terms(graphql: GraphQLClient, reference: Container) -> None:
    payload = {"code": "BD", "name": {"fr": "Nourriture"}}
    for token in (None, "counsellor-token", "analyst-token"):
        data = await graphql.data(RENAME, {"input": payload}, token)
        assert data["renameTaxonomyTerm"]["code"] == "NOT_AUTHORIZED"
    assert (await term(graphql, "BD"))["name"]["fr"] == "Alimentation"
