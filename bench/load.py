"""Mixed load on a real server: searches, contacts logged and statistics read, for a while.

Usage: python -m bench.load [--seconds 300] [--clients 8] [--workers 2] [--max-requests 200000]
Starts `guichet serve --demo --workers N` on embedded PostgreSQL on the loopback interface and
sends, from concurrent keep-alive clients, a mix like a 211's day: six searches for every two
or three contacts logged and one or two statistics reads. Stops at the time or the count,
whichever comes first, and prints each operation's throughput, p50 / p99 latency and errors
(any status but 200, any GraphQL error, any error result).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from collections import defaultdict
from typing import Any

from bench.interactions import RECORD, Connection, documents, server

SEARCH = """
query ($text: String, $territory: String) {
  searchServices(text: $text, territory: $territory, first: 10) {
    __typename ... on SearchConnection { totalCount edges { node { serviceId } } }
    ... on Error { code message }
  }
}
"""
STATISTICS = """
query ($from: Date!, $to: Date!) {
  statistics(from: $from, to: $to) {
    __typename ... on Statistics { contacts { value } } ... on Error { code message }
  }
}
"""
WORDS = ["aide", "alimentaire", "logement", "food", "santé", "emploi", "dépannage", "femmes",
         "jeunes", "aînés", "housing", "transport", "impôts", "banque", None]  # fmt: skip
TERRITORIES = [None, None, "65005", "66023", "58227"]
MIX = ["search"] * 6 + ["log"] * 3 + ["statistics"]


def bodies(rng: random.Random, contacts: list[dict[str, Any]]) -> Any:
    while True:
        kind = rng.choice(MIX)
        if kind == "search":
            variables = {"text": rng.choice(WORDS), "territory": rng.choice(TERRITORIES)}
            yield kind, {"query": SEARCH, "variables": variables}
        elif kind == "log":
            yield kind, {"query": RECORD, "variables": {"input": contacts.pop()}}
        else:
            month = rng.randrange(1, 13)
            period = {"from": f"2019-{month:02d}-01", "to": f"2019-{month:02d}-28"}
            yield kind, {"query": STATISTICS, "variables": period}


def failed(status: int, body: dict[str, Any]) -> bool:
    if status != 200 or body.get("errors"):
        return True
    return any(
        isinstance(value, dict) and str(value.get("__typename", "")).endswith("Error")
        for value in (body.get("data") or {}).values()
    )  # fmt: skip


async def run(port: int, seconds: float, clients: int, most: int) -> None:
    rng = random.Random(211)
    contacts = documents(most)
    mixed = bodies(rng, contacts)
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    sent = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal sent
        connection = await Connection.open(port)
        try:
            while time.perf_counter() < deadline and sent < most:
                sent += 1
                kind, body = next(mixed)
                started = time.perf_counter()
                status, answer = await connection.exchange(json.dumps(body).encode())
                timings[kind].append((time.perf_counter() - started) * 1000)
                if failed(status, answer):
                    errors[kind] += 1
                    if len(samples) < 5:
                        samples.append(f"{kind} {status}: {str(answer)[:200]}")
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    total = sum(len(t) for t in timings.values())
    print(f"{total:,} requests from {clients} clients in {elapsed:.0f} s = {total / elapsed:.0f}/s,"
          f" {sum(errors.values())} errors; {os.cpu_count()} cores")  # fmt: skip
    for kind, found in sorted(timings.items()):
        cuts = statistics.quantiles(found, n=100)
        print(f"  {kind}: {len(found):,} = {len(found) / elapsed:.0f}/s, p50 {cuts[49]:.1f} ms,"
              f" p99 {cuts[98]:.1f} ms, {errors[kind]} errors")  # fmt: skip
    for sample in samples:
        print(f"    {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    with server(args.workers, projections=True) as (port, _):
        asyncio.run(run(port, args.seconds, args.clients, args.max_requests))


if __name__ == "__main__":
    main()
