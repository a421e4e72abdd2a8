"""Acceptance 4: the statistics of needs, unmet needs and need categories carry the names of
their codes in the language asked, in the figures and in their CSV."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Container
from infra.cli.data import run_export_stats
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


# Every table of the statistics, each key named in both languages (acceptance 4).
TABLES = (
    "byChannel", "byMonth", "byLanguage", "byGender", "byAgeBand", "byInquirerType", "byRegion",
    "topPlaces", "byNeedCategory", "topNeeds", "topUnmetNeeds", "unmetReasons",
    "unmetNeedReasons", "topReferralOrganizations",
)  # fmt: skip
EVERY_TABLE = (
    'query ($language: Language) { statistics(from: "2018-01-01", to: "2018-12-31",'
    " language: $language) { ... on Statistics { "
    + " ".join(f"{table} {{ group key label }}" for table in TABLES)
    + " csv } ... on Error { code message } } }"
)
# Keys of the contact record's lists and of the report's regions, as each language names them.
EXPECTED = {
    ("byChannel", "phone"): ("Téléphone", "Phone"),
    ("byMonth", "phone"): ("Téléphone", "Phone"),
    ("byLanguage", "fr"): ("Français", "French"),
    ("byLanguage", "es"): ("Espagnol", "Spanish"),
    ("byGender", "female"): ("Femme", "Woman"),
    ("byAgeBand", "70+"): ("70 ans et plus", "70 and over"),
    ("byInquirerType", "self"): ("Pour soi-même", "For themselves"),
    ("byRegion", "CMM-north-shore"): ("Couronne Nord", "North Shore (CMM)"),
    ("byRegion", "TE-58"): ("Agglomération de Longueuil", "Longueuil agglomeration"),
    ("unmetReasons", "cost_too_high"): ("Coût trop élevé", "Cost too high"),
    ("unmetNeedReasons", "cost_too_high"): ("Coût trop élevé", "Cost too high"),
}
# Tables whose keys have the same name in both languages: proper names.
PROPER_NAMES = {"topPlaces", "topReferralOrganizations"}


async def every_table(graphql: GraphQLClient, language: str) -> dict[str, Any]:
    data = await graphql.data(EVERY_TABLE, {"language": language}, ANALYST)
    found: dict[str, Any] = data["statistics"]
    assert "csv" in found, found
    return found


def labels(figures: dict[str, Any], table: str) -> dict[str, str]:
    return {cell["key"]: cell["label"] for cell in figures[table]}


async def test_every_table_is_named_in_the_language_asked(
    graphql: GraphQLClient, calls: Container
) -> None:
    french, english = await every_table(graphql, "FR"), await every_table(graphql, "EN")
    for table in TABLES:
        assert french[table], table
        for fr, en in zip(french[table], english[table], strict=True):
            assert (fr["group"], fr["key"]) == (en["group"], en["key"]), table
            assert fr["label"], (table, fr)
            assert en["label"], (table, en)
        if table not in PROPER_NAMES and table != "byRegion":
            assert labels(french, table) != labels(english, table), table
    for (table, key), (fr, en) in EXPECTED.items():
        assert labels(french, table).get(key) == fr, (table, key)
        assert labels(english, table).get(key) == en, (table, key)
    for figures in (french, english):
        rows = list(csv.DictReader(io.StringIO(figures["csv"])))
        assert [row for row in rows if not row["label"]] == []
    english_rows = {(row["table"], row["key"]): row["label"]
                    for row in csv.DictReader(io.StringIO(english["csv"]))}  # fmt: skip
    assert english_rows["total", "contacts"] == "Contacts"
    assert english_rows["channel", "phone"] == "Phone"
    assert english_rows["region", "CMM-south-shore"] == "South Shore (CMM)"
    assert english_rows["language", "fr"] == "French"


def test_the_exported_csv_and_its_directory_rows_are_named(
    calls: Container, tmp_path: Path
) -> None:
    for runner in calls.select(["history"]):
        runner.bring_up_to_date()
    written: dict[str, list[dict[str, str]]] = {}
    for language in ("fr", "en"):
        output = tmp_path / f"{language}.csv"
        args = argparse.Namespace(
            start=date(2018, 1, 1), end=date(2018, 12, 31), territory=None, channel=None,
            top=10, language=language, exact=True, directory=True, output=output,
        )  # fmt: skip
        assert run_export_stats(calls.settings, args) == 0
        written[language] = list(csv.DictReader(io.StringIO(output.read_text("utf-8"))))
    for language, rows in written.items():
        assert [row for row in rows if not row["label"]] == [], language
    french = {(row["table"], row["group"], row["key"]): row["label"] for row in written["fr"]}
    english = {(row["table"], row["group"], row["key"]): row["label"] for row in written["en"]}
    assert french["directory", "organization", "added"] == "Organismes : ajoutés"
    assert english["directory", "organization", "added"] == "Organizations: added"
    assert english["directory", "service", "active"] == "Services: active"
    assert (french["gender", "", "male"], english["gender", "", "male"]) == ("Homme", "Man")
    assert english["region", "", "CMM-north-shore"] == "North Shore (CMM)"


def test_figures_sent_as_contacts_are_logged_are_named(calls: Container) -> None:
    subscription = (
        'subscription { statisticsChanged(from: "2018-01-01", to: "2018-12-31", language: EN)'
        " { ... on Statistics { byChannel { key label } byRegion { key label } } } }"
    )
    with (
        TestClient(create_app(calls)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer " + ANALYST}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": subscription}})
        message = ws.receive_json()
        assert message["type"] == "next", message
        figures = message["payload"]["data"]["statisticsChanged"]
        ws.send_json({"id": "1", "type": "complete"})
    assert labels(figures, "byChannel")["phone"] == "Phone"
    assert labels(figures, "byRegion")["CMM-north-shore"] == "North Shore (CMM)"
