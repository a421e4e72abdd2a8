"""CPU time of making contacts (the domain's parsing and checks) and of logging them one per
transaction through the contacts handler (its rules: the key, the inquirer's territory, each
referral's service and organization read from their facts), in this process, on embedded
PostgreSQL, with the demo directory's services to refer to.

Usage: python -m bench.contact_cost [--contacts 2000]
Run it in two checkouts (old and new code) one after the other on the same machine to compare:
CPU time (`time.process_time`) counts only this process, so other load on the machine moves
it less than it moves latency.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from infra.bootstrap import Container, tokens_for
from infra.clock import SystemClock
from infra.database import Database
from infra.demo import load_demo
from infra.demo_calls import Plan, commands
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings
from infra.territories import load_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=2000)
    count = parser.parse_args().contacts
    with tempfile.TemporaryDirectory() as folder:
        server = EmbeddedPostgres(Path(folder) / "pg", dbname="bench")
        url = server.start()
        try:
            settings = Settings.from_environ(
                {"GUICHET_DATABASE_URL": url, "GUICHET_DATA_DIR": str(Path(folder) / "data")}
            )
            database = Database.from_url(url, settings.database_schema)
            container = Container(settings, database, tokens_for(settings))
            try:
                clock = SystemClock()
                load_reference(container.operations, clock)
                load_demo(container.directory_handler, clock.now())
                for runner in container.select(["search"]):
                    runner.bring_up_to_date()
                started = time.process_time()
                contacts = list(commands(Plan(count, date(2019, 1, 1), date(2019, 12, 31))))
                made = time.process_time() - started
                latencies: list[float] = []
                handler = container.contact_handler
                cpu, wall = time.process_time(), time.perf_counter()
                for contact in contacts:
                    sent = time.perf_counter()
                    handler.record(contact, actor="bench", at=clock.now())
                    latencies.append(time.perf_counter() - sent)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            finally:
                container.close()
        finally:
            server.stop()
    latencies.sort()
    print(
        f"{count} contacts: made in {made / count * 1e6:.0f} µs of CPU each; logged one per "
        f"transaction in {cpu / count * 1e6:.0f} µs of CPU each, p50 "
        f"{latencies[count // 2] * 1e3:.2f} ms, p99 {latencies[int(count * 0.99)] * 1e3:.2f} ms, "
        f"{count / wall:.0f}/s"
    )


if __name__ == "__main__":
    main()
