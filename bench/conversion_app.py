"""CPU time of one `recordInteraction` through the whole ASGI app in this process (HTTP view,
validation, conversion, the contacts handler, its transaction), with strawberry's conversion
and with the compiled plans of `api.conversion`, in alternate rounds on the same app.

Usage: python -m bench.conversion_app [--requests 200] [--rounds 5]
Embedded PostgreSQL (or GUICHET_DATABASE_URL) with the demo directory; one client sends the
contacts of `bench.interactions` one after the other. `time.process_time` counts every thread
of this process (the handler's worker thread too), not PostgreSQL's; prints µs of CPU per
contact and the median latency, per round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

from api import conversion
from api.app import create_app
from bench.interactions import RECORD, documents
from bench.support import bench_container
from infra.demo import load_demo
from infra.territories import load_reference

COUNSELLOR = "Bearer bench-token"
MODES = {"strawberry": conversion.uninstall, "compiled": conversion.install}


async def measure(client: httpx.AsyncClient, bodies: list[bytes]) -> tuple[float, float]:
    latencies = []
    cpu = time.process_time()
    for body in bodies:
        sent = time.perf_counter()
        response = await client.post(
            "/graphql", content=body,
            headers={"Authorization": COUNSELLOR, "Content-Type": "application/json"},
        )  # fmt: skip
        latencies.append(time.perf_counter() - sent)
        answer = response.json()["data"]["recordInteraction"]
        assert answer["__typename"] == "InteractionReceipt", answer
    cpu = time.process_time() - cpu
    return cpu / len(bodies) * 1e6, statistics.median(latencies) * 1e3


async def run(requests: int, rounds: int) -> None:
    with bench_container(GUICHET_TOKENS="bench:counsellor:bench-token") as container:
        load_reference(container.operations, container.clock)
        load_demo(container.directory_handler, container.clock.now())
        app = create_app(container, run_projections=False)
        count = requests * (2 * rounds + 1)
        bodies = [json.dumps({"query": RECORD, "variables": {"input": document}}).encode()
                  for document in documents(count)]  # fmt: skip
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await measure(client, bodies[:requests])  # warm up
            found: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
            for index in range(2 * rounds):
                mode = list(MODES)[index % 2]
                MODES[mode]()
                start = requests * (index + 1)
                found[mode].append(await measure(client, bodies[start : start + requests]))
        conversion.install()
    print(f"recordInteraction through the app, {rounds} rounds of {requests} contacts each way")
    for mode, figures in found.items():
        cpus = sorted(cpu for cpu, _ in figures)
        latency = statistics.median(wall for _, wall in figures)
        print(f"  {mode:<10} CPU per contact {cpus[0]:.0f} to {cpus[-1]:.0f} µs "
              f"(median {statistics.median(cpus):.0f}), latency p50 {latency:.2f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    asyncio.run(run(options.requests, options.rounds))


if __name__ == "__main__":
    main()
