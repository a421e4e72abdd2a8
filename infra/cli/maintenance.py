"""Commands of the log's keepers: replays that verify views, the audit chain and persisted
documents."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from infra import audit_chain, replay
from infra.cli.common import (
    CommandError,
    opened,
)
from infra.progress import Bar, Phases
from infra.settings import Settings

log = logging.getLogger("guichet")


def run_replay_verify(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        phases = Phases("replay", every=settings.progress_every)
        started = time.monotonic()
        verdicts = replay.verify(container, args.names, phases)
        elapsed = time.monotonic() - started
        phases.close()
        head = container.head()
    different = False
    for verdict in verdicts:
        if verdict.note:
            print(f"{verdict.view}: {verdict.note}")
        elif verdict.identical:
            print(f"{verdict.view}: identical ({verdict.rows:,} rows at position "
                  f"{verdict.position:,})")  # fmt: skip
        else:
            different = True
            print(f"{verdict.view}: DIFFERENT at position {verdict.position:,}")
            for table in verdict.differences:
                print(f"  {table.table}: {table.only_live:,} rows only in the live view, "
                      f"{table.only_replayed:,} only in the replay")  # fmt: skip
                for sample in table.samples:
                    print(f"    {sample}")
    print(f"replayed {head:,} log positions in {elapsed:.1f}s "
          f"({head / elapsed if elapsed else 0:,.0f} positions/s)")  # fmt: skip
    return 1 if different else 0


def run_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        bar = Bar("audit verify", "events", every=settings.progress_every)
        verdict = audit_chain.verify(
            container.database, lambda count, position, head: bar.update(position, head)
        )
        bar.close()
    if not verdict.intact:
        print(f"guichet: the log's chain is broken at position {verdict.broken_at}: "
              f"{verdict.reason}. The {verdict.events:,} events before it are intact.",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"{verdict.events:,} events, chain intact; head {verdict.head.hex()}")
    return 0


def run_audit_export(settings: Settings, args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CommandError(f"--to {args.end} is before --from {args.start}")
    with opened(settings, maintenance=True) as container:
        if args.output is None:
            written, head = audit_chain.export(container.database, args.start, args.end,
                                               sys.stdout)  # fmt: skip
        else:
            with args.output.open("w", encoding="utf-8") as out:
                written, head = audit_chain.export(container.database, args.start, args.end, out)
    print(f"{written:,} events written; the log's chain head is {head.hex()}", file=sys.stderr)
    return 0


def run_add_persisted(settings: Settings, args: argparse.Namespace) -> int:
    from graphql import GraphQLError, parse, validate

    from api.schema import build_schema

    schema = build_schema(settings)._schema
    documents = []
    for path in args.files:
        try:
            document = path.read_text(encoding="utf-8")
            errors = validate(schema, parse(document))
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        except GraphQLError as error:
            errors = [error]
        if errors:
            raise CommandError(f"{path}: {errors[0].message} (nothing registered)")
        documents.append((path, document))
    with opened(settings) as container:
        for path, document in documents:
            sha256 = container.persisted.add(document, args.actor, container.clock.now())
            print(f"{sha256}  {path}")
    return 0


def run_list_persisted(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as container:
        for registered in container.persisted.all():
            first = registered.document.strip().splitlines()[0] if registered.document else ""
            when = registered.added_at.isoformat(timespec="seconds")
            print(f"{registered.sha256}  {when}  {registered.added_by}  {first[:60]}")
    return 0
