"""Errors a command meets because of where it runs, each said in one line that names what to
fix, instead of a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import psycopg_pool

from infra.database import Database, driver_error
from infra.settings import Settings
from infra.stopping import Stopped

log = logging.getLogger("guichet")


def explained(run: Callable[[], int], settings: Settings) -> int:
    """Runs a command; a database that cannot be reached ends it with exit code 1, a file of
    the settings it cannot use with 2, each in one line; a stop while it starts with 128 and
    the signal's number, as a shell says."""
    try:
        return run()
    except Stopped as stopped:
        log.info("stopped on signal %d while starting", stopped.signum)
        return 128 + stopped.signum
    except OSError as error:
        line = unusable_file(error, settings)
        if line is None:
            raise
        return failed(line, 2)
    except Exception as error:
        line = unreachable_database(error, settings)
        if line is None:
            raise
        return failed(line, 1)


def failed(line: str, code: int) -> int:
    print(f"guichet: {line}", file=sys.stderr)
    return code


def unreachable_database(error: BaseException, settings: Settings) -> str | None:
    """The line for a database that cannot be reached (closed port, unknown host, refused
    password, missing database, no answer in time), or None for any other error: an error a
    server raises for a statement (a timeout, a lock) is no connection failure."""
    cause = driver_error(error)
    connecting = isinstance(cause, psycopg.errors.ConnectionTimeout | psycopg_pool.PoolTimeout)
    if not connecting and type(cause) is not psycopg.OperationalError:
        return None
    reason = one_line(str(cause).removeprefix("connection failed: "))
    if settings.database_url is None:
        where = f"the embedded database in {settings.data_dir / 'postgres'} (GUICHET_DATA_DIR)"
    else:
        # Built from the parts, never the URL as given: it may hold the password.
        url = Database.from_url(settings.database_url, settings.database_schema)
        where = f"the database at {url.host}:{url.port}/{url.dbname} (GUICHET_DATABASE_URL)"
    return f"cannot connect to {where}: {reason}"


def unusable_file(error: OSError, settings: Settings) -> str | None:
    """The line for a file or directory of the settings that cannot be read or written, or
    None for an error on another path."""
    if error.filename is None:
        return None
    path = Path(str(error.filename))
    if path == settings.tokens_file:
        setting = "GUICHET_TOKENS_FILE"
    elif path.is_relative_to(settings.data_dir):
        setting = "GUICHET_DATA_DIR"
    else:
        return None
    return f"cannot use {path}: {error.strerror} ({setting})"


def one_line(text: str) -> str:
    """The driver's reason on one line: libpq adds hints and one line per address tried."""
    lines = [line.strip(" \t-") for line in text.splitlines()]
    return "; ".join(line for line in lines if line)
