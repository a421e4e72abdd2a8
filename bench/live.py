"""Live figures for many dashboards: how soon a logged contact reaches every subscriber.

Usage: python -m bench.live [--subscribers 200] [--rate 100] [--seconds 30] [--workers 2]
Starts `guichet serve --demo` on embedded PostgreSQL in a temporary directory, as
`bench.interactions` does, opens one graphql-transport-ws socket per subscriber, each signed in
as an analyst and subscribed to `statisticsChanged` over 2019 with the figures of
`bench.statistics` (about 300 fields, exact), then logs the demo generator's 2019 contacts
over HTTP at `--rate` a second. A contact is shown once a subscriber is sent figures whose
position reaches the contact's receipt; its delay counts from when it was due until the last
subscriber is sent it; it is also told from when an admin's `/health` (read every 0.1 s)
first shows the contacts view holding it, apart from the view's own lag. The server's CPU is
the user and system time of the server and every process under it (workers, projections,
PostgreSQL) over the measured seconds, read with psutil.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psutil
import websockets

from bench.interactions import RECORD, Connection, documents, wait_healthy
from bench.statistics import FIGURES
from tests.support.ports import free_port

SUBSCRIBE = (
    "subscription ($from: Date!, $to: Date!) { statisticsChanged(from: $from, to: $to) {"
    f" ... on Statistics {{ position {FIGURES} }} ... on Error {{ code message }} }} }}"
)
PERIOD = {"from": "2019-01-01", "to": "2019-12-31"}  # the demo generator's contacts below
CONNECTIONS = 8  # contacts are due over these, each sends its next when the last is answered
ADMIN = "bench-admin-token"  # reads where the views stand in /health
ANALYST = "bench-analyst-token"  # the contacts are logged with `bench.interactions`' token


@contextmanager
def server(workers: int, subscribers: int) -> Iterator[tuple[int, psutil.Process]]:
    """`guichet serve --demo` in a temporary directory; yields its port and process. It runs
    the code on PYTHONPATH, so that older code can be measured with the same benchmark."""
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        environ = dict(
            os.environ, GUICHET_DATA_DIR=data, GUICHET_LOG_LEVEL="WARNING",
            GUICHET_TOKENS=f"analyst:analyst:{ANALYST},bench:counsellor:bench-token,ops:admin:{ADMIN}",
            GUICHET_RATE_LIMIT="0", GUICHET_SOCKETS_PER_ADDRESS=str(subscribers + 10),
        )  # fmt: skip
        environ.pop("GUICHET_DATABASE_URL", None)
        command = [sys.executable, "-c", "from infra.cli import main; main()", "serve", "--demo",
                   "--port", str(port), "--workers", str(workers)]  # fmt: skip
        process = subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL)  # noqa: S603
        try:
            wait_healthy(process, port)
            yield port, psutil.Process(process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)


def cpu_seconds(root: psutil.Process) -> dict[int, float]:
    """User and system seconds of the server and every process under it, by process."""
    found: dict[int, float] = {}
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        found[process.pid] = times.user + times.system
    return found


class Dashboard:
    """One analyst's socket and the times it was sent each position."""

    def __init__(self) -> None:
        self.positions: list[tuple[int, float]] = []  # (position, when), in order
        self.first = asyncio.Event()

    async def run(self, port: int) -> None:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            max_size=None,
        ) as ws:  # fmt: skip
            await ws.send(json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {ANALYST}"}}
            ))  # fmt: skip
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": SUBSCRIBE, "variables": PERIOD}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            async for raw in ws:
                message = json.loads(raw)
                assert message["type"] == "next", message
                figures = message["payload"]["data"]["statisticsChanged"]
                assert "position" in figures, figures
                self.positions.append((figures["position"], time.perf_counter()))
                self.first.set()

    def shown(self, position: int) -> float | None:
        """When this dashboard was first sent figures that include `position`."""
        for reached, when in self.positions:
            if reached >= position:
                return when
        return None


