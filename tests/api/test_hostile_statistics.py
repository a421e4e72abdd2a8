"""Public statistics attacked as an attacker would: differencing a table's total against its
cells, a single day, a small place, a rare need, polling and subscribing to time a contact,
and formulas in names reaching CSV."""

from __future__ import annotations

import asyncio
import csv
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Container
from infra.statistics import PublicRules, StatisticsRequest, published
from tests.api.test_interactions import (
    ANALYST,
    CHOMEDEY,
    COUNSELLOR,
    ORGANIZATION_OF,
    RECORD,
    ROSEMONT,
    STATISTICS,
    Contact,
    Need,
    at,
    ready,
)
from tests.e2e.test_command import GUICHET, clean_env
from tests.support.graphql import GraphQLClient

THRESHOLD = 5
SAINT_BENOIT = "45080"  # Saint-Benoît-du-Lac: 27 people, in the MRC de Memphrémagog
MEMPHREMAGOG = "MRC-450"
PERIOD = {"from": "2018-04-01", "to": "2018-04-30"}


def contact(n: int, **changes: Any) -> Contact:
    base = Contact(
        f"h{n}", "PHONE", at("2018-04-02", 9) + timedelta(days=n % 25, minutes=n), 30, 300,
        "fr", "FEMALE" if n % 2 else "MALE", "SIXTIES" if n % 3 else "FORTIES", "SELF",
        ROSEMONT if n % 2 else CHOMEDEY, [Need("BD-1800.2000", ["BD-1800.2000"])],
    )  # fmt: skip
    for name, value in changes.items():
        setattr(base, name, value)
    return base


# 24 ordinary contacts, 5 from a place of 27 people, and one unlike any other: the only
# e-mail, the only `other` gender, the only person under 20, the only third party, the only
# need coded PH-7000, the only unmet need.
CONTACTS = [
    *(contact(n) for n in range(24)),
    *(contact(24 + n, territory=SAINT_BENOIT, needs=[Need("BD-5000", ["BD-5000"])])
      for n in range(5)),
    contact(29, channel="EMAIL", gender="OTHER", age="UNDER_20", inquirer="THIRD_PARTY",
            territory=ROSEMONT, needs=[Need("PH-7000", unmet="COST_TOO_HIGH")]),
]  # fmt: skip
UNIQUE = {"byChannel": "email", "byGender": "other", "byAgeBand": "0-19",
          "byInquirerType": "third_party", "topNeeds": "PH-7000", "byNeedCategory": "PH",
          "topUnmetNeeds": "PH-7000"}  # fmt: skip
CONTACT_TABLES = ("byChannel", "byLanguage", "byGender", "byAgeBand", "byInquirerType",
                  "byRegion")  # fmt: skip


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    # A day-long interval: public figures count what was logged before the first public query.
    return {**environ, "GUICHET_STATISTICS_INTERVAL": "86400"}


async def log(graphql: GraphQLClient, contacts: list[Contact]) -> int:
    position = 0
    for one in contacts:
        receipt = await graphql.data(RECORD, {"input": one.input()}, COUNSELLOR)
        assert receipt["recordInteraction"]["__typename"] == "InteractionReceipt", receipt
        position = int(receipt["recordInteraction"]["position"])
    return position


