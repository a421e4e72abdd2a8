"""CPU time and latency of a parsed contact's way from the event loop to its receipt, in this
process, on embedded PostgreSQL, with the demo directory's services to refer to: through a
worker thread that runs the contacts handler, which hands the contact to the writer's thread
(`threads`, the way before), and handed straight to the writer's thread, which runs the handler
for all the contacts waiting (`writer`, where the code has `ContactWriter.submit`).

Usage: python -m bench.contact_hop [--contacts 2000] [--concurrency 1 16]
CPU time (`time.process_time`, every thread of this process) is what to compare between two
checkouts run one after the other: other load on the machine moves it less than latency.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import date
from functools import partial
from typing import Any

import anyio.to_thread

from bench.support import bench_container
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, commands
from infra.territories import load_reference


async def send(container: Container, mode: str, contacts: list[Any], concurrency: int) -> str:
    handler, writer, clock = container.contact_handler, container.contacts, container.clock
    latencies: list[float] = []
    slots = asyncio.Semaphore(concurrency)

    async def one(contact: Any) -> None:
        async with slots:
            sent = time.perf_counter()
            if mode == "threads":
                call = partial(handler.record, contact, actor="bench", at=clock.now())
                await anyio.to_thread.run_sync(call)
            else:
                from domain.handlers.contacts import Recording  # absent from older code

                await writer.submit(handler, Recording(contact, "bench", clock.now()))
            latencies.append(time.perf_counter() - sent)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(contact) for contact in contacts))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    cuts = statistics.quantiles(latencies, n=100)
    count = len(contacts)
    return (
        f"{mode:8} {concurrency:3} in flight: {cpu / count * 1e6:5.0f} µs of CPU a contact,"
        f" p50 {cuts[49] * 1e3:.2f} ms, p99 {cuts[98] * 1e3:.2f} ms, {count / wall:.0f}/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()
    with bench_container() as container:
        clock = SystemClock()
        load_reference(container.operations, clock)
        load_demo(container.directory_handler, clock.now())
        for runner in container.select(["search"]):
            runner.bring_up_to_date()
        modes = ["threads"]
        if hasattr(container.contacts, "submit"):
            modes.append("writer")
        for round in range(2):  # the first round warms every cache
            for concurrency in args.concurrency:
                for mode in modes:
                    name = f"{mode}-{concurrency}-{round}"
                    plan = Plan(args.contacts, date(2019, 1, 1), date(2019, 12, 31), name=name)
                    contacts = list(commands(plan))
                    line = asyncio.run(send(container, mode, contacts, concurrency))
                    if round:
                        print(line, flush=True)


if __name__ == "__main__":
    main()
