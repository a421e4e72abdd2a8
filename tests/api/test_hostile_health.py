"""`/health` tells the public whether the service works, not when contacts are logged: the log's
head, the views' positions and their lags would move by one with each contact, a clock anyone
could read to undo the statistics' protections. Those go to admins; and /health is paced per
address like GraphQL."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from infra.bootstrap import Container
from tests.api.test_organizations import CENTRE, REGISTER
from tests.support.graphql import GraphQLClient

ADMIN = {"Authorization": "Bearer admin-token"}


async def test_the_public_sees_status_and_failures_but_no_position(
    http: httpx.AsyncClient, graphql: GraphQLClient
) -> None:
    before = await http.get("/health")
    await graphql.data(REGISTER, {"input": CENTRE}, "editor-token")
    after = await http.get("/health")
    signed_in = await http.get("/health", headers={"Authorization": "Bearer editor-token"})

    for response in (before, after, signed_in):
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert "head" not in body
        for view in body["projections"]:
            assert set(view) == {"name", "failing", "behind"}, view
    assert before.json() == after.json()  # a write moves nothing the public can see


async def test_admins_see_the_head_positions_and_lags(
    http: httpx.AsyncClient, graphql: GraphQLClient, container: Container
) -> None:
    await graphql.data(REGISTER, {"input": CENTRE}, "editor-token")
    response = await http.get("/health", headers=ADMIN)

    body = response.json()
    assert response.status_code == 200
    assert body["head"] >= 1
    assert [p["name"] for p in body["projections"]] == list(container.views)
    for view in body["projections"]:
        assert view["lag"] == body["head"] - view["position"]
    invalid = await http.get("/health", headers={"Authorization": "Bearer guess"})
    assert invalid.status_code == 401


async def test_health_is_paced_per_address(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> None:
    container = make_container({**environ, "GUICHET_RATE_LIMIT": "2"})
    app = create_app(container, run_projections=False)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
            codes = [(await http.get("/health")).status_code for _ in range(8)]
    assert codes[:4] == [200] * 4
    assert 429 in codes[4:]
