"""Audit: a verified replay of a large log, and a record's past state through GraphQL.

Usage: python -m bench.replay [--contacts 1000000] [--versions 1000] [--queries 200]
Logs N demo contacts over ten years (about one event each) after the territory reference and
the demo directory, brings every live view up to date, then times `replay.verify` (every
projection rebuilt into shadow tables and compared row by row with the live ones) and prints
its rate in log positions per second. Then renames one organization until it has V events
and times `asOf` on it, sent as a GraphQL document by an auditor to the ASGI app, at random
times across its history, and prints p50 / p95 / p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx

from api.app import create_app
from bench.statistics import load
from bench.support import bench_container
from domain.directory import Organization
from domain.handlers.directory import RegisterOrganization
from domain.values import LocalizedText
from infra import replay
from infra.bootstrap import Container, tune_garbage_collector

AS_OF = """
query ($id: ID!, $at: DateTime!) {
  asOf(id: $id, at: $at) { ... on PastRecord { version state } ... on Error { code message } }
}
"""
T0 = datetime(2020, 1, 1, tzinfo=UTC)


def renamed_often(container: Container, versions: int) -> UUID:
    receipt = container.directory_handler.register_organization(RegisterOrganization(
        UUID(int=211), LocalizedText(fr="Organisme", en="Organization"),
        LocalizedText(fr="Aide", en="Help"),
    ), actor="bench", at=T0)  # fmt: skip
    for version in range(1, versions):

        def rename(o: Organization, n: int = version) -> None:
            o.rename(LocalizedText(fr=f"Organisme {n}", en=f"Organization {n}"), reason=None,
                     actor="bench", at=T0 + timedelta(hours=n))  # fmt: skip

        container.operations.edit_record(Organization, receipt.id, version, rename)
    return receipt.id


async def measure(container: Container, id: UUID, versions: int, queries: int) -> list[float]:
    app = create_app(container, run_projections=False)
    rng = random.Random(211)
    timings = []
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": "Bearer bench-auditor"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for index in range(queries + 20):
            hours = rng.randrange(versions)
            at = (T0 + timedelta(hours=hours, minutes=30)).isoformat()
            started = time.perf_counter()
            response = await client.post("/graphql", headers=headers, json={
                "query": AS_OF, "variables": {"id": str(id), "at": at}})  # fmt: skip
            elapsed = (time.perf_counter() - started) * 1000
            found = response.json()["data"]["asOf"]
            assert found.get("version") == hours + 1, found
            if index >= 20:
                timings.append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--versions", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    tune_garbage_collector()  # as the guichet command does
    with bench_container(GUICHET_TOKENS="bench:auditor:bench-auditor") as container:
        print(f"logging {args.contacts:,} contacts over ten years")
        load(container, args.contacts)
        id = renamed_often(container, args.versions)
        for runner in container.runners.values():
            runner.catch_up()
        head = container.head()
        started = time.perf_counter()
        verdicts = replay.verify(container, [])
        elapsed = time.perf_counter() - started
        assert all(v.identical and not v.note for v in verdicts), verdicts
        rows = sum(v.rows for v in verdicts)
        for v in verdicts:
            print(f"  {v.view}: {v.rows:,} rows, replayed in {v.replayed_in:.1f} s, compared in "
                  f"{v.compared_in:.1f} s")  # fmt: skip
        print(f"replay --verify: {len(verdicts)} views, {rows:,} rows compared, {head:,} log "
              f"positions in {elapsed:.1f} s = {head / elapsed:,.0f} events/s")  # fmt: skip
        timings = asyncio.run(measure(container, id, args.versions, args.queries))
    cuts = statistics.quantiles(timings, n=100)
    print(f"asOf on a record of {args.versions:,} events, {len(timings)} queries: "
          f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms; "
          f"{os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()
