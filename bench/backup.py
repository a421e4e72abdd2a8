"""Backup and restore of a large log: `guichet backup`, `guichet backup --verify` and
`guichet restore` (copy, chain check, every view rebuilt) timed on a million events.

Usage: python -m bench.backup [--contacts 1000000] [--compress gzip:1 none …]
Logs N demo contacts over ten years (about one event each) after the territory reference and
the demo directory (the set-up, timed apart and left out of the figures), then runs each
command as an operator does (`infra.cli.main`), the restore into a schema of its own in the
same server. Prints wall time and CPU time of each: this process, the programs it ran
(`pg_dump`, `pg_restore`) and the PostgreSQL server's processes, since the machine is shared
and wall times move with the others' load. The server's CPU is only known for the embedded
PostgreSQL this benchmark starts (not with GUICHET_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from bench.statistics import load
from bench.support import bench_container
from infra.bootstrap import Container, tune_garbage_collector
from infra.cli import main as guichet


def server_cpu(container: Container) -> Callable[[], float | None]:
    """The CPU seconds the server's processes used so far, backends that ended included."""
    host = Path(container.database.host)  # the embedded server's socket is in its folder
    found = [path / "postmaster.pid" for path in (host, host.parent) if host.is_absolute()]
    pid_files = [path for path in found if path.exists()]
    if not pid_files:
        return lambda: None
    postmaster = psutil.Process(int(pid_files[0].read_text().split()[0]))

    def used() -> float:
        times = postmaster.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in postmaster.children():
            try:
                child_times = child.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += child_times.user + child_times.system
        return total

    return used


def timed(label: str, server: Callable[[], float | None], *args: str) -> float:
    own, children = time.process_time(), os.times()
    before = server()
    started = time.perf_counter()
    code = guichet(list(args))
    wall = time.perf_counter() - started
    after = server()
    spent = os.times()
    ran = spent.children_user + spent.children_system - children.children_user
    ran -= children.children_system
    cpu = time.process_time() - own
    said = f"{after - before:.1f} s" if after is not None and before is not None else "n/a"
    print(f"== {label}: exit {code}, wall {wall:.1f} s; CPU: this process {cpu:.1f} s, "
          f"pg_dump/pg_restore {ran:.1f} s, PostgreSQL server {said}", flush=True)  # fmt: skip
    assert code == 0, label
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--compress", nargs="+", default=["gzip:1"])
    args = parser.parse_args()
    tune_garbage_collector()  # as the guichet command does
    with bench_container() as container, tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        print(f"set-up: logging {args.contacts:,} contacts over ten years", flush=True)
        load(container, args.contacts)
        head = container.head()
        print(f"set-up: {head:,} events in {time.perf_counter() - started:.0f} s (not counted)")
        database = container.database
        os.environ.update(
            GUICHET_DATABASE_URL=database.url, GUICHET_DATABASE_SCHEMA=database.schema,
            GUICHET_DATA_DIR=folder, GUICHET_PROGRESS_EVERY="30", GUICHET_LOG_LEVEL="WARNING",
        )  # fmt: skip
        server = server_cpu(container)
        files = {}
        for method in args.compress:
            files[method] = Path(folder) / f"backup-{method}.gbk"
            wall = timed(f"backup --compress {method}", server, "backup", "--compress", method,
                         str(files[method]))  # fmt: skip
            size = files[method].stat().st_size
            print(f"   {size / 1e6:,.0f} MB, {head / wall:,.0f} events/s")
        chosen = files[args.compress[0]]
        timed("backup --verify", server, "backup", "--verify", str(chosen))
        os.environ["GUICHET_DATABASE_SCHEMA"] = f"{database.schema}_restored"
        try:
            wall = timed("restore (copy, chain check, 9 views rebuilt)", server, "restore",
                         str(chosen))  # fmt: skip
            print(f"   {wall / head * 1e6:,.0f} s per million events; {os.cpu_count()} cores")
        finally:
            with database.connect() as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{database.schema}_restored" CASCADE')


if __name__ == "__main__":
    main()
