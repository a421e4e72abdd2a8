"""A subscription sent over HTTP is refused as a request error that says where subscriptions
are served, not answered with a masked server error."""

from __future__ import annotations

import pytest

from tests.support.graphql import GraphQLClient

SUBSCRIPTION = """subscription { statisticsChanged(from: "2018-04-01", to: "2018-04-30") {
  __typename } }"""


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_over_http_is_refused_with_its_code(
    graphql: GraphQLClient, method: str
) -> None:
    if method == "POST":
        response = await graphql.post(SUBSCRIPTION)
    else:
        response = await graphql.http.get("/graphql", params={"query": SUBSCRIPTION})
    body = response.json()
    assert response.status_code == 400, body
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "WEBSOCKET_ONLY"
    assert "graphql-transport-ws" in error["message"]
