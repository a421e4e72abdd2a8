"""Contacts logged through GraphQL: throughput and latency of `recordInteraction`.

Usage: python -m bench.interactions [--requests 3000] [--clients 8]
Loads the territories and the demo directory, then sends `recordInteraction` documents (two
needs, three referrals, as the report's average contact) from concurrent clients to the ASGI
app while its projections run in the same process, as `guichet serve` runs them. Prints the
rate and the p50 / p95 / p99 latency. BENCH_PROJECTIONS=0 leaves the projections out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import date
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from bench.support import bench_container
from infra.bootstrap import tune_garbage_collector
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, generate
from infra.territories import load_reference

RECORD = """
mutation ($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename ... on InteractionReceipt { position } ... on Error { code message }
  }
}
"""


def documents(count: int) -> list[dict[str, Any]]:
    """The demo generator's contacts, as a client would send them."""
    found = []
    for interaction in generate(Plan(count, date(2019, 1, 1), date(2019, 12, 31), seed=5)):
        found.append(
            {
                "key": f"bench-{interaction.key}",
                "channel": interaction.channel.name,
                "startedAt": interaction.started_at.isoformat(),
                "answeredAt": interaction.answered_at.isoformat()
                if interaction.answered_at else None,
                "endedAt": interaction.ended_at.isoformat() if interaction.ended_at else None,
                "language": interaction.language,
                "inquirer": {
                    "type": interaction.inquirer["type"].upper(),
                    "ageBand": _band(interaction.inquirer["age_band"]),
                    "gender": interaction.inquirer["gender"].upper(),
                    "territory": interaction.inquirer["territory"],
                },
                "needs": [
                    {
                        "code": need.code,
                        "referralServiceIds": [r["service_id"] for r in need.referrals],
                        "unmetReason": need.unmet["reason"].upper() if need.unmet else None,
                    }
                    for need in interaction.needs
                ],
            }
        )  # fmt: skip
    return found


def _band(value: str) -> str:
    names = {"0-19": "UNDER_20", "20-29": "TWENTIES", "30-39": "THIRTIES", "40-49": "FORTIES",
             "50-59": "FIFTIES", "60-69": "SIXTIES", "70+": "SEVENTY_PLUS"}  # fmt: skip
    return names.get(value, "UNKNOWN")


async def run(requests: int, clients: int) -> None:
    with bench_container(GUICHET_TOKENS="bench:counsellor:bench-token") as container:
        clock = SystemClock()
        load_reference(container.operations, clock)
        load_demo(container.operations, clock.now())
        for runner in container.runners.values():
            runner.catch_up()
        pending = documents(requests + 50)
        warm, pending = pending[:50], pending[50:]
        app = create_app(container, run_projections=os.environ.get("BENCH_PROJECTIONS", "1") == "1")
        headers = {"Authorization": "Bearer bench-token"}
        timings: list[float] = []
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://bench"
            ) as client,
        ):

            async def send(document: dict[str, Any], record: bool) -> None:
                started = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": RECORD, "variables": {"input": document}},
                    headers=headers,
                )  # fmt: skip
                elapsed = (time.perf_counter() - started) * 1000
                result = response.json()["data"]["recordInteraction"]
                assert result["__typename"] == "InteractionReceipt", result
                if record:
                    timings.append(elapsed)

            for document in warm:
                await send(document, record=False)
            queue = iter(pending)

            async def worker() -> None:
                for document in queue:
                    await send(document, record=True)

            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(worker() for _ in range(clients)))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        cuts = statistics.quantiles(timings, n=100)
        print(f"recordInteraction: {len(timings)} contacts from {clients} clients in "
              f"{elapsed:.1f} s = {len(timings) / elapsed:.0f}/s; latency p50 {cuts[49]:.1f} ms,"
              f" p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms; {1000 * cpu / len(timings):.1f} ms"
              f" of this process's CPU a contact; {os.cpu_count()} cores")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    tune_garbage_collector()  # as the guichet command does
    asyncio.run(run(args.requests, args.clients))


if __name__ == "__main__":
    main()
