"""Hostile clients against a real server, and a counsellor trying to work meanwhile.

Usage: python -m bench.attack [--seconds 120] [--clients 8] [--rate 5] [--workers 2]
                              [--quiet 10] [--settle 60] [--mode production]
Starts `guichet serve --demo --workers N` on embedded PostgreSQL on the loopback interface, in
production mode with public documents persisted only (the settings the attacks were found
under) and the default rate limit. For `--quiet` seconds a legitimate counsellor logs ordinary
contacts with `recordInteraction` at `--rate` a second; then, for `--seconds`, eight hostile
clients (each its own loopback address and counsellor token) run attacks 1, 4, 5 and 6 of the
issue "Hostile input cannot stop, poison or unmask" while the counsellor goes on, and again
for `--quiet` seconds once the views are back at lag 0 (or the wait for them ended):
  1  contacts of 400,000 characters (the counsellor) or 250 needs of 1,900 characters each;
  4  30 aliases of `territories` with parents and ancestors, over HTTP and over WebSocket;
  5  anonymous WebSocket `subscribe` messages of free-form queries and mutations, flat out;
  6  searches of 8,000 unknown words.
When the attack ends, /health is read until every view's lag is 0 and none is failing, for at
most `--settle` seconds. Prints the counsellor's p50 / p99 latency (from when each contact was
due, so a stalled server cannot hide its queue) and errors, quiet and under attack, each
attack's outcomes, and the seconds the views took to catch up. The target: p99 under 500 ms,
no error, views at lag 0 within 10 s. Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.attackers import ATTACKS, TIMEOUT, Http, run_in_process, tokens_setting
from bench.interactions import RECORD, documents
from tests.support.ports import free_port

COUNSELLOR = "127.0.0.2"  # the legitimate counsellor's own address
TARGET_P99_MS, TARGET_SETTLE_S = 500.0, 10.0
KEEP_ALIVE = 4.0  # seconds an idle connection is reused: under uvicorn's 5 s
ADMIN_TOKEN = "bench-admin-token"  # noqa: S105 (/health shows positions and lags to admins only)


@contextmanager
def server(workers: int, mode: str, clients: int, notes: list[str]) -> Iterator[int]:
    """`guichet serve --demo`, stopped even when it no longer answers: SIGINT, then SIGKILL to
    its process group, then the embedded PostgreSQL it started. Yields its port; adds to
    `notes` how it stopped and how many errors it logged."""
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        environ = dict(
            os.environ, GUICHET_DATA_DIR=data, GUICHET_LOG_LEVEL="ERROR", GUICHET_MODE=mode,
            GUICHET_PUBLIC_PERSISTED_ONLY="true" if mode == "production" else "false",
            GUICHET_TOKENS=f"bench:counsellor:bench-token,bench-admin:admin:{ADMIN_TOKEN},"
            f"{tokens_setting(clients)}",
        )  # fmt: skip
        for name in ("GUICHET_DATABASE_URL", "GUICHET_RATE_LIMIT"):
            environ.pop(name, None)
        guichet = Path(sys.executable).with_name("guichet")
        command = [str(guichet), "serve", "--demo", "--port", str(port), "--workers", str(workers)]
        log = Path(data) / "server.log"
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603
                command, env=environ, stdout=subprocess.DEVNULL, stderr=output,
                start_new_session=True,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 300
            while health(port, 5) is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.5)
            yield port
        finally:
            notes.append(stop(process, Path(data) / "postgres"))
            with log.open("rb") as logged:
                errors = sum(b" ERROR " in line for line in logged)
            notes.append(f"the server logged {errors:,} errors")


def stop(process: subprocess.Popen[bytes], pgdata: Path) -> str:
    """How the server stopped."""
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        process.wait(30)
        return f"the server stopped {time.monotonic() - started:.1f} s after SIGINT"
    except subprocess.TimeoutExpired:
        pass
    os.killpg(process.pid, signal.SIGKILL)  # the group this bench started, workers included
    process.wait(10)
    postmaster = pgdata / "postmaster.pid"
    if postmaster.exists():  # PostgreSQL runs in a session of its own
        pid = int(postmaster.read_text().split()[0])
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown
        for _ in range(100):
            if not postmaster.exists():
                break
            time.sleep(0.1)
    return "the server did not stop within 30 s of SIGINT: killed"


def health(port: int, timeout: float) -> dict[str, Any] | None:
    try:
        asked = urllib.request.Request(
            f"http://127.0.0.1:{port}/health", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
        with urllib.request.urlopen(asked, timeout=timeout) as answer:  # noqa: S310
            found: dict[str, Any] = json.loads(answer.read())
            return found if answer.status == 200 else None
    except (OSError, ValueError):
        return None


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if len(self.latencies) < 2:
            return f"{len(self.latencies)} contacts answered, {self.errors} errors"
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return (f"{len(self.latencies):,} contacts, p50 {cuts[49]:,.0f} ms, p99 {cuts[98]:,.0f} ms,"
                f" max {max(self.latencies):,.0f} ms, {self.errors} errors")  # fmt: skip

    def p99(self) -> float:
        if len(self.latencies) < 2:
            return 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[98]


async def counsellor(
    port: int, rate: float, phases: list[tuple[Phase, float]], contacts: Iterator[dict[str, Any]]
) -> None:
    """Contacts due at `rate` a second, each phase for its seconds, over as many keep-alive
    connections as are needed (at most 64) so that a slow answer does not delay the next."""
    idle: list[tuple[float, Http]] = []  # (when it was last answered, the connection)
    running: set[asyncio.Task[None]] = set()

    def connection() -> Http:
        # As an HTTP client's pool does: a connection idle for longer than the server keeps
        # it (uvicorn: 5 s) is closed, not reused, or the request meets a closed socket.
        while idle:
            answered, kept = idle.pop()
            if time.monotonic() - answered < KEEP_ALIVE:
                return kept
            kept.close()
        return Http(port, COUNSELLOR, "bench-token")

    async def one(phase: Phase, due: float, body: bytes) -> None:
        connection_ = connection()
        try:
            status, payload = await asyncio.wait_for(connection_.post(body), TIMEOUT)
            result = json.loads(payload)
            data = (result.get("data") or {}).get("recordInteraction") or {}
            logged = data.get("__typename") == "InteractionReceipt"
            if status != 200 or result.get("errors") or not logged:
                phase.errors += 1
                if len(phase.samples) < 3:
                    phase.samples.append(f"{status}: {payload[:200]!r}")
            else:
                phase.latencies.append((time.perf_counter() - due) * 1000)
            idle.append((time.monotonic(), connection_))
        except TimeoutError:
            phase.errors += 1
            if len(phase.samples) < 3:
                phase.samples.append(f"no answer within {TIMEOUT:.0f} s")
            connection_.close()
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            phase.errors += 1
            if len(phase.samples) < 3:
                phase.samples.append(f"{type(error).__name__} {error}"[:200])
            connection_.close()

    for phase, seconds in phases:
        start = time.perf_counter()
        for index in range(int(seconds * rate)):
            due = start + index / rate
            await asyncio.sleep(max(due - time.perf_counter(), 0))
            if len(running) >= 64:
                phase.errors += 1  # 64 contacts waiting: this one is not even sent
                continue
            body = json.dumps({"query": RECORD, "variables": {"input": next(contacts)}}).encode()
            task = asyncio.create_task(one(phase, due, body))
            running.add(task)
            task.add_done_callback(running.discard)
        # A contact still waiting when its phase ends counts in that phase.
        await asyncio.sleep(max(start + seconds - time.perf_counter(), 0))
    if running:
        await asyncio.wait(running, timeout=TIMEOUT + 1)
    for _, kept in idle:
        kept.close()


def settle(port: int, bound: float) -> tuple[float | None, str]:
    """Seconds until every view is at lag 0 and none failing (None past `bound`), and how the
    views stood at the end."""
    started = time.monotonic()
    last = "no answer from /health"
    while time.monotonic() - started < bound:
        state = health(port, 5)
        if state is not None:
            views = state["projections"]
            behind = [f"{v['name']} {v['lag']}{' failing' if v['failing'] else ''}"
                      for v in views if v["lag"] or v["failing"]]  # fmt: skip
            last = ", ".join(behind) or "all at lag 0"
            if all(not v["lag"] and not v["failing"] for v in views):
                return time.monotonic() - started, last
        time.sleep(0.25)
    return None, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=5.0, help="contacts a second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quiet", type=float, default=10, help="seconds before the attack")
    parser.add_argument("--settle", type=float, default=60, help="most seconds to wait after")
    parser.add_argument("--mode", choices=["production", "development"], default="production")
    args = parser.parse_args()
    quiet, attacked, after = Phase(), Phase(), Phase()
    notes: list[str] = []
    contacts = iter(documents(int(args.rate * (2 * args.quiet + args.seconds)) + 10))
    with server(args.workers, args.mode, args.clients, notes) as port:
        # The demo directory is projected first: a referral is checked against it.
        if settle(port, 300)[0] is None:
            raise RuntimeError("the views did not reach the demo directory's head in 300 s")
        asyncio.run(counsellor(port, args.rate, [(quiet, args.quiet)], contacts))
        context = multiprocessing.get_context("spawn")
        receiving, sending = context.Pipe(duplex=False)
        attackers = context.Process(
            target=run_in_process, args=(port, args.seconds, args.clients, sending),
            name="attackers",
        )  # fmt: skip
        attackers.start()
        try:
            asyncio.run(counsellor(port, args.rate, [(attacked, args.seconds)], contacts))
            outcomes = receiving.recv() if receiving.poll(TIMEOUT + 15) else {}
        finally:
            attackers.join(10)
            if attackers.is_alive():
                attackers.kill()  # the process this bench started, by its id
                attackers.join(5)
        settled, views = settle(port, args.settle)
        asyncio.run(counsellor(port, args.rate, [(after, args.quiet)], contacts))
    print(f"attack: {args.clients} hostile clients for {args.seconds:.0f} s, a counsellor at "
          f"{args.rate:g} contacts/s, {args.workers} API workers, {args.mode}; "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"  counsellor, quiet ({args.quiet:.0f} s):   {quiet.summary()}")
    print(f"  counsellor, attacked ({args.seconds:.0f} s): {attacked.summary()}")
    print(f"  counsellor, after ({args.quiet:.0f} s):   {after.summary()}")
    for sample in dict.fromkeys(quiet.samples + attacked.samples + after.samples):
        print(f"    {sample}")
    for name in dict.fromkeys(ATTACKS[: args.clients]):
        found = outcomes.get(name)
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(found.items())
                           if isinstance(v, int)) if found else "no report"  # fmt: skip
        print(f"  attack {name}: {counts}")
        for kind, sample in sorted((found or {}).items()):
            if isinstance(sample, str):
                print(f"    {kind}: {sample}")
    took = f"{settled:.1f} s" if settled is not None else f"not within {args.settle:.0f} s"
    print(f"  views back at lag 0 after the attack: {took} ({views})")
    print(f"  {'; '.join(notes)}")
    met = (attacked.p99() < TARGET_P99_MS and attacked.errors == 0 and len(attacked.latencies) > 0
           and settled is not None and settled <= TARGET_SETTLE_S)  # fmt: skip
    print(f"  target (p99 < {TARGET_P99_MS:.0f} ms, no error, lag 0 within "
          f"{TARGET_SETTLE_S:.0f} s): {'met' if met else 'MISSED'}")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
