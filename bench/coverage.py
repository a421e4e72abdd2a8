"""Coverage queries through GraphQL with the territory reference and the coverage history.

Usage: python -m bench.coverage [--queries 500]
Times `coverage` (a municipality, a channel, a date: point in time) and `coverageChanges`
over the whole history (2015 to today), as GraphQL documents sent to the ASGI app.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import httpx

from api.app import create_app
from bench.support import bench_container
from infra.bootstrap import Container
from infra.coverage_history import load_history
from infra.territories import load_reference, reference_territories

POINT = """query ($t: String!, $at: Date!, $c: Channel!) {
  coverage(territory: $t, channel: $c, at: $at) { ... on Coverage { covered } } }"""
CHANGES = """query ($c: Channel!) {
  coverageChanges(from: "2015-01-01", to: "2026-12-31", channel: $c) {
    ... on CoverageChanges { nodes { date gained territory { code } } } } }"""


async def timed(
    container: Container, document: str, variables: Sequence[Mapping[str, object]]
) -> list[float]:
    app = create_app(container, run_projections=False)
    timings = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        for index, values in enumerate(variables):
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": document, "variables": values})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.text
            if index >= 20:
                timings.append(elapsed)
    return timings


def report(name: str, timings: list[float]) -> None:
    cuts = statistics.quantiles(timings, n=100)
    print(f"{name} over {len(timings)}: p50 {cuts[49]:.2f} ms, p95 {cuts[94]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(211)
    with bench_container() as container:
        load_reference(container.operations, container.clock)
        load_history(container.operations, container.clock)
        for runner in container.runners.values():
            runner.rebuild()
        codes = [t.code for t in reference_territories() if t.kind == "municipality"]
        print(f"cores: {os.cpu_count()}, territories: {len(reference_territories()):,}")
        start = date(2015, 1, 1)
        points = [
            {
                "t": rng.choice(codes),
                "at": (start + timedelta(days=rng.randrange(4000))).isoformat(),
                "c": rng.choice(["PHONE", "WEB", "CHAT"]),
            }
            for _ in range(args.queries + 20)
        ]
        report("coverage (point in time)", asyncio.run(timed(container, POINT, points)))
        changes = [{"c": rng.choice(["PHONE", "WEB"])} for _ in range(120)]
        report("coverageChanges (whole history)", asyncio.run(timed(container, CHANGES, changes)))


if __name__ == "__main__":
    main()
