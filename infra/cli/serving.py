"""`guichet serve`, `project` and `projections`: the processes that answer and keep views current,
and the demo directory they may load first."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta
from types import FrameType

import uvicorn

from infra.bootstrap import PROJECTIONS, Container
from infra.budget import Pools, api_pools, warn_if_near, worker_pools
from infra.cli.common import (
    CommandError,
    opened,
)
from infra.cli.tokens import first_way_in
from infra.coverage_history import Loaded, load_history
from infra.demo import load_demo
from infra.demo_calls import load_recent_calls
from infra.metrics import counted_together
from infra.progress import Phases
from infra.settings import Settings
from infra.stopping import hangup_as_terminate, on_stop_signals, unwind
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference
from infra.worker import server_options, supervise
from projections.interactions import MONTREAL

log = logging.getLogger("guichet")
# Ports below it are bound by privileged processes only (net.ipv4.ip_unprivileged_port_start).
PRIVILEGED_BELOW = 1024


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    from api.app import create_app

    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    workers = settings.workers if args.workers is None else args.workers
    # A stop during start-up leaves through `opened`, which stops what it started.
    on_stop_signals(unwind)
    check_port_free(host, port)
    run_projections = settings.run_projections and not args.no_projections
    pools = api_pools(settings, len(PROJECTIONS) if run_projections else 0)
    # With several workers this process only prepares the database and watches them: its own
    # pools stay small, and the warning counts what the workers will open.
    own = pools if workers == 1 else Pools(1, 2, 0)
    with opened(settings, references=True, role="api", pools=own) as container:
        if workers > 1:
            warn_if_near(container.database, workers * pools.budget)
        first_way_in(container)
        if args.demo:
            load_demo_directory(container)
            load_demo_contacts(container)
        log.info("the app at http://%s:%d/app/, GraphQL at /graphql, health at /health", host, port)
        level = settings.log_level.lower()
        if workers == 1:
            app = create_app(container, run_projections=run_projections)
            config = uvicorn.Config(
                app, host=host, port=port, log_level=level, **server_options(settings)
            )
            server = uvicorn.Server(config)
            # uvicorn handles SIGINT and SIGTERM while it runs, and afterwards raises again
            # the signal that stopped it: these handlers shut it down gracefully at any
            # moment, SIGHUP (which uvicorn ignores) too, and end here.
            on_stop_signals(server.handle_exit)
            server.run()
            if not server.started:
                raise CommandError(f"the server could not listen on {host}:{port} (see above)")
            return 0
        # The workers' supervisor stops them on SIGTERM and knows nothing of SIGHUP.
        signal.signal(signal.SIGHUP, hangup_as_terminate)
        # Each worker builds its own container from the environment (infra.worker), on the
        # database this process started; every worker runs the projections, and each view's
        # lock lets one of them apply it while the others stand by.
        os.environ["GUICHET_DATABASE_URL"] = container.database.url
        os.environ["GUICHET_RUN_PROJECTIONS"] = "true" if run_projections else "false"
        with counted_together():  # /metrics of any worker adds up all of them
            supervise(workers, host, port, level)
    return 0


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn chooses
    try:
        addresses = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise CommandError(
            f"cannot listen on {host}: {error.strerror}; set --host (or GUICHET_HOST) to an "
            "address or name of this machine"
        ) from None
    address = addresses[0][4]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server binds: connections of a server just stopped linger in TIME_WAIT for a
        # minute and must not refuse a restart, while a server listening still refuses it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise CommandError(bind_refusal(host, port, error)) from None


def bind_refusal(host: str, port: int, error: OSError) -> str:
    """The line for a port that cannot be bound, naming the setting to change."""
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {host}:{port}: the port is in use (another `guichet serve` may "
            "be running); set --port (or GUICHET_PORT) to another port"
        )
    if error.errno == errno.EACCES and port < PRIVILEGED_BELOW:
        return (
            f"cannot listen on {host}:{port}: ports below {PRIVILEGED_BELOW} need privileges "
            f"(root or CAP_NET_BIND_SERVICE); set --port (or GUICHET_PORT) to {PRIVILEGED_BELOW} "
            "or above, behind a proxy that listens on the low port"
        )
    return (
        f"cannot listen on {host}:{port}: {error.strerror}; set --host (or GUICHET_HOST) to an "
        "address of this machine"
    )


def run_project(settings: Settings, args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("stopping on signal %d", signum)
        stop.set()

    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    pools = worker_pools(settings, len(args.names))
    role = "project-" + "-".join(args.names)
    with opened(settings, role=role, pools=pools) as container:
        container.start_projections(args.names)
        log.info("running projections: %s", ", ".join(args.names))
        stop.wait()
    return 0


def run_status(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings) as container:
        print(f"{'projection':<16} {'position':>12} {'head':>12} {'lag':>10}  error")
        for status in container.status():
            print(
                f"{status.name:<16} {status.position:>12,} {status.head:>12,} "
                f"{status.lag:>10,}  {status.error or ''}"
            )
    return 0


def run_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True) as container:
        for runner in container.select(args.names):
            phases = Phases(f"rebuild {runner.view.name}", every=settings.progress_every)
            started = time.monotonic()
            applied = runner.rebuild(phases)
            phases.close()
            read, elapsed = phases.position, time.monotonic() - started
            rate = read / elapsed if elapsed else 0
            print(f"rebuild {runner.view.name}: {read:,} events in {elapsed:.1f}s "
                  f"({rate:,.0f} events/s), {applied:,} applied")  # fmt: skip
    return 0


# The demo directory is registered as of 350 days ago: its records' yearly checks fall due
# within the month, so the editors' queue has work to show (and it turns overdue after).
DEMO_AGE = timedelta(days=350)


def load_demo_directory(container: Container) -> int:
    """Loads the territories, the coverage history and the demo directory; a part of the history
    the rules refused is a command error, once all the rest is loaded."""
    load_reference(container.operations, container.clock)
    load_taxonomy(container.taxonomy_handler, container.clock.now())
    history = load_history(container.operations, container.clock)
    loaded = load_demo(container.directory_handler, container.clock.now() - DEMO_AGE)
    log.info("demo directory: %d records loaded", loaded)
    if history.refused:
        raise refusal(history)
    return loaded


def load_demo_contacts(container: Container) -> int:
    """Synthetic contacts of the last twelve months, logged on the first start only, so that
    the needs portrait shows figures at once."""
    started = time.monotonic()
    today = container.clock.now().astimezone(MONTREAL).date()
    logged = load_recent_calls(container.contact_handler, today)
    if logged:
        log.info("demo contacts: %d logged in %.1fs", logged, time.monotonic() - started)
    return logged


def refusal(history: Loaded) -> CommandError:
    return CommandError(
        "the coverage history was refused in part (the rest is recorded): "
        + "\n  ".join(history.refused)
    )


def run_load_demo(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, maintenance=True, announce=True) as container:
        loaded = load_demo_directory(container)
        if loaded:
            print(f"{loaded} demo records loaded (organizations, locations, services and links)")
        else:
            print("0 demo records loaded: the demo directory is already there")
    return 0
