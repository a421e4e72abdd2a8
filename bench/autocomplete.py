"""Autocomplete latency on N synthetic services (default 10,000), through the search port.

Usage: python -m bench.autocomplete [--services 10000] [--rounds 40]
Builds the directory `bench.search` builds, brings the search projection up to date, then asks
for suggestions for prefixes of one and several words, short and long, and prints p50 / p95
per prefix. The engine is the one the settings choose: PostgreSQL, or OpenSearch when
GUICHET_OPENSEARCH_URL is set (its indices are named after the benchmark's schema).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time

from bench.search import build
from bench.support import bench_container
from infra.bootstrap import Container
from infra.territories import load_reference

# A word start, one word with a one-letter word after it, a long word, two whole words, and a
# prefix no name has.
PREFIXES = ["al", "aide a", "francisation", "aide alimentaire", "zz"]


async def measure(container: Container, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {prefix: [] for prefix in PREFIXES}
    for index in range(rounds + 5):
        for prefix in PREFIXES:
            started = time.perf_counter()
            await container.search.autocomplete(prefix, 10)
            if index >= 5:  # the first rounds warm the caches
                timings[prefix].append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with bench_container() as container:
        load_reference(container.operations, container.clock)
        build(container, args.services, random.Random(211))
        container.runners["search"].rebuild()
        engine = "OpenSearch" if os.environ.get("GUICHET_OPENSEARCH_URL") else "PostgreSQL"
        print(f"cores: {os.cpu_count()}, services: {args.services:,}, engine: {engine}")
        timings = asyncio.run(measure(container, args.rounds))
        for prefix, taken in timings.items():
            cuts = statistics.quantiles(taken, n=20)
            print(f"autocomplete {prefix!r}: p50 {cuts[9]:.2f} ms, p95 {cuts[18]:.2f} ms")


if __name__ == "__main__":
    main()