async def run(
    port: int, root: psutil.Process, subscribers: int, rate: float, seconds: float
) -> None:
    dashboards = [Dashboard() for _ in range(subscribers)]
    tasks = [asyncio.create_task(d.run(port)) for d in dashboards]
    opened = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(d.first.wait() for d in dashboards)), 600)
    print(f"every dashboard sent its first figures in {time.perf_counter() - opened:.1f} s")
    warm = 3 * int(rate)
    bodies = [json.dumps({"query": RECORD, "variables": {"input": document}}).encode()
              for document in documents(warm + int(rate * seconds))]  # fmt: skip
    connections = [await Connection.open(port) for _ in range(CONNECTIONS)]
    sent: list[tuple[float, int]] = []  # (due, position) of measured contacts
    lines: list[asyncio.Queue[tuple[float, bytes, bool] | None]] = [
        asyncio.Queue() for _ in connections
    ]

    async def line(connection: Connection, waiting: asyncio.Queue[Any]) -> None:
        while (item := await waiting.get()) is not None:
            due, body, measured = item
            receipt = (await connection.post(body))["data"]["recordInteraction"]
            assert receipt["__typename"] == "InteractionReceipt", receipt
            if measured:
                sent.append((due, receipt["position"]))

    senders = [asyncio.create_task(line(c, q)) for c, q in zip(connections, lines, strict=True)]
    view: list[tuple[int, float]] = []  # where the contacts view stood, and when
    watching = asyncio.create_task(watch(port, view))
    started = measure_started = time.perf_counter()
    before: dict[int, float] = {}
    for index, body in enumerate(bodies):
        if index == warm:
            before, measure_started = cpu_seconds(root), time.perf_counter()
        due = started + index / rate
        await asyncio.sleep(max(due - time.perf_counter(), 0))
        lines[index % len(lines)].put_nowait((due, body, index >= warm))
    for waiting in lines:
        waiting.put_nowait(None)
    await asyncio.gather(*senders)
    after, measured = cpu_seconds(root), time.perf_counter() - measure_started
    await asyncio.sleep(5)  # the last contacts reach the dashboards
    watching.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for connection in connections:
        connection.close()
    delays, after_view, missed = [], [], 0
    for due, position in sent:
        shown = [d.shown(position) for d in dashboards]
        if any(when is None for when in shown):
            missed += 1
            continue
        last = max(when for when in shown if when is not None)
        delays.append((last - due) * 1000)
        projected = next((when for reached, when in view if reached >= position), None)
        if projected is not None:
            after_view.append((last - projected) * 1000)
    cores = sum(after.get(pid, 0) - before.get(pid, 0) for pid in after) / measured
    messages = sum(len(d.positions) for d in dashboards)
    cuts = statistics.quantiles(delays, n=100)
    print(f"{subscribers} analysts' statisticsChanged, {len(sent)} contacts at {rate:.0f}/s over"
          f" {measured:.1f} s: every dashboard shows a contact after p50 {cuts[49]:.0f} ms,"
          f" p95 {cuts[94]:.0f} ms, max {max(delays):.0f} ms ({missed} not shown);"
          f" after the contacts view had it (seen every 0.1 s): p50 {_cut(after_view, 49)} ms,"
          f" p95 {_cut(after_view, 94)} ms ({len(after_view)} contacts);"
          f" {messages:,} messages sent; server CPU {cores:.2f} cores"
          f" (this client {time.process_time() / (time.perf_counter() - started):.2f});"
          f" {os.cpu_count()} cores")  # fmt: skip


async def watch(port: int, view: list[tuple[int, float]]) -> None:
    """Where the contacts view stands, as an admin's /health tells it, every 0.1 s: how long a
    contact takes to reach the dashboards once the view has it, apart from the view's lag."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    while True:
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(request).read())  # noqa: S310
        when = time.perf_counter()
        for projection in json.loads(body)["projections"]:
            if projection["name"] == "interactions":
                view.append((projection["position"], when))
        await asyncio.sleep(0.1)


def _cut(values: list[float], index: int) -> str:
    return f"{statistics.quantiles(values, n=100)[index]:.0f}" if len(values) > 1 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0, help="contacts logged a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured, after 3 s")
    parser.add_argument("--workers", type=int, default=2, help="API processes (guichet serve)")
    args = parser.parse_args()
    with server(args.workers, args.subscribers) as (port, root):
        asyncio.run(run(port, root, args.subscribers, args.rate, args.seconds))


if __name__ == "__main__":
    main()
