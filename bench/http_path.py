"""CPU time of a GraphQL POST through the ASGI app, in this process: the lean path against
strawberry's view, in rounds that alternate them, on the same app and database.

Usage: python -m bench.http_path [--requests 400] [--rounds 5]
Sends, straight to the ASGI app (no HTTP client or server, so only the app's work is counted),
a small read (`viewer`) and the demo's contacts (`recordInteraction`, each a new one, with the
demo directory's services to refer to). Prints, per path and document, the CPU time per request
(`time.process_time`: this process and its threads, not PostgreSQL's) and the p50 latency,
for each round. Code without the lean path (an older checkout) is measured on its view alone:
run this file with that checkout first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Iterator
from typing import Any

import orjson
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from api.app import create_app
from bench.interactions import RECORD, documents
from bench.support import bench_container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.territories import load_reference

VIEWER = "query Viewer { viewer { name role } }"
TOKEN = b"bench-token"


def scope(body: bytes) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "headers": [
            (b"host", b"bench"), (b"content-type", b"application/json"),
            (b"accept", b"application/graphql-response+json, application/json"),
            (b"authorization", b"Bearer " + TOKEN), (b"content-length", str(len(body)).encode()),
        ],
    }  # fmt: skip


async def send_one(app: ASGIApp, body: bytes) -> int:
    sent = False
    status = 0

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope(body), receive, send)
    return status


async def measure(app: ASGIApp, bodies: Iterator[bytes], count: int) -> tuple[float, float]:
    """CPU µs per request, p50 latency in ms."""
    latencies = []
    cpu = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        status = await send_one(app, next(bodies))
        latencies.append(time.perf_counter() - started)
        assert status == 200, status
    cpu = time.process_time() - cpu
    return cpu / count * 1e6, statistics.median(latencies) * 1e3


def bodies(requests: int, rounds: int) -> dict[str, Iterator[bytes]]:
    contacts = documents(requests * rounds * 2 + requests)
    return {
        "viewer": iter(lambda: orjson.dumps({"query": VIEWER}), None),
        "recordInteraction": (
            orjson.dumps({"query": RECORD, "variables": {"input": contact}}) for contact in contacts
        ),
    }


async def run(requests: int, rounds: int) -> None:
    tokens = "bench:counsellor:" + TOKEN.decode()
    with bench_container(GUICHET_TOKENS=tokens, GUICHET_RUN_PROJECTIONS="false") as container:
        clock = SystemClock()
        load_reference(container.operations, clock)
        load_demo(container.directory_handler, clock.now())
        app = create_app(container, run_projections=False)
        endpoint: Any = next(
            r.endpoint for r in app.routes if isinstance(r, Route) and r.path == "/graphql"
        )
        lean = getattr(endpoint, "lean", None)
        paths = {"lean": lean, "view": None} if lean is not None else {"view": None}
        sources = bodies(requests, rounds)
        for source in sources.values():  # warm: caches, pool, first imports
            await measure(app, source, requests // 4 or 1)
        figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(rounds):
            for document, source in sources.items():
                for name, path in paths.items():
                    if lean is not None:
                        endpoint.lean = path
                    figures.setdefault((document, name), []).append(
                        await measure(app, source, requests)
                    )
    for (document, name), runs in figures.items():
        cpus = sorted(cpu for cpu, _ in runs)
        p50s = sorted(p50 for _, p50 in runs)
        print(
            f"{document:18} {name:5} CPU/request µs: median {statistics.median(cpus):.0f} "
            f"(range {cpus[0]:.0f} to {cpus[-1]:.0f}); p50 ms: median "
            f"{statistics.median(p50s):.2f} (range {p50s[0]:.2f} to {p50s[-1]:.2f}); "
            f"{len(runs)} rounds of {requests}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.requests, arguments.rounds))


if __name__ == "__main__":
    main()
