"""Statistics over many contacts: projection rebuild rate and query latency through GraphQL.

Usage: python -m bench.statistics [--contacts 1000000] [--queries 300] [--public]
Logs N demo contacts (shaped like the 2018 report) spread over ten years, rebuilds the
contacts view from the log and prints its rate in events per second, then times the
`statistics` query, sent as a GraphQL document to the ASGI app, for random periods (some
with a territory or a channel), and prints p50 / p95 / p99 and the CPU time of the process
per query. Queries are an analyst's (exact figures); with `--public`, the public's, with
their disclosure control: periods, territories or counts the public is refused figures of
are timed too, and counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

import httpx

from api.app import create_app
from bench.support import bench_container
from infra.bootstrap import Container, tune_garbage_collector
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, load_calls
from infra.territories import load_reference

FIRST, LAST = date(2016, 10, 21), date(2026, 10, 20)
# Every table of the report with the top places (bench.live subscribes to the same figures).
FIGURES = """
      contacts { value } needs { value } referrals { value } needsPerContact
      averageWaitSeconds averageHandleSeconds
      byChannel { key count share } byMonth { group key count } byLanguage { key count share }
      byGender { key count share } byAgeBand { key count share } byRegion { key label count share }
      topPlaces { group key label count } byNeedCategory { key count share }
      topUnmetNeeds { key count share } unmetReasons { key count share }
      topReferralOrganizations { key label count }
"""
STATISTICS = (
    "query ($from: Date!, $to: Date!, $territory: String, $channel: ContactChannel) {"
    " statistics(from: $from, to: $to, territory: $territory, channel: $channel) {"
    f" ... on Statistics {{ {FIGURES} }} ... on Error {{ code message }} }} }}"
)
TERRITORIES = [None, None, None, "TE-66", "65005", "CMM", "ARR-66023-ville-marie", "RA-16"]
CHANNELS = [None, None, None, "PHONE", "EMAIL"]


def load(container: Container, contacts: int) -> int:
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    years = 10
    per_year = contacts // years
    position = 0
    started = time.perf_counter()
    for year in range(years):
        start = FIRST + timedelta(days=365 * year)
        plan = Plan(per_year, start, start + timedelta(days=364), seed=year)
        _, position = load_calls(container.contact_handler, plan)
        print(
            f"  {per_year * (year + 1):,} contacts logged in {time.perf_counter() - started:.0f} s"
        )
    return position


def periods(rng: random.Random, count: int) -> list[dict[str, Any]]:
    days = (LAST - FIRST).days
    found: list[dict[str, Any]] = [{"from": str(FIRST), "to": str(LAST)}]  # everything
    while len(found) < count:
        a, b = sorted(rng.randrange(days) for _ in range(2))
        found.append(
            {"from": str(FIRST + timedelta(days=a)), "to": str(FIRST + timedelta(days=b)),
             "territory": rng.choice(TERRITORIES), "channel": rng.choice(CHANNELS)}
        )  # fmt: skip
    return found


ANALYST = "bench-analyst-token"


async def measure(container: Container, queries: int, public: bool) -> tuple[list[float], float]:
    """The latency of each query, and the CPU seconds of the process over them all."""
    app = create_app(container, run_projections=False)
    rng = random.Random(211)
    timings = []
    refused = 0
    cpu = 0.0
    headers = {} if public else {"Authorization": f"Bearer {ANALYST}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for index, variables in enumerate(periods(rng, queries + 20)):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = await client.post(
                "/graphql", json={"query": STATISTICS, "variables": variables}, headers=headers
            )
            elapsed = (time.perf_counter() - started) * 1000
            body = response.json()
            assert "errors" not in body, body
            if "code" in body["data"]["statistics"]:
                assert public, body
                assert body["data"]["statistics"]["code"] == "INVALID_INPUT", body
                refused += index >= 20
            if index >= 20:  # the first ones read the view and warm the caches
                timings.append(elapsed)
                cpu += time.process_time() - cpu_started
    if public:
        print(f"the public was refused {refused} of {len(timings)} figures")
    return timings, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--public", action="store_true", help="as the public, not an analyst")
    args = parser.parse_args()
    tune_garbage_collector()  # as the guichet command does
    with bench_container(
        GUICHET_TOKENS=f"analyst:analyst:{ANALYST}", GUICHET_STATISTICS_PUBLIC_BUDGET="100000"
    ) as container:
        print(f"logging {args.contacts:,} contacts over ten years")
        head = load(container, args.contacts)
        runner = container.runners["interactions"]
        started = time.perf_counter()
        applied = runner.rebuild()
        elapsed = time.perf_counter() - started
        print(f"contacts view rebuilt: {head:,} log positions, {applied:,} contact facts applied"
              f" in {elapsed:.1f} s = {head / elapsed:,.0f} events/s")  # fmt: skip
        for name in ("territories", "search"):
            container.runners[name].catch_up()
        started = time.perf_counter()
        read = container.statistics.sync()
        print(f"statistics reader: {read:,} contacts read into columns in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        timings, cpu = asyncio.run(measure(container, args.queries, args.public))
    cuts = statistics.quantiles(timings, n=100)
    print(f"statistics over {args.contacts:,} contacts, {len(timings)} queries"
          f" ({'public' if args.public else 'analyst'}): "
          f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms, "
          f"max {max(timings):.1f} ms; CPU {cpu * 1000 / len(timings):.1f} ms a query;"
          f" {os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()
