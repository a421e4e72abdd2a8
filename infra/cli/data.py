"""Commands that bring data in and out: demo contacts, the territory reference, the coverage
history, HSDS import and export, and statistics as CSV."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from domain.errors import InvalidInput
from infra.bootstrap import Container
from infra.cli.common import (
    CommandError,
    opened,
)
from infra.cli.serving import load_demo_directory, refusal
from infra.coverage_history import load_history
from infra.demo_calls import Plan, load_calls
from infra.hsds.export import Snapshot, check_export_folder, read_snapshot, write_documents
from infra.hsds.export_csv import write_package
from infra.hsds.folder import FolderInUse
from infra.hsds.importer import ImportContext, import_package
from infra.hsds.public import public_snapshot
from infra.hsds.source import PackageError
from infra.progress import Bar, Phases
from infra.settings import Settings
from infra.statistics import PublicRules, StatisticsRequest, UnknownTerritory, published
from infra.territories import load_reference, reference_territories
from projections.directory_statistics import to_csv_lines as directory_csv
from projections.statistics_report import to_csv

log = logging.getLogger("guichet")


def run_demo_calls(settings: Settings, args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CommandError(f"--to {args.end} is before --from {args.start}")
    with opened(settings, maintenance=True) as container:
        load_demo_directory(container)
        plan = Plan(args.count, args.start, args.end, args.seed)
        bar = Bar("demo calls", "contacts", args.count, every=settings.progress_every)
        saved, position = load_calls(container.contact_handler, plan, on_chunk=bar.update)
        bar.close()
        print(f"{saved} demo contacts logged, {args.count - saved} already there "
              f"(position {position})")  # fmt: skip
    return 0


def run_export_stats(settings: Settings, args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CommandError(f"--to {args.end} is before --from {args.start}")
    with opened(settings, maintenance=True) as container:
        up_to_date(container, ("interactions", "territories", "search", "taxonomy"), settings)
        request = StatisticsRequest(
            args.start, args.end, args.territory, args.channel, args.top, args.language
        )
        try:
            figures, _ = published(
                container.statistics, container.search_view.organization_names, request,
                exact=args.exact, rules=PublicRules.of(settings),
                category_names=container.taxonomy.names,
            )  # fmt: skip
        except UnknownTerritory:
            raise CommandError(f"--territory {args.territory!r} is not a known territory") from None
        except InvalidInput as refused:
            raise CommandError(f"{refused} (--exact gives exact figures)") from None
        text = to_csv(figures, args.language)
        if args.directory:
            text += directory_lines(container, args, settings)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"{len(text.splitlines()) - 1} figures written to {args.output}", file=sys.stderr)
    return 0


def directory_lines(container: Container, args: argparse.Namespace, settings: Settings) -> str:
    up_to_date(container, ("history", "territories"), settings)
    found = container.directory_statistics.figures(args.start, args.end, args.territory)
    return directory_csv(found, args.language)


def up_to_date(container: Container, names: tuple[str, ...], settings: Settings) -> None:
    """Brings the views an export reads up to date: long after many contacts were logged
    while no process ran them."""
    phases = Phases("catch up", every=settings.progress_every)
    for name in names:
        container.runners[name].bring_up_to_date(on_page=phases)
    phases.close()


def run_load_territories(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        defined, position = load_reference(container.operations, container.clock)
        total = len(reference_territories())
        print(
            f"{defined} territories defined, {total - defined} already known (position {position})"
        )
    return 0


def run_import_hsds(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True, announce=True) as container:
        context = ImportContext(
            container.directory_handler, args.actor, container.clock.now(), args.language
        )
        phases = Phases("import", "records", every=settings.progress_every)
        try:
            report = import_package(context, args.path, phases)
        except PackageError as error:
            raise CommandError(str(error)) from None
        for summary in phases.close():
            if settings.progress_every is not None:
                print(summary, file=sys.stderr)
        print(report.render())
        if args.report is not None:
            args.report.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    failure = report.failure()
    if failure is not None:
        # Distinct from 2 (nothing could be read): the package was read, and nothing kept.
        print(f"guichet: {args.path}: {failure}", file=sys.stderr)
        return 1
    return 0


def run_export_hsds(settings: Settings, args: argparse.Namespace) -> int:
    try:
        check_export_folder(args.path)  # before reading the directory
        with opened(settings, maintenance=True) as container:
            up_to_date(container, ("history", "territories", "taxonomy"), settings)
            snapshot = read_snapshot(
                container.history, container.territories, args.language, container.taxonomy
            )
            organizations, services = write_documents(args.path, _shared(snapshot, args))
    except FolderInUse as refused:
        raise CommandError(str(refused)) from None
    print(f"{organizations} organizations and {services} services written to {args.path}")
    return 0


def run_export_csv(settings: Settings, args: argparse.Namespace) -> int:
    try:
        with opened(settings, maintenance=True) as container:
            up_to_date(container, ("history", "territories", "taxonomy"), settings)
            print("reading the directory's records and their history", file=sys.stderr)
            snapshot = read_snapshot(
                container.history, container.territories, args.language, container.taxonomy
            )
            print(f"{len(snapshot.records)} records read; writing the tables", file=sys.stderr)
            bar = Bar("export csv", "rows", every=settings.progress_every)
            rows = write_package(
                args.path, _shared(snapshot, args), lambda _, done, total: bar.update(done, total)
            )
            bar.close()
    except FolderInUse as refused:
        raise CommandError(str(refused)) from None
    print(f"HSDS 3.0 tabular package of {rows:,} rows written to {args.path}")
    return 0


def _shared(snapshot: Snapshot, args: argparse.Namespace) -> Snapshot:
    """For partners, what the public sees; with `--all`, the directory team's whole copy."""
    return snapshot if args.all else public_snapshot(snapshot)


def run_load_coverage_history(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        load_reference(container.operations, container.clock)
        history = load_history(container.operations, container.clock)
        recorded = (
            f"{history.agreements} coverage agreements and {history.moves} territory moves recorded"
        )
        if history.refused:
            print(recorded)
            raise refusal(history)
        if history.agreements or history.moves:
            print(recorded)
        else:
            print(f"{recorded}: the coverage history is already there")
    return 0
