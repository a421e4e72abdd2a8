"""Appends N events in batches, then rebuilds the directory projection; prints events/s.

Usage: python -m bench.rebuild [--events 200000] [--batch 100] [--page-size 1000]
Uses GUICHET_DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from bench.support import bench_container
from domain.directory import Organization
from domain.values import LocalizedText
from infra.bootstrap import Container

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
WORDS = [
    "Centre",
    "Maison",
    "Carrefour",
    "Entraide",
    "Accueil",
    "Famille",
    "Jeunesse",
    "Aînés",
    "Logement",
    "Dépannage",
]


def name(rng: random.Random) -> LocalizedText:
    words = " ".join(rng.sample(WORDS, 3))
    return LocalizedText(fr=words, en=words.replace("Maison", "House"))


def append(container: Container, total: int, batch: int, rng: random.Random) -> float:
    """Registers organizations and renames about a third of them, `batch` records a save."""
    operations = container.operations
    written = 0
    started = time.perf_counter()
    at = START
    while written < total:
        size = min(batch, total - written)
        renames = size // 3
        records = [
            Organization.register(uuid4(), name(rng), name(rng), None, actor="bench", at=at)
            for _ in range(size - renames)
        ]
        for record in records[:renames]:
            record.rename(name(rng), reason=None, actor="bench", at=at + timedelta(minutes=5))
        operations.save(*records)
        written += size
        at += timedelta(minutes=1)
    return written / (time.perf_counter() - started)


def read_rate(container: Container, page: int) -> tuple[float, float]:
    recorder = container.operations.recorder
    mapper = container.operations.mapper
    rates = []
    for decode in (False, True):
        count, position, started = 0, 0, time.perf_counter()
        while True:
            notifications = recorder.select_notifications(
                start=position, limit=page, inclusive_of_start=False
            )
            if not notifications:
                break
            if decode:
                for notification in notifications:
                    mapper.to_domain_event(notification)
            count += len(notifications)
            position = notifications[-1].id
        rates.append(count / (time.perf_counter() - started))
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(211)
    with bench_container() as container:
        runner = container.runners["directory"]
        runner.page_size = args.page_size

        print(f"cores: {os.cpu_count()}, events: {args.events:,}, batch: {args.batch} records/save")
        print(f"append:        {append(container, args.events, args.batch, rng):>10,.0f} events/s")
        raw, decoded = read_rate(container, args.page_size)
        print(f"read log raw:  {raw:>10,.0f} events/s")
        print(f"read+decode:   {decoded:>10,.0f} events/s")
        started = time.perf_counter()
        applied = runner.rebuild()
        rate = applied / (time.perf_counter() - started)
        print(f"rebuild:       {rate:>10,.0f} events/s (directory, page {args.page_size})")


if __name__ == "__main__":
    main()
