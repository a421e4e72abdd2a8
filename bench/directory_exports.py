"""Directory figures and the CSV package on a directory of N services; prints times.

Usage: python -m bench.directory_exports [--services 6000] [--queries 5]
Imports the synthetic package of `bench.import_hsds`, brings the history view up to date, then
times `directoryStatistics` for a year (whole directory and one region) and
`guichet export csv` (reading the records and writing the package). Uses GUICHET_DATABASE_URL
when set, else an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.import_hsds import write_package as write_source
from bench.support import bench_container
from infra.clock import SystemClock
from infra.hsds.export import read_snapshot
from infra.hsds.export_csv import tables, write_package
from infra.hsds.importer import ImportContext, import_package
from infra.territories import load_reference


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=6000)
    parser.add_argument("--queries", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_container() as container:
        source = Path(tmp) / "source"
        source.mkdir()
        write_source(source, args.services, random.Random(211))
        load_reference(container.operations, SystemClock())
        now = SystemClock().now()
        import_package(ImportContext(container.directory_handler, "bench", now, "fr"), source)
        started = time.perf_counter()
        for name in ("history", "territories"):
            container.runners[name].bring_up_to_date()
        print(f"cores: {os.cpu_count()}, services: {args.services:,}")
        print(f"history view brought up to date: {time.perf_counter() - started:.2f} s")
        year = (date(now.year, 1, 1), date(now.year, 12, 31))
        for territory in (None, "RA-06"):
            times = []
            for _ in range(args.queries):
                started = time.perf_counter()
                found = container.directory_statistics.figures(*year, territory)
                times.append(time.perf_counter() - started)
            services = found.of_kind("service")
            print(
                f"directory figures of {year[0].year}, {territory or 'whole directory'}: "
                f"median {statistics.median(times) * 1000:.0f} ms over {args.queries} "
                f"({services.active:,} active services, {services.added.count:,} added)"
            )
        started = time.perf_counter()
        snapshot = read_snapshot(container.history, container.territories, "fr")
        read = time.perf_counter() - started
        rows = write_package(Path(tmp) / "package", snapshot)
        written = time.perf_counter() - started - read
        started = time.perf_counter()
        tables(snapshot)
        print(
            f"export csv: records read in {read:.2f} s, {rows:,} rows written in {written:.2f} s, "
            f"of which {time.perf_counter() - started:.2f} s building the HSDS objects "
            "(as export hsds does)"
        )


if __name__ == "__main__":
    main()