async def public(graphql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    if variables.get("after"):
        await graphql.settle(variables["after"])  # the public's `consistentWith` is not waited for
    result: dict[str, Any] = (await graphql.data(STATISTICS, {**PERIOD, **variables}))["statistics"]
    return result


def left_over(whole: int, cells: list[dict[str, Any]]) -> int:
    return whole - sum(int(cell["count"]) for cell in cells)


def not_small(count: int) -> bool:
    return abs(count) not in range(1, THRESHOLD)


@pytest.mark.asyncio
async def test_a_hidden_cell_cannot_be_found_from_the_total_or_other_tables(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    after = await log(graphql, CONTACTS)
    stats = await public(graphql, after=after)
    assert stats["__typename"] == "Statistics", stats
    contacts = stats["contacts"]["value"]
    assert contacts == 30
    # The total minus the published cells: nothing, or a group too large to single out (counts
    # are rounded apart, so the parts may also add up to more than their whole).
    for name in CONTACT_TABLES:
        cells = stats[name]
        assert all(cell["count"] is not None and cell["count"] >= THRESHOLD for cell in cells)
        assert not any(cell["suppressed"] for cell in cells), name
        assert not_small(left_over(contacts, cells)), name
    channels = {cell["key"]: cell["count"] for cell in stats["byChannel"]}
    for channel, whole in channels.items():
        months = [cell for cell in stats["byMonth"] if cell["key"] == channel]
        assert not_small(left_over(whole, months)), channel
    regions = {cell["key"]: cell["count"] for cell in stats["byRegion"]}
    for region, whole in regions.items():
        places = [cell for cell in stats["topPlaces"] if cell["group"] == region]
        assert not_small(left_over(whole, places)), region
    assert stats["unmetNeeds"] == {"value": None, "suppressed": True}
    interpreters = stats["interpreterUsed"]["value"]
    assert interpreters is None or not_small(contacts - interpreters)


@pytest.mark.asyncio
async def test_the_key_of_a_rare_cell_is_not_published(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    after = await log(graphql, CONTACTS)
    stats = await public(graphql, after=after)
    for table, key in UNIQUE.items():
        assert key not in {cell["key"] for cell in stats[table]}, (table, stats[table])
    assert "PH-7000" not in {cell["group"] for cell in stats["unmetNeedReasons"]}
    assert "PH-7000" not in stats["csv"]
    exact = (await graphql.data(STATISTICS, {**PERIOD, "after": after}, ANALYST))["statistics"]
    for table, key in UNIQUE.items():  # analysts still see every cell
        assert {cell["key"]: cell["count"] for cell in exact[table]}[key] == 1, table


@pytest.mark.asyncio
async def test_a_small_place_is_grouped_and_cannot_be_asked_for(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    after = await log(graphql, CONTACTS)
    stats = await public(graphql, after=after)
    places = {cell["key"]: cell for cell in stats["topPlaces"]}
    assert SAINT_BENOIT not in places
    assert places[MEMPHREMAGOG]["count"] == 5
    assert places[MEMPHREMAGOG]["label"] == "Memphrémagog"
    asked = await public(graphql, territory=SAINT_BENOIT, after=after)
    assert asked["__typename"] == "InvalidInputError", asked
    assert (asked["code"], asked["field"]) == ("INVALID_INPUT", "territory")
    assert "10,000 people" in asked["message"]
    exact = (await graphql.data(STATISTICS, {**PERIOD, "territory": SAINT_BENOIT,
                                             "after": after}, ANALYST))["statistics"]  # fmt: skip
    assert exact["contacts"]["value"] == 5


@pytest.mark.asyncio
async def test_a_single_day_or_too_few_contacts_is_refused_to_the_public(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    after = await log(graphql, CONTACTS)
    day = await public(graphql, **{"from": "2018-04-02", "to": "2018-04-02"}, after=after)
    assert day["__typename"] == "InvalidInputError", day
    assert (day["code"], day["field"]) == ("INVALID_INPUT", "from")
    assert "at least 7 days" in day["message"]
    six = await public(graphql, **{"from": "2018-04-02", "to": "2018-04-07"}, after=after)
    assert six["__typename"] == "InvalidInputError"
    few = await public(graphql, channel="EMAIL", after=after)
    assert few["__typename"] == "InvalidInputError", few
    assert "at least 10 contacts" in few["message"]
    week = await public(graphql, **{"from": "2018-04-02", "to": "2018-04-08"}, after=after)
    assert week["__typename"] in ("Statistics", "InvalidInputError")
    exact = await graphql.data(
        STATISTICS, {"from": "2018-04-02", "to": "2018-04-02", "after": after}, ANALYST
    )
    assert exact["statistics"]["contacts"]["value"] >= 1


@pytest.mark.asyncio
async def test_polling_public_figures_does_not_tell_when_a_contact_was_logged(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    after = await log(graphql, CONTACTS)
    before = await public(graphql, after=after)
    assert before["position"] == 0
    later = await log(graphql, [contact(40, territory="60013")])
    now = await public(graphql, after=later)
    assert now["position"] == 0
    assert now["contacts"] == before["contacts"]  # counted at the next interval only
    assert now["csv"] == before["csv"]
    exact = (await graphql.data(STATISTICS, {**PERIOD, "after": later}, ANALYST))["statistics"]
    assert exact["contacts"]["value"] == 31
    assert exact["position"] >= later


def test_public_figures_move_by_at_least_the_threshold(
    make_container: Callable[[dict[str, str]], Container], environ: dict[str, str]
) -> None:
    with subscribed(make_container, environ, 0.3, 0.6) as (client, ws):
        assert next_figures(ws)["contacts"]["value"] == 30
        post(client, [contact(n) for n in range(60, 64)])  # four: the difference would show them
        wait_for_contacts(client, 34)
        time.sleep(1.5)  # five intervals
        nothing_sent(ws)
        post(client, [contact(64)])
        assert next_figures(ws)["contacts"]["value"] == 35
        ws.send_json({"id": "1", "type": "complete"})


@pytest.mark.asyncio
async def test_every_process_counts_public_figures_alike(
    container: Container,
    graphql: GraphQLClient,
    make_container: Callable[[dict[str, str]], Container],
    environ: dict[str, str],
) -> None:
    ready(container)
    after = await log(graphql, CONTACTS)
    before = await public(graphql, after=after)
    later = await log(graphql, [contact(44)])
    exact = (await graphql.data(STATISTICS, {**PERIOD, "after": later}, ANALYST))["statistics"]
    assert exact["contacts"]["value"] == 31
    other = make_container(environ)  # the reader of another API process, on the same database
    asked = StatisticsRequest(date(2018, 4, 1), date(2018, 4, 30))
    figures, position = published(
        other.statistics, other.search_view.organization_names, asked, exact=False,
        rules=PublicRules.of(other.settings),
    )  # fmt: skip
    assert (figures.contacts.value, position) == (before["contacts"]["value"], 0) == (30, 0)


# Names a spreadsheet would run as formulas; they reach CSV as receiving organisations.
HOSTILE_NAMES = {"BD-1800.2000": '=HYPERLINK("http://x","y")', "BD-5000": "+cmd|' /C calc'!A0"}
RENAME = """
mutation ($input: RenameOrganizationInput!) {
  renameOrganization(input: $input) { __typename ... on Error { code message } }
}
"""
VERSION = "query ($id: ID!) { organization(id: $id) { ... on Organization { version } } }"


@pytest.mark.asyncio
async def test_formulas_in_names_are_written_to_csv_as_text(
    container: Container, graphql: GraphQLClient, environ: dict[str, str]
) -> None:
    ready(container)
    for code, name in HOSTILE_NAMES.items():
        organization = str(ORGANIZATION_OF[code])
        found = await graphql.data(VERSION, {"id": organization}, "editor-token")
        version = found["organization"]["version"]
        renamed = await graphql.data(RENAME, {"input": {
            "id": organization, "expectedVersion": version, "name": {"fr": name, "en": name},
        }}, "editor-token")  # fmt: skip
        assert renamed["renameOrganization"]["__typename"] == "Receipt", renamed
    container.select(["search"])[0].bring_up_to_date()
    after = await log(graphql, CONTACTS)
    for token in (ANALYST, None):
        stats = (await graphql.data(STATISTICS, {**PERIOD, "after": after}, token))["statistics"]
        labels = {cell["label"] for cell in stats["topReferralOrganizations"]}
        assert set(HOSTILE_NAMES.values()) <= labels, labels  # the API gives the names as they are
        rows = list(csv.reader(stats["csv"].splitlines()))
        for row in rows:
            assert not row[3].startswith(("=", "+", "-", "@", "\t", "\r")), row
        written = {row[3] for row in rows if row[0] == "organization"}
        assert {"'" + name for name in HOSTILE_NAMES.values()} <= written
    for exact in (["--exact"], []):
        exported = await asyncio.to_thread(
            subprocess.run,
            [GUICHET, "stats", "export", "--from", PERIOD["from"], "--to", PERIOD["to"], *exact],
            env=clean_env(**environ), capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows = list(csv.reader(exported.stdout.splitlines()))
        assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row), rows
        written = {row[3] for row in rows if row[0] == "organization"}
        assert {"'" + name for name in HOSTILE_NAMES.values()} <= written, exact


PROTOCOL = ["graphql-transport-ws"]
SUBSCRIBE = """
subscription ($from: Date!, $to: Date!, $channel: ContactChannel) {
  statisticsChanged(from: $from, to: $to, channel: $channel) {
    __typename
    ... on Statistics { exact position contacts { value } topPlaces { key count } }
    ... on Error { code message }
  }
}
"""


def watch(
    make_container: Callable[[dict[str, str]], Container],
    environ: dict[str, str],
    interval: float,
) -> Container:
    container = make_container({**environ, "GUICHET_STATISTICS_INTERVAL": str(interval)})
    ready(container)
    return container


def post(client: TestClient, contacts: list[Contact]) -> None:
    for one in contacts:
        response = client.post("/graphql", json={"query": RECORD, "variables": {
            "input": one.input()}}, headers={"Authorization": f"Bearer {COUNSELLOR}"})  # fmt: skip
        assert response.json()["data"]["recordInteraction"]["__typename"] == "InteractionReceipt"


def subscribe(ws: Any, **variables: Any) -> None:
    ws.send_json({"type": "connection_init", "payload": {}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": "1", "type": "subscribe", "payload": {
        "query": SUBSCRIBE, "variables": {**PERIOD, **variables}}})  # fmt: skip


def nothing_sent(ws: Any) -> None:
    """Messages come in order: a pong before any `next` means nothing was sent until then."""
    ws.send_json({"type": "ping"})
    message = ws.receive_json()
    assert message["type"] == "pong", f"sent to the public: {message}"


def next_figures(ws: Any) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    result: dict[str, Any] = message["payload"]["data"]["statisticsChanged"]
    return result


def wait_for_contacts(client: TestClient, count: int) -> None:
    variables = {**PERIOD, "after": None}
    for _ in range(100):
        data = client.post("/graphql", json={"query": STATISTICS, "variables": variables},
                           headers={"Authorization": f"Bearer {ANALYST}"}).json()  # fmt: skip
        if data["data"]["statistics"]["contacts"]["value"] == count:
            return
        time.sleep(0.1)
    raise AssertionError(f"the view never counted {count} contacts")


@contextmanager
def subscribed(
    make_container: Callable[[dict[str, str]], Container],
    environ: dict[str, str],
    interval: float,
    settle: float,
    **variables: Any,
) -> Iterator[tuple[TestClient, Any]]:
    """A server whose public figures change every `interval` seconds, the 30 contacts logged
    and counted, `settle` seconds passed (into a public interval that counts them all), and a
    public subscription to them sent."""
    container = watch(make_container, environ, interval)
    with (
        TestClient(create_app(container)) as client,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws,
    ):
        post(client, CONTACTS)
        wait_for_contacts(client, 30)
        time.sleep(settle)
        subscribe(ws, **variables)
        yield client, ws


def test_a_contact_in_a_small_place_is_not_pushed_within_the_interval(
    make_container: Callable[[dict[str, str]], Container], environ: dict[str, str]
) -> None:
    with subscribed(make_container, environ, 3.0, 3.0) as (client, ws):
        first = next_figures(ws)
        assert first["contacts"]["value"] == 30, first
        post(client, [contact(41, territory=SAINT_BENOIT)])
        wait_for_contacts(client, 31)
        time.sleep(1.0)
        nothing_sent(ws)
        post(client, [contact(n) for n in range(45, 49)])
        wait_for_contacts(client, 35)
        later = next_figures(ws)  # at the end of the interval, with the others logged in it
        assert later["contacts"]["value"] == 35
        assert SAINT_BENOIT not in {cell["key"] for cell in later["topPlaces"]}
        ws.send_json({"id": "1", "type": "complete"})


def test_a_change_the_public_cannot_see_is_never_pushed(
    make_container: Callable[[dict[str, str]], Container], environ: dict[str, str]
) -> None:
    with subscribed(make_container, environ, 0.3, 0.6, channel="PHONE") as (client, ws):
        first = next_figures(ws)
        assert first["contacts"]["value"] in (25, 30), first  # 29, rounded
        # E-mails (another channel than the one asked) and a test call (never counted).
        post(client, [*(contact(n, channel="EMAIL") for n in range(50, 55)),
                      contact(43, disposition="TEST")])  # fmt: skip
        wait_for_contacts(client, 35)
        time.sleep(1.5)  # five intervals
        nothing_sent(ws)
        ws.send_json({"id": "1", "type": "complete"})
