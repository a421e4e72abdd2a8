"""Several API processes on one port (`guichet serve --workers N`).

The parent process started the database and put its URL in the environment; each worker
reads its settings from there like any process, builds its own container and closes it when
it stops. Each worker listens on a socket of its own with SO_REUSEPORT, so the kernel spreads
connections over the workers: on one shared socket, the first worker to wake accepts every
waiting connection, and a few keep-alive clients all end up on one process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from api.app import create_app
from infra.access_log import log_config
from infra.bootstrap import SHUTDOWN_GRACE, connect, tune_garbage_collector
from infra.settings import Settings
from infra.stopping import on_stop_signals

log = logging.getLogger("guichet")

RESTART_DELAY = 1.0


def app() -> Starlette:
    settings = Settings.from_environ(os.environ)
    if settings.database_url is None:
        raise RuntimeError("an API worker is started by `guichet serve --workers N`")
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    tune_garbage_collector()
    return create_app(connect(settings, settings.database_url), owns_container=True)


def server_options(settings: Settings) -> dict[str, Any]:
    """What uvicorn is told besides where to listen: never to read X-Forwarded-For itself
    (it trusts 127.0.0.1 by default, so anyone on the host could name any address; the app
    reads it from the proxies in GUICHET_TRUSTED_PROXIES only), and the largest WebSocket
    message, the same as the largest request body; and how long requests in flight may finish
    when it stops; and the access log without query strings (`infra.access_log`)."""
    return {
        "proxy_headers": False,
        "ws_max_size": settings.max_body_bytes,
        "timeout_graceful_shutdown": SHUTDOWN_GRACE,
        "log_config": log_config(),
    }


def serve(host: str, port: int, log_level: str) -> None:
    """One worker: uvicorn on its own listening socket."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    options = server_options(Settings.from_environ(os.environ))
    config = uvicorn.Config("infra.worker:app", factory=True, log_level=log_level, **options)
    server = uvicorn.Server(config)
    # A closed terminal sends SIGHUP to every worker too, not only to the supervisor.
    on_stop_signals(server.handle_exit)
    server.run(sockets=[listener])


def supervise(workers: int, host: str, port: int, log_level: str) -> None:
    """Runs the workers until SIGINT or SIGTERM, starting again any that stops on its own."""
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("stopping %d API workers on signal %d", workers, signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(number: int) -> multiprocessing.process.BaseProcess:
        process = context.Process(
            target=serve, args=(host, port, log_level), name=f"guichet-api-{number}"
        )
        process.start()
        return process

    running = [start(number) for number in range(workers)]
    try:
        while not stopping.wait(RESTART_DELAY):
            for number, process in enumerate(running):
                if not process.is_alive():
                    log.error("API worker %d stopped (exit %s); starting it again",
                              number, process.exitcode)  # fmt: skip
                    running[number] = start(number)
    finally:
        for process in running:
            if process.is_alive():
                process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        for process in running:
            process.join(30)
