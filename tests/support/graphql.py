"""Sends real GraphQL documents over HTTP to the ASGI app."""

from __future__ import annotations

from typing import Any

import anyio
import httpx

# Longer than any wait a test's views need; past it, `settle` fails naming where they stood.
SETTLE_SECONDS = 10
# `projections` answers the views' positions to admins and monitoring tokens only.
_MONITOR = "monitoring-token"
_PROJECTIONS = "{ projections { ... on Projections { statuses { name position } } } }"


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token)
        body: dict[str, Any] = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    async def settle(self, position: int) -> None:
        """Waits until every view has applied `position`: a read without a token does not wait
        for its `consistentWith` (the public holds no receipt, and the wait would tell it where
        the log is), so a test of what the public sees waits here first, with a token that may
        read positions, then reads as the public."""
        deadline = anyio.current_time() + SETTLE_SECONDS
        while True:
            answer = (await self.data(_PROJECTIONS, token=_MONITOR))["projections"]
            positions = [status["position"] for status in answer["statuses"]]
            if positions and min(positions) >= position:
                return
            assert anyio.current_time() < deadline, (position, answer)
            await anyio.sleep(0.01)
