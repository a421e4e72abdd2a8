"""Directory lists through GraphQL on N synthetic services (default 10,000).

Usage: python -m bench.lists [--services 10000] [--queries 100]
Builds the directory of `bench.search` (a location per service, an organization per ten),
brings the views lists read up to date, then times pages of `services`, `locations` and
`organizations` as GraphQL documents sent to the ASGI app: the first page, a deep page (read
by following cursors), and filtered pages, each with `totalCount`; prints p50 / p95.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from typing import Any

import httpx

from api.app import create_app
from bench.search import build
from bench.support import bench_container
from infra.bootstrap import Container
from infra.territories import load_reference

EDITOR = "Bearer bench-editor"
PAGE = "totalCount nodes { id name { fr } } pageInfo { hasNextPage endCursor }"
CASES = {
    "services, first page": ("services", "Service", ""),
    "services in Montréal (66023)": ("services", "Service", 'territory: "66023"'),
    "services changed since": ("services", "Service", 'modifiedSince: "2026-01-01T00:00:00Z"'),
    "locations in Laval (65005)": ("locations", "Location", 'territory: "65005"'),
    "organizations in Laval (65005)": ("organizations", "Organization", 'territory: "65005"'),
    "organizations overdue (editor)": ("organizations", "Organization", "verification: OVERDUE"),
}


def document(field: str, kind: str, arguments: str) -> str:
    return (
        f"query ($after: String) {{ {field}(first: 50, after: $after, {arguments}) "
        f"{{ __typename ... on {kind}Connection {{ {PAGE} }} }} }}"
    )


async def timed(client: httpx.AsyncClient, query: str, after: str | None) -> tuple[float, Any]:
    started = time.perf_counter()
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"after": after}},
        headers={"Authorization": EDITOR},
    )
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    [found] = body["data"].values()
    return elapsed, found


async def measure(container: Container, queries: int) -> None:
    app = create_app(container, run_projections=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for label, (field, kind, arguments) in CASES.items():
            query = document(field, kind, arguments)
            timings = []
            for index in range(queries + 5):
                elapsed, found = await timed(client, query, None)
                if index >= 5:
                    timings.append(elapsed)
            cuts = statistics.quantiles(timings, n=20)
            print(f"{label}: {found['totalCount']:,} records; first page of 50"
                  f" p50 {statistics.median(timings):.1f} ms, p95 {cuts[18]:.1f} ms")  # fmt: skip
        query = document("services", "Service", "")
        after, pages, deep = None, 0, []
        while True:
            elapsed, found = await timed(client, query, after)
            deep.append(elapsed)
            pages += 1
            if not found["pageInfo"]["hasNextPage"]:
                break
            after = found["pageInfo"]["endCursor"]
        cuts = statistics.quantiles(deep, n=20)
        median = statistics.median(deep)
        print(f"services, every page by cursor: {pages} pages, p50 {median:.1f} ms,"
              f" p95 {cuts[18]:.1f} ms, last {deep[-1]:.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    with bench_container(GUICHET_TOKENS="bench:editor:bench-editor") as container:
        load_reference(container.operations, container.clock)
        build(container, args.services, random.Random(211))
        print(f"cores: {os.cpu_count()}, services: {args.services:,}")
        for name in ("territories", "directory", "history", "verification"):
            started = time.perf_counter()
            applied = container.runners[name].rebuild()
            print(f"projection {name}: {applied:,} events in {time.perf_counter() - started:.1f}s")
        asyncio.run(measure(container, args.queries))


if __name__ == "__main__":
    main()
