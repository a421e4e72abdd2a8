"""Acceptance 4: the statistics of needs, unmet needs and need categories carry the names of
their codes in the language asked, in the figures and in their CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.demo import load_demo
from infra.demo_calls import Plan, load_calls
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient

ANALYST = "analyst-token"
QUERY = """
query ($language: Language) {
  statistics(from: "2018-01-01", to: "2018-12-31", language: $language) {
    ... on Statistics {
      topNeeds { key label }
      topUnmetNeeds { key label }
      byNeedCategory { key label }
      csv
    }
    ... on Error { code message }
  }
}
"""


@pytest.fixture
def calls(container: Container) -> Container:
    at = container.clock.now()
    load_reference(container.operations, container.clock)
    load_taxonomy(container.taxonomy_handler, at)
    load_demo(container.directory_handler, at)
    load_calls(container.contact_handler, Plan(400, date(2018, 1, 1), date(2018, 12, 31)))
    for runner in container.select(["interactions", "territories", "search", "taxonomy"]):
        runner.bring_up_to_date()
    return container


async def statistics(graphql: GraphQLClient, language: str | None) -> dict[str, Any]:
    variables = {} if language is None else {"language": language}
    data = await graphql.data(QUERY, variables, ANALYST)
    found: dict[str, Any] = data["statistics"]
    return found


async def test_needs_and_categories_are_named_in_the_language_asked(
    graphql: GraphQLClient, calls: Container
) -> None:
    french, english = await statistics(graphql, None), await statistics(graphql, "EN")
    names = {t.code: t for t in calls.taxonomy.terms()}

    for table in ("topNeeds", "topUnmetNeeds", "byNeedCategory"):
        assert french[table], table
        for fr, en in zip(french[table], english[table], strict=True):
            assert fr["key"] == en["key"]
            assert fr["label"] == names[fr["key"]].name.fr
            assert en["label"] == names[en["key"]].name.en
    unmet = {cell["key"]: cell["label"] for cell in french["topUnmetNeeds"]}
    assert unmet.get("BT-4500") == "Transport-accompagnement"
    categories = {cell["key"]: cell["label"] for cell in english["byNeedCategory"]}
    assert categories.get("BD") == "Food"

    rows = list(csv.DictReader(io.StringIO(english["csv"])))
    labelled = {row["key"]: row["label"] for row in rows if row["table"] == "category"}
    assert labelled == {key: names[key].name.en for key in labelled}
    assert labelled
