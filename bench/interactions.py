"""Contacts logged through GraphQL: throughput and latency of `recordInteraction`.

Usage: python -m bench.interactions [--requests 3000] [--clients 4] [--workers 2]
Starts `guichet serve --demo --workers N` on embedded PostgreSQL, as a user would, with its
projections running, then sends `recordInteraction` documents (two needs, three referrals, as
the report's average contact) over HTTP from concurrent keep-alive clients. Prints the rate
and the p50 / p95 / p99 latency, then the CPU time (user + system) per contact over the timed
window of the server's processes (`guichet serve` and its workers) and, apart, PostgreSQL's.
BENCH_PROJECTIONS=0 serves with `--no-projections`.
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
from datetime import date
from pathlib import Path
from typing import Any

import psutil

from infra.demo_calls import Plan, generate
from tests.support.ports import free_port

RECORD = """
mutation ($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename ... on InteractionReceipt { position } ... on Error { code message }
  }
}
"""


def wait_healthy(process: subprocess.Popen[bytes], port: int, most: float = 300) -> None:
    """Waits until the server started by `process` answers its health check on `port`."""
    deadline = time.monotonic() + most
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.5)


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


class Connection:
    """A keep-alive HTTP/1.1 connection that sends prepared requests: a load generator should
    cost the server's two cores as little as it can, so it is not httpx."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, body: bytes) -> dict[str, Any]:
        status, result = await self.exchange(body)
        assert status == 200, (status, result)
        return result

    async def exchange(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """The response's status and its JSON body."""
        self.writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer bench-token\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines if ": " in line)
        payload = await self.reader.readexactly(int(headers["content-length"]))
        result: dict[str, Any] = json.loads(payload)
        return int(status.split()[1]), result

    def close(self) -> None:
        self.writer.close()


class Processes:
    """CPU time of the server's processes: `guichet serve` with its workers, and PostgreSQL's
    (its postmaster runs the data directory, started apart from the server's tree)."""

    def __init__(self, pid: int, data: str) -> None:
        self.pid, self.data = pid, data

    def sample(self) -> dict[int, tuple[str, float]]:
        """Each process's kind ('guichet' or 'postgres') and its CPU seconds so far."""
        found: dict[int, tuple[str, psutil.Process]] = {}
        root = psutil.Process(self.pid)
        for process in [root, *root.children(recursive=True)]:
            found[process.pid] = ("guichet", process)
        for process in psutil.process_iter(["cmdline"]):
            if self.data in " ".join(process.info["cmdline"] or ()):
                for each in [process, *process.children(recursive=True)]:
                    found[each.pid] = ("postgres", each)
        times: dict[int, tuple[str, float]] = {}
        for pid, (kind, process) in found.items():
            try:
                cpu = process.cpu_times()
            except psutil.Error:  # ended meanwhile
                continue
            if kind == "guichet" and process.name().startswith("postgres"):
                kind = "postgres"
            times[pid] = (kind, cpu.user + cpu.system)
        return times


def cpu_spent(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds each kind of process spent between two samples (one started meanwhile
    counts whole; one ended meanwhile is not seen)."""
    spent = {"guichet": 0.0, "postgres": 0.0}
    for pid, (kind, cpu) in after.items():
        spent[kind] += cpu - before.get(pid, (kind, 0.0))[1]
    return spent


@contextmanager
def server(workers: int, projections: bool) -> Iterator[tuple[int, Processes]]:
    """`guichet serve --demo` on embedded PostgreSQL in a temporary directory; yields its port
    and its processes."""
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        environ = dict(os.environ, GUICHET_DATA_DIR=data, GUICHET_LOG_LEVEL="WARNING",
                       GUICHET_TOKENS="bench:counsellor:bench-token",
                       GUICHET_RATE_LIMIT="0")  # one caller, as fast as it can  # fmt: skip
        environ.pop("GUICHET_DATABASE_URL", None)
        guichet = Path(sys.executable).with_name("guichet")  # the installed command
        command = [str(guichet), "serve", "--demo", "--port", str(port), "--workers", str(workers)]
        if not projections:
            command.append("--no-projections")
        process = subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL)  # noqa: S603
        try:
            wait_healthy(process, port)
            yield port, Processes(process.pid, data)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)


Line = asyncio.Queue[tuple[float, bytes] | None]  # contacts due on one connection


async def run(
    port: int, requests: int, clients: int, rate: float | None, processes: Processes
) -> None:
    """Closed loop: each client sends its next contact when the last is answered. At a fixed
    rate: contacts are due at even intervals over the connections, and a contact's latency
    counts from when it was due, so a server falling behind cannot hide its queue."""
    pending = [json.dumps({"query": RECORD, "variables": {"input": document}}).encode()
               for document in documents(requests + 20 * clients)]  # fmt: skip
    connections = [await Connection.open(port) for _ in range(clients)]
    timings: list[float] = []

    async def send(connection: Connection, body: bytes, due: float | None, record: bool) -> None:
        started = time.perf_counter() if due is None else due
        result = (await connection.post(body))["data"]["recordInteraction"]
        assert result["__typename"] == "InteractionReceipt", result
        if record:
            timings.append((time.perf_counter() - started) * 1000)

    warm, pending = pending[: 20 * clients], pending[20 * clients :]
    for index, body in enumerate(warm):
        await send(connections[index % clients], body, None, record=False)
    before = processes.sample()
    started = time.perf_counter()
    if rate is None:
        queue = iter(pending)

        async def worker(connection: Connection) -> None:
            for body in queue:
                await send(connection, body, None, record=True)

        await asyncio.gather(*(worker(connection) for connection in connections))
    else:
        lines: list[asyncio.Queue[tuple[float, bytes] | None]] = [
            asyncio.Queue() for _ in connections
        ]

        async def line(connection: Connection, waiting: Line) -> None:
            while (item := await waiting.get()) is not None:
                await send(connection, item[1], item[0], record=True)

        tasks = [asyncio.create_task(line(c, q)) for c, q in zip(connections, lines, strict=True)]
        for index, body in enumerate(pending):
            due = started + index / rate
            await asyncio.sleep(max(due - time.perf_counter(), 0))
            lines[index % clients].put_nowait((due, body))
        for waiting in lines:
            waiting.put_nowait(None)
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    spent = cpu_spent(before, processes.sample())
    for connection in connections:
        connection.close()
    cuts = statistics.quantiles(timings, n=100)
    mode = f"{clients} clients" if rate is None else f"{rate:.0f}/s due over {clients} connections"
    print(f"recordInteraction: {len(timings)} contacts, {mode}, in {elapsed:.1f} s ="
          f" {len(timings) / elapsed:.0f}/s; latency p50 {cuts[49]:.1f} ms,"
          f" p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms; {os.cpu_count()} cores")  # fmt: skip
    print(f"CPU per contact: server {spent['guichet'] / len(timings) * 1000:.2f} ms"
          f" (guichet serve and its workers: {spent['guichet'] / elapsed:.2f} cores),"
          f" PostgreSQL {spent['postgres'] / len(timings) * 1000:.2f} ms"
          f" ({spent['postgres'] / elapsed:.2f} cores)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="API processes (guichet serve)")
    parser.add_argument("--rate", type=float, help="contacts due a second (else a closed loop)")
    args = parser.parse_args()
    projections = os.environ.get("BENCH_PROJECTIONS", "1") == "1"
    with server(args.workers, projections) as (port, processes):
        asyncio.run(run(port, args.requests, args.clients, args.rate, processes))


if __name__ == "__main__":
    main()
