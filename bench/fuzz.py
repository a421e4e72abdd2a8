"""Schema-driven fuzzing at length: generated documents, valid and invalid, as every role.

Usage: python -m bench.fuzz [--examples 1500]
Loads the territory reference and the demo directory, then sends each generated document as
each of the seven roles (so 1,500 documents are 10,500 requests) to the ASGI app over HTTP,
and prints the requests, the status codes, server errors (5xx or masked), and refused
mutations that stored events anyway. Exits 1 if either of the last two is not zero.
"""

from __future__ import annotations

import argparse
import os

from bench.support import bench_container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.territories import load_reference
from tests.support.fuzzing import SETTINGS, fuzz
from tests.support.tokens import TOKENS_SETTING


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=1_500)
    args = parser.parse_args()
    with bench_container(GUICHET_TOKENS=TOKENS_SETTING, **SETTINGS) as container:
        clock = SystemClock()
        load_reference(container.operations, clock)
        load_demo(container.operations, clock.now())
        head = container.head()
        findings = fuzz(container, args.examples)
        statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(findings.statuses.items()))
        print(f"{findings.requests:,} requests ({findings.mutations:,} mutations) in "
              f"{findings.seconds:.0f} s; {os.cpu_count()} cores")  # fmt: skip
        print(f"  status codes: {statuses}")
        print(f"  events stored by accepted mutations: {container.head() - head:,}")
        print(f"  server errors: {len(findings.server_errors)}")
        print(f"  refused requests that stored events: {len(findings.stored_by_refused)}")
        for line in (findings.server_errors + findings.stored_by_refused)[:10]:
            print(f"    {line}")
        return 1 if findings.server_errors or findings.stored_by_refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
