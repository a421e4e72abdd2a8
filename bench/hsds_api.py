"""Times the HSDS API over HTTP (in process) on a synthetic directory of N services.

Usage: python -m bench.hsds_api [--services 6000] [--analyze]
Imports the package `bench.import_hsds` writes, brings the views up to date, then times each
kind of request (median of several) and paging through every service 100 at a time.
`--analyze` runs ANALYZE first (what autovacuum does after a while); without it the tables have
no statistics, as right after an import. Uses GUICHET_DATABASE_URL when set, else an embedded
PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from api.app import create_app
from bench.import_hsds import write_package
from bench.support import bench_container
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.hsds.importer import ImportContext, import_package
from infra.territories import load_reference

REQUESTS = [
    ("first page, 20", "/hsds/services"),
    ("first page, 100", "/hsds/services?per_page=100"),
    ("last page, 100", "/hsds/services?per_page=100&page={last}"),
    ("full page, 20", "/hsds/services?full=true"),
    ("full page, 100", "/hsds/services?full=true&per_page=100"),
    ("minimal, 100", "/hsds/services?minimal=true&per_page=100"),
    ("one service", "/hsds/services/{service}"),
    ("search", "/hsds/services?search=popote"),
    ("taxonomy term", "/hsds/services?taxonomy_term_id={term}"),
    ("modified_after", "/hsds/services?modified_after=2000-01-01"),
    ("organizations, 100", "/hsds/organizations?per_page=100"),
    ("service_at_locations, 100", "/hsds/service_at_locations?per_page=100"),
    ("taxonomy_terms", "/hsds/taxonomy_terms"),
]


async def measure(container: Container, services: int) -> None:
    app = create_app(container, run_projections=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        first = (await http.get("/hsds/services?per_page=1")).json()
        term = (await http.get("/hsds/taxonomy_terms")).json()["contents"][0]["id"]
        names = {
            "last": -(-first["total_items"] // 100),
            "service": first["contents"][0]["id"],
            "term": term,
        }
        for label, path in REQUESTS:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                response = await http.get(path.format(**names))
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            print(f"{label}: {statistics.median(times) * 1000:.0f} ms")
        started, page = time.perf_counter(), 1
        seen: set[str] = set()
        while True:
            body = (await http.get(f"/hsds/services?per_page=100&page={page}")).json()
            seen.update(s["id"] for s in body["contents"])
            if body["last_page"]:
                break
            page += 1
        elapsed = time.perf_counter() - started
        assert len(seen) == services, len(seen)
        print(f"every service, 100 a page: {elapsed:.2f} s for {page} pages")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=6000)
    parser.add_argument("--analyze", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_container() as container:
        package = Path(tmp)
        write_package(package, args.services, random.Random(211))
        load_reference(container.operations, SystemClock())
        import_package(ImportContext(container.directory_handler, "bench", SystemClock().now(),
                                     "fr"), package)  # fmt: skip
        for name in ("history", "territories", "search"):
            container.runners[name].bring_up_to_date()
        if args.analyze:
            with container.datastore.get_connection() as conn:
                conn.execute("ANALYZE")
        print(f"services: {args.services:,}, statistics: {'yes' if args.analyze else 'none'}")
        asyncio.run(measure(container, args.services))


if __name__ == "__main__":
    main()
