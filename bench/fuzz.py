"""Schema-driven fuzzing at length: generated documents, valid and invalid, as every role.

Usage: python -m bench.fuzz [--examples 1500] [--hostile]
Loads the territory reference and the demo directory, then sends each generated document as
each of the seven roles (so 1,500 documents are 10,500 requests) to the ASGI app over HTTP,
and prints the requests, the status codes, server errors (5xx or masked), and refused
mutations that stored events anyway. Exits 1 if either of the last two is not zero.

With --hostile, the documents carry hostile variables (NUL and other controls, lone
surrogates, strings up to the body limit, long and deep lists) and go to a real server on the
loopback interface, over HTTP as each role and over WebSocket as one; then every projection
is run, and a view not back at lag 0, or failing, is a finding too.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

from bench.support import bench_container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.territories import load_reference
from tests.support.fuzzing import SETTINGS, fuzz, hostile_fuzz
from tests.support.tokens import TOKENS_SETTING


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=1_500)
    parser.add_argument("--hostile", action="store_true", help="hostile variables, HTTP and WS")
    args = parser.parse_args()
    with bench_container(GUICHET_TOKENS=TOKENS_SETTING, **SETTINGS) as container:
        clock = SystemClock()
        load_reference(container.operations, clock)
        load_demo(container.directory_handler, clock.now())
        head = container.head()
        findings = (hostile_fuzz if args.hostile else fuzz)(container, args.examples)
        statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(findings.statuses.items()))
        print(f"{findings.requests:,} requests ({findings.mutations:,} mutations) in "
              f"{findings.seconds:.0f} s; {os.cpu_count()} cores")  # fmt: skip
        print(f"  status codes: {statuses}")
        print(f"  events stored by accepted mutations: {container.head() - head:,}")
        print(f"  server errors: {len(findings.server_errors)}")
        print(f"  refused requests that stored events: {len(findings.stored_by_refused)}")
        if args.hostile:
            closes = sorted(findings.websocket_closes.items())
            closed = ", ".join(f"{code}: {n:,}" for code, n in closes) or "never"
            print(f"  WebSocket: {findings.websocket_messages:,} answered, closed {closed}")
            print(f"  views not at lag 0 or failing after the run: {len(findings.views)}"
                  f"{'; the server stopped answering' if findings.hung else ''}")  # fmt: skip
        fields = Counter(line.split(": ", 1)[1].split(" ", 1)[0] for line in findings.server_errors)
        if fields:
            print(
                "  server errors by field: "
                + ", ".join(f"{f} {n}" for f, n in fields.most_common())
            )
        for line in (findings.server_errors + findings.stored_by_refused)[:20] + findings.views:
            print(f"    {line}")
        failed = findings.server_errors or findings.stored_by_refused or findings.views
        return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
