"""What the OpenSearch search projection asks of OpenSearch, on the in-memory fake: requests
and time at a first start, for a live page and for a rebuild of the demo directory.

    python -m bench.opensearch_fake [--runs 5]

The fake answers at once, so the times are the adapter's own (PostgreSQL, documents, JSON and
opensearch-py's client), not OpenSearch's; the request counts are what a server would get.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable

from bench.support import bench_container
from infra.demo import load_demo
from infra.runner import ProjectionRunner
from infra.search.opensearch import OpenSearchSearchView
from infra.search.opensearch_index import IndexNames
from infra.territories import load_reference
from tests.support.fake_opensearch import FakeCluster
from tests.support.opensearch_process import rename


def kind(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    named = [p for p in parts if p.startswith("_")]
    return "/" if not parts else named[0] if named else "(index)"


def measure(cluster: FakeCluster, step: Callable[[], object]) -> tuple[float, Counter[str]]:
    sent = len(cluster.requests)
    started = time.perf_counter()
    step()
    elapsed = time.perf_counter() - started
    kinds = Counter(f"{r.method} {kind(r.path)}" for r in cluster.requests[sent:])
    return elapsed, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    figures: dict[str, list[tuple[float, Counter[str]]]] = {}
    for _ in range(runs):
        with bench_container() as container:
            load_reference(container.operations, container.clock)
            load_demo(container.directory_handler, container.clock.now())
            cluster = FakeCluster()
            names = IndexNames.for_schema(container.database.schema)
            view = OpenSearchSearchView(container.datastore, cluster.client(), names)
            ops = container.operations
            runner = ProjectionRunner(view, ops.recorder, ops.mapper, container.database)

            def first_start(
                view: OpenSearchSearchView = view, r: ProjectionRunner = runner
            ) -> None:
                view.create()
                r.bring_up_to_date()

            def live_page(r: ProjectionRunner = runner) -> None:
                rename(container)
                r.catch_up()  # as the running projection applies a page

            for name, step in (
                ("first start", first_start),
                ("a live page", live_page),
                ("a rebuild", runner.rebuild),
            ):
                figures.setdefault(name, []).append(measure(cluster, step))
            view.client.close()
    for name, found in figures.items():
        times = sorted(elapsed for elapsed, _ in found)
        kinds = found[-1][1]
        requests = ", ".join(f"{kind} x{count}" for kind, count in sorted(kinds.items()))
        print(f"{name}: {times[0] * 1000:.0f}-{times[-1] * 1000:.0f} ms over {runs} runs; "
              f"{sum(kinds.values())} requests: {requests}")  # fmt: skip


if __name__ == "__main__":
    main()
