"""What following the tokens of the log costs a server.

Usage: python -m bench.token_poll [--events 1000000] [--tokens 100] [--polls 200]
Fills the log with E events of another kind (inserted by SQL, chained like any event), issues T
tokens through the handler, then times a server's first read of the tokens (from position 0,
as at start), a read when nothing changed (what every second costs), and a read after one new
token and 10,000 other events (what a change costs).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from psycopg import sql

from bench.support import bench_container
from domain.handlers.tokens import IssueToken, Role
from infra.bootstrap import Container
from infra.token_log import TokenLog
from infra.tokens import digest
from infra.views.base import LOG_TABLE

FILL = sql.SQL(
    "INSERT INTO {}.{} (originator_id, originator_version, topic, state)"
    " SELECT gen_random_uuid(), 1, 'guichet.Bench.Filler', convert_to('{{}}', 'UTF8')"
    " FROM generate_series(1, %s)"
)


def fill(container: Container, count: int) -> None:
    table = sql.Identifier(container.database.schema), sql.Identifier(LOG_TABLE)
    with container.database.connect(autocommit=True) as conn:
        for start in range(0, count, 100_000):
            conn.execute(FILL.format(*table), (min(100_000, count - start),))


def issue(container: Container, name: str) -> None:
    container.token_handler.issue(
        IssueToken(name, Role.EDITOR, digest(name)), actor="bench", at=datetime.now(UTC)
    )


def timed(read: TokenLog) -> float:
    started = time.perf_counter()
    read.refresh()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--polls", type=int, default=200)
    args = parser.parse_args()
    with bench_container() as container:
        started = time.perf_counter()
        for number in range(args.tokens):
            issue(container, f"user{number}")
            if number == args.tokens // 2:
                fill(container, args.events)
        print(f"log: {container.head():,} positions, {args.tokens} tokens "
              f"({time.perf_counter() - started:.1f} s to write)")  # fmt: skip
        follower = TokenLog(container.operations, container.clock.now)
        print(f"first read, from position 0: {timed(follower):.1f} ms, "
              f"{len(follower.tokens())} tokens")  # fmt: skip
        idle = [timed(follower) for _ in range(args.polls)]
        print(f"read with nothing new: median {statistics.median(idle):.2f} ms, "
              f"max {max(idle):.2f} ms over {args.polls}")  # fmt: skip
        fill(container, 10_000)
        issue(container, "latecomer")
        print(f"read after 10,000 events and one token: {timed(follower):.1f} ms")
        assert follower.principal(digest("latecomer")) is not None


if __name__ == "__main__":
    main()
