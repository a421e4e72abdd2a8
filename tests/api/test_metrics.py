"""`/metrics` scraped over HTTP from a served app: each view's lag, requests counted and timed
by operation, contacts logged, the pools; and who may read it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from api.app import create_app
from infra.bootstrap import PROJECTIONS, Container
from tests.api.test_interactions import CONTACTS, COUNSELLOR, ready
from tests.support.fuzzing import serving

ADMIN = {"Authorization": "Bearer admin-token"}
RECORD = """
mutation RecordContact($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename ... on InteractionReceipt { position replayed }
  }
}
"""
NAMED = (
    'query Territories { territories(kind: MUNICIPALITY, within: "CMM")'
    " { ... on TerritoryList { totalCount } } }"
)


def scrape(client: httpx.Client) -> list[Sample]:
    response = client.get("/metrics", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [
        sample
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sample of that name whose labels include those given (0 when there is none)."""
    found = [
        s.value for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]  # fmt: skip
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


def by_view(samples: list[Sample], name: str) -> dict[str, float]:
    return {s.labels["view"]: s.value for s in samples if s.name == name}


def test_a_scrape_carries_lag_per_view_requests_latency_and_contacts(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_RATE_LIMIT": "0"})
    ready(container)
    with serving(container) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        before = scrape(client)
        for _ in range(3):
            assert client.post("/graphql", json={"query": NAMED}).status_code == 200
        assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
        assert client.post("/graphql", json={"query": "{ nope"}).status_code == 400
        recorded = client.post(
            "/graphql",
            json={"query": RECORD, "variables": {"input": CONTACTS[0].input()}},
            headers={"Authorization": f"Bearer {COUNSELLOR}"},
        ).json()["data"]["recordInteraction"]
        assert recorded["__typename"] == "InteractionReceipt", recorded
        after = scrape(client)

    count = "guichet_graphql_request_duration_seconds_count"
    # The public's names are not kept: anyone could fill the places with names of their own.
    assert value(after, count, operation="other") - value(before, count, operation="other") == 3
    assert value(after, count, operation="RecordContact") == 1
    assert (
        value(after, count, operation="anonymous") - value(before, count, operation="anonymous")
        == 2
    )  # `{ __typename }`, and the document that does not parse
    assert value(
        after, "guichet_graphql_request_duration_seconds_bucket", operation="other", le="10.0",
    ) == value(after, count, operation="other")  # fmt: skip
    requests = "guichet_graphql_requests_total"
    assert value(
        after, requests, operation="other", outcome="ok", status="200", role="public"
    ) == 3  # fmt: skip
    assert value(
        after, requests, operation="RecordContact", outcome="ok", status="200", role="counsellor"
    ) == 1  # fmt: skip
    assert value(after, requests, operation="anonymous", outcome="invalid", status="400") == 1
    assert (
        value(after, "guichet_contacts_logged_total", channel="phone")
        - value(before, "guichet_contacts_logged_total", channel="phone")
        == 1
    )

    head = value(after, "guichet_event_log_head")
    assert head >= recorded["position"]
    positions = by_view(after, "guichet_projection_position")
    lags = by_view(after, "guichet_projection_lag_events")
    assert set(lags) == set(PROJECTIONS) == set(positions)
    for view in PROJECTIONS:
        assert lags[view] == head - positions[view], view
    # The projections do not run here: the contact is still ahead of its view.
    assert lags["interactions"] >= 1
    assert by_view(after, "guichet_projection_error") == dict.fromkeys(PROJECTIONS, 0.0)
    assert value(after, "guichet_database_up") == 1
    for pool in ("events", "views"):
        most = value(after, "guichet_pool_max_connections", pool=pool)
        held = value(after, "guichet_pool_connections", pool=pool, state="in_use") + value(
            after, "guichet_pool_connections", pool=pool, state="idle"
        )
        assert 0 < held <= most, pool


async def test_a_graphiql_page_load_is_not_counted_as_a_graphql_request(
    http: httpx.AsyncClient,
) -> None:
    async def counted() -> tuple[float, float]:
        response = await http.get("/metrics", headers=ADMIN)
        samples = [
            sample
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        ]
        requests = sum(s.value for s in samples if s.name == "guichet_graphql_requests_total")
        return requests, value(
            samples, "guichet_graphql_request_duration_seconds_count", operation="anonymous"
        )

    before = await counted()
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert await counted() == before
    # A GraphQL request is still counted, a GET one too.
    assert (await http.get("/graphql", params={"query": "{ __typename }"})).status_code == 200
    after = await counted()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


async def test_by_default_only_an_admin_or_monitoring_token_reads_the_metrics(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/metrics")).status_code == 401
    counsellor = await http.get("/metrics", headers={"Authorization": f"Bearer {COUNSELLOR}"})
    assert counsellor.status_code == 403
    guess = await http.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert guess.status_code == 401
    admin = await http.get("/metrics", headers=ADMIN)
    assert admin.status_code == 200
    assert "guichet_projection_lag_events" in admin.text


async def test_a_monitoring_token_reads_the_metrics_and_health_details(
    http: httpx.AsyncClient,
) -> None:
    monitoring = {"Authorization": "Bearer monitoring-token"}
    scraped = await http.get("/metrics", headers=monitoring)
    assert scraped.status_code == 200, scraped.text
    assert "guichet_projection_lag_events" in scraped.text
    detailed = (await http.get("/health", headers=monitoring)).json()
    assert "head" in detailed
    assert "lag" in detailed["projections"][0]
    assert "head" not in (await http.get("/health")).json()


@pytest.mark.parametrize(("rule", "status"), [("public", 200), ("off", 404)])
async def test_the_setting_opens_or_closes_the_metrics(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container],
    rule: str, status: int,
) -> None:  # fmt: skip
    from asgi_lifespan import LifespanManager

    container = make_container({**environ, "GUICHET_METRICS": rule})
    app = create_app(container, run_projections=False)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as c:
            assert (await c.get("/metrics")).status_code == status
            assert (await c.get("/metrics", headers=ADMIN)).status_code == status


def test_sockets_and_subscriptions_are_counted_while_open(container: Container) -> None:
    from starlette.testclient import TestClient

    from tests.api.test_statistics_subscription import PROTOCOL, next_figures, subscribe

    def open_now(client: TestClient) -> tuple[float, float]:
        samples = [
            sample
            for family in text_string_to_metric_families(client.get("/metrics", headers=ADMIN).text)
            for sample in family.samples
        ]
        return (value(samples, "guichet_websockets_open"),
                value(samples, "guichet_subscriptions_open"))  # fmt: skip

    ready(container)
    with TestClient(create_app(container, run_projections=False)) as client:
        assert open_now(client) == (0, 0)
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
            subscribe(ws, "analyst-token")
            next_figures(ws)
            assert open_now(client) == (1, 1)
            ws.send_json({"id": "1", "type": "complete"})
        deadline = time.monotonic() + 5
        while open_now(client) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert open_now(client) == (0, 0)


def test_the_publics_names_do_not_take_the_places_of_real_ones(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_RATE_LIMIT": "0"})
    registered = container.persisted.add(
        "query Registered { __typename }", "ops", datetime.now(UTC)
    )
    with serving(container) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for number in range(110):  # past the places there are
            junk = client.post("/graphql", json={"query": f"query Junk{number} {{ __typename }}"})
            assert junk.status_code == 200
        bad = "query Refused { nope }"  # a signed-in caller's document that does not validate
        assert client.post("/graphql", json={"query": bad}, headers=ADMIN).status_code == 400
        real = "query Real { __typename }"
        assert client.post("/graphql", json={"query": real}, headers=ADMIN).status_code == 200
        by_hash = {"persistedQuery": {"version": 1, "sha256Hash": registered}}
        assert client.post("/graphql", json={"extensions": by_hash}).status_code == 200
        for number in range(3):  # a registered document under names it does not have
            named = {"extensions": by_hash, "operationName": f"Junk{number}"}
            assert client.post("/graphql", json=named).status_code == 400
        after = scrape(client)
    count = "guichet_graphql_request_duration_seconds_count"
    assert value(after, count, operation="Real") == 1
    assert value(after, count, operation="Registered") == 1
    assert value(after, count, operation="other") == 113
    assert not [s for s in after if s.labels.get("operation", "").startswith(("Junk", "Refused"))]
