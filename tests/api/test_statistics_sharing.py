"""Exact `statisticsChanged` figures are counted once per move of the contacts view for every
subscriber of the same query, and completed once per selection; what each subscriber is sent
is what a fresh `statistics` query answers, for every role that sees exact figures."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from typing import Any

import pytest
from starlette.testclient import TestClient

import infra.statistics
from api.app import create_app
from api.live_statistics import every_figures
from api.shared_events import SharingExecutionContext
from domain.errors import InvalidInput
from infra.bootstrap import Container
from infra.statistics import PublicRules, StatisticsReader, StatisticsRequest, published
from projections.statistics import compute
from tests.api.test_interactions import ready
from tests.api.test_statistics_subscription import PROTOCOL, log

FIGURES = """
  ... on Statistics {
    exact position contacts { value suppressed } needs { value } referrals { value }
    needsPerContact averageWaitSeconds averageHandleSeconds
    byChannel { group key label count share suppressed } byMonth { group key count }
    byRegion { key label count share } topPlaces { group key label count share }
    topNeeds { key label count share } unmetNeedReasons { group key count share }
    topReferralOrganizations { key label count share } csv
  }
  ... on Error { code message }
"""
SUBSCRIBE = (
    "subscription ($from: Date!, $to: Date!, $top: Int!, $language: Language!) {"
    " statisticsChanged(from: $from, to: $to, top: $top, language: $language) {"
    + FIGURES + "} }"
)  # fmt: skip
QUERY = (
    "query ($from: Date!, $to: Date!, $top: Int!, $language: Language!) {"
    " statistics(from: $from, to: $to, top: $top, language: $language) {" + FIGURES + "} }"
)
# Another selection of the same figures, which must not be handed the first one's completion.
SMALLER = (
    "subscription ($from: Date!, $to: Date!, $top: Int!, $language: Language!, $all: Boolean!)"
    " { statisticsChanged(from: $from, to: $to, top: $top, language: $language) {"
    " ... on Statistics { position total: contacts { value } byChannel @include(if: $all) { key } }"
    " } }"
)
PERIOD = {"from": "2018-04-01", "to": "2018-07-30", "top": 3, "language": "FR"}


@pytest.fixture
def completions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The `Statistics` objects graphql-core completes (the real completion, counted)."""
    made: list[str] = []
    complete = SharingExecutionContext.complete_object_value

    def counted(self: SharingExecutionContext, return_type: Any, *args: Any) -> Any:
        if return_type.name == "Statistics":
            made.append(return_type.name)
        return complete(self, return_type, *args)

    monkeypatch.setattr(SharingExecutionContext, "complete_object_value", counted)
    return made


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every count of figures the statistics reader makes (the real one, counted)."""
    made: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return compute(*args, **kwargs)

    monkeypatch.setattr(infra.statistics, "compute", counted)
    return made


def subscribed(
    stack: ExitStack, client: TestClient, token: str, document: str, variables: dict[str, Any]
) -> Any:
    ws = stack.enter_context(client.websocket_connect("/graphql", subprotocols=PROTOCOL))
    ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": "1", "type": "subscribe",
                  "payload": {"query": document, "variables": variables}})  # fmt: skip
    return ws


def sent(ws: Any) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    figures: dict[str, Any] = message["payload"]["data"]["statisticsChanged"]
    return figures


def fresh(client: TestClient, token: str) -> dict[str, Any]:
    response = client.post(
        "/graphql", json={"query": QUERY, "variables": PERIOD},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    figures: dict[str, Any] = response.json()["data"]["statistics"]
    return figures


def moved(
    client: TestClient, sockets: list[Any], index: int, seen: int
) -> Iterator[dict[str, Any]]:
    """Logs a contact, then the figures each socket is sent that include it."""
    log(client, index)
    for ws in sockets:
        figures = sent(ws)
        while figures["position"] <= seen:  # pragma: no cover - a move of another kind
            figures = sent(ws)
        yield figures


@pytest.mark.parametrize("token", ["analyst-token", "auditor-token", "admin-token"])
def test_every_subscriber_is_sent_what_a_fresh_query_answers(
    container: Container, token: str
) -> None:
    ready(container)
    with TestClient(create_app(container)) as client, ExitStack() as stack:
        sockets = [subscribed(stack, client, token, SUBSCRIBE, PERIOD) for _ in range(3)]
        first = [sent(ws) for ws in sockets]
        assert first[0]["exact"] is True
        assert all(figures == fresh(client, token) for figures in first)
        seen = first[0]["position"]
        for index in range(3):
            figures = list(moved(client, sockets, index, seen))
            answer = fresh(client, token)
            assert answer["contacts"]["value"] == index + 1
            assert all(each == answer for each in figures), (figures, answer)
            seen = answer["position"]


def test_subscribers_of_the_same_figures_share_one_computation_per_move(
    container: Container, computations: list[int], completions: list[str]
) -> None:
    ready(container)
    subscribers = 6
    with TestClient(create_app(container)) as client, ExitStack() as stack:
        sockets = [
            subscribed(stack, client, "analyst-token", SUBSCRIBE, PERIOD)
            for _ in range(subscribers)
        ]
        seen = max(sent(ws)["position"] for ws in sockets)
        (live,) = every_figures(container)
        assert live.polls == 1  # however many joined at once
        for index in range(3):
            before, moves, completed = len(computations), live.moves, len(completions)
            figures = list(moved(client, sockets, index, seen))
            assert len({str(each) for each in figures}) == 1
            seen = figures[0]["position"]
            counted = len(computations) - before
            # One computation per move of the view (a contact may move it twice), not one each.
            assert 1 <= counted <= live.moves - moves, (counted, live.moves - moves)
            assert counted < subscribers
            # ... and completed once for all, their selections being the same.
            assert len(completions) - completed == counted


def test_other_selections_and_variables_are_completed_on_their_own(
    container: Container,
) -> None:
    ready(container)
    with TestClient(create_app(container)) as client, ExitStack() as stack:
        full = subscribed(stack, client, "analyst-token", SUBSCRIBE, PERIOD)
        with_channels = subscribed(stack, client, "analyst-token", SMALLER, {**PERIOD, "all": True})
        without: Callable[[], Any] = lambda: subscribed(  # noqa: E731
            stack, client, "analyst-token", SMALLER, {**PERIOD, "all": False}
        )
        bare = without()
        sockets = [full, with_channels, bare]
        seen = max(sent(ws)["position"] for ws in sockets)
        whole, channels, alone = moved(client, sockets, 0, seen)
        assert whole == fresh(client, "analyst-token")
        assert channels == {
            "position": whole["position"], "total": {"value": 1},
            "byChannel": [{"key": cell["key"]} for cell in whole["byChannel"]],
        }  # fmt: skip
        assert alone == {"position": whole["position"], "total": {"value": 1}}


def caught_up(container: Container) -> None:
    """Waits for the app's own runner to bring the contacts view to the log's head."""
    runner = container.runners["interactions"]
    head = runner.recorder.max_notification_id() or 0
    deadline = time.monotonic() + 30
    while container.interactions.position() < head:
        assert time.monotonic() < deadline, "the contacts view did not catch up"
        time.sleep(0.05)


def test_figures_kept_between_moves_equal_a_fresh_count(container: Container) -> None:
    """The reader keeps counts until the view moves; a reader that never counted before (its
    own columns, read from the view) answers the same, exact and public, as contacts arrive."""
    ready(container)
    rules = PublicRules(min_contacts=1, min_days=1, interval=3600)
    asked = [
        StatisticsRequest(date(2018, 4, 1), date(2018, 7, 30), top=3),
        StatisticsRequest(date(2018, 4, 1), date(2018, 5, 31), channel="phone", language="en"),
        StatisticsRequest(date(2018, 1, 1), date(2018, 12, 31), territory="TE-66"),
    ]

    def answers(reader: StatisticsReader) -> list[object]:
        found: list[object] = []
        for query in asked:
            for exact in (True, False):
                try:
                    found.append(published(
                        reader, container.search_view.organization_names, query, exact=exact,
                        rules=rules, category_names=container.taxonomy.names,
                    ))  # fmt: skip
                except InvalidInput as refused:
                    found.append(str(refused))
        return found

    with TestClient(create_app(container)) as client:
        for index in range(4):
            log(client, index)
            caught_up(container)
            kept = answers(container.statistics)
            assert answers(container.statistics) == kept  # the second time from what was kept
            assert answers(StatisticsReader(container.interactions, container.territories)) == kept
