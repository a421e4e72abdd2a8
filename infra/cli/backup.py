"""`guichet backup FILE`, `guichet backup --verify FILE` and `guichet restore FILE`."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

from infra.backup import chain, load
from infra.backup.archive import Archive, BackupError, Manifest
from infra.backup.dump import COMPRESSIONS, take
from infra.backup.room import Room
from infra.bootstrap import connect
from infra.budget import application_name
from infra.cli.common import CommandError, which_database
from infra.cli.explain import failed
from infra.database import Database
from infra.embedded import EmbeddedPostgres
from infra.progress import Bar, Phases
from infra.settings import Settings

KB = 1000


def add_backup_commands(commands: Any) -> None:
    backup = commands.add_parser(
        "backup", help="save the log, tokens and registered documents to a file, while the "
        "service runs (views are rebuilt by a restore)",
    )  # fmt: skip
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.add_argument(
        "--verify", action="store_true",
        help="check FILE instead of writing one, without a database: its manifest, its "
        "digest, the dump's structure, and the hash chain of every event recomputed up to the "
        "head it records (a backup copies the log as stored; this is what checks it)",
    )  # fmt: skip
    backup.add_argument(
        "--compress", choices=COMPRESSIONS, default="gzip:1",
        help="compression of the dump: gzip at level 1 (fastest, the default), 6 or 9 "
        "(smallest), or none (about six times larger)",
    )  # fmt: skip
    backup.set_defaults(run=run_backup)
    restore = commands.add_parser(
        "restore", help="restore a backup into an empty database, check its chain against the "
        "head it records, and rebuild every view",
    )  # fmt: skip
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--force", action="store_true",
        help="when the database already holds a log: rename its schema (GUICHET_DATABASE_SCHEMA)"
        " to <schema>_before_<UTC time>, kept until you drop it, and restore into a new one",
    )  # fmt: skip
    restore.set_defaults(run=run_restore)


@contextmanager
def database_at(settings: Settings, role: str, *, existing: bool) -> Iterator[Database]:
    """The database of the settings; the embedded one is started (joined when running), and
    with `existing` must already be there."""
    if settings.embedded:
        cluster = settings.data_dir / "postgres" / "PG_VERSION"
        if existing and not cluster.exists():
            raise CommandError(
                f"no embedded database in {settings.data_dir} (GUICHET_DATA_DIR): nothing to "
                "back up"
            )
        with EmbeddedPostgres(settings.data_dir) as url:
            yield Database.from_url(url, settings.database_schema).named(application_name(role))
    else:
        assert settings.database_url is not None
        url = settings.database_url
        yield Database.from_url(url, settings.database_schema).named(application_name(role))


def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    if args.verify:
        return run_verify(settings, args)
    target = args.file.expanduser().absolute()
    started = time.monotonic()
    try:
        if target.is_dir():
            raise CommandError(f"{target} is a folder: name the backup file to write")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent}: no such folder")
        print(which_database(settings), file=sys.stderr, flush=True)
        with database_at(settings, "backup", existing=True) as database:
            bar = Bar("backup", "kB", every=settings.progress_every)
            manifest = take(database, target, args.compress, lambda n: bar.update(n // KB))
            bar.close()
        size = target.stat().st_size
    except BackupError as error:
        return failed(str(error), 1)
    except KeyboardInterrupt:
        return failed(f"interrupted: nothing written ({target} is as it was)", 130)
    except OSError as error:  # a name too long, a folder it may not write in, a full disk
        reason = error.strerror or str(error)
        return failed(f"cannot write {target}: {reason} (nothing written)", 1)
    took = time.monotonic() - started
    head = manifest.chain_head or "none (empty log)"
    print(f"backed up {counted(manifest.events, 'event')} (up to position "
          f"{manifest.last_position:,}) to {target}, {size:,} bytes, in {took:.1f}s; chain head "
          f"{head}, as stored: `guichet backup --verify {target}` recomputes the chain"
          )  # fmt: skip
    return 0


def checked(path: Path, settings: Settings, *, events: bool = False) -> Archive:
    """The archive, its manifest, digest and dump's structure checked, and with `events` the
    chain of the events it holds; the caller closes it."""
    archive = Archive(path)
    try:
        every = settings.progress_every
        bar = Bar("check", "kB", archive.manifest.dump_bytes // KB, every=every)
        archive.check_digest(lambda n: bar.update(n // KB))
        bar.close()
        load.listed_tables(archive)
        if events:
            links = Bar("check (chain)", "events", archive.manifest.events, every=every)
            chain.check(archive, links.update)
            links.close()
    except BaseException:
        archive.close()
        raise
    return archive


def run_verify(settings: Settings, args: argparse.Namespace) -> int:
    try:
        with checked(args.file.expanduser(), settings, events=True) as archive:
            manifest = archive.manifest
    except BackupError as error:
        return failed(str(error), 1)
    print(f"{args.file}: a whole Guichet backup; {describe(manifest)}")
    return 0


def describe(manifest: Manifest) -> str:
    others = ", ".join(f"{counted(rows, 'row')} of {table}"
                       for table, rows in manifest.tables.items()
                       if table != "guichet_events")  # fmt: skip
    head = manifest.chain_head or "none (empty log)"
    return (
        f"{counted(manifest.events, 'event')} up to position {manifest.last_position:,}, "
        f"chain head {head}{'; ' + others if others else ''}; taken {manifest.created_at} "
        f"from schema {manifest.schema} by Guichet {manifest.guichet} on PostgreSQL "
        f"{manifest.postgresql}"
    )


def counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def run_restore(settings: Settings, args: argparse.Namespace) -> int:
    started = time.monotonic()
    room = Room(args.force)
    made = _cluster_to_make(settings)
    # SIGTERM and SIGHUP end a restore as Ctrl-C does: psycopg cancels the statement running
    # on a KeyboardInterrupt (not on another exception), and a moved schema is put back.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        # The file is checked as `backup --verify` checks it before any database is touched.
        with checked(args.file.expanduser(), settings, events=True) as archive:
            print(which_database(settings), file=sys.stderr, flush=True)
            with (
                database_at(settings, "restore", existing=False) as database,
                room.entered(database),
            ):
                if room.aside is not None:
                    print(f"moved schema {database.schema} ({room.held}) aside as {room.aside}",
                          file=sys.stderr, flush=True)  # fmt: skip
                print(f"restoring {describe(archive.manifest)}", file=sys.stderr, flush=True)
                restored, views = _restore(settings, database, archive, room)
    except BackupError as error:
        return failed(_leaving(str(error), room, made), 1)
    except psycopg.Error as error:
        return failed(_leaving(f"the database refused the restore: {load.reason(error)}",
                               room, made), 1)  # fmt: skip
    except KeyboardInterrupt:
        said = "the log was restored" if room.committed else "nothing restored"
        return failed(_leaving(f"interrupted: {said}", room, made), 130)
    print(f"restored {restored.events:,} events and rebuilt {views} views in "
          f"{time.monotonic() - started:.1f}s; chain intact, head {restored.chain_head or 'none'}"
          " (the one the backup recorded)" + (f"; {room.where}" if room.where else ""))  # fmt: skip
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _cluster_to_make(settings: Settings) -> Path | None:
    """The folder a restore into the embedded database makes, to remove if nothing is restored."""
    if not settings.embedded:
        return None
    for folder in (settings.data_dir, settings.data_dir / "postgres"):
        if not folder.exists():
            return folder
    return None


def _leaving(line: str, room: Room, made: Path | None) -> str:
    """The last line of a failed restore: what went wrong, and where the data is."""
    if made is not None and made.exists() and not room.committed:
        shutil.rmtree(made, ignore_errors=True)
        line += f"; {made} removed (this restore made it)"
    return f"{line}; {room.where}" if room.where else line


def _restore(
    settings: Settings, database: Database, archive: Archive, room: Room
) -> tuple[load.Restored, int]:
    """Migrates the empty schema, copies the log in, then rebuilds every view from it."""
    container = connect(settings, database.url, maintenance=True, role="restore")
    try:
        every = settings.progress_every
        rows = Bar("restore", "rows", sum(archive.manifest.tables.values()), every=every)
        chain: list[Bar] = []
        copied = [time.monotonic()]

        def on_rows(count: int) -> None:
            rows.update(count)
            copied[0] = time.monotonic()

        def on_chain(count: int, position: int, head: int) -> None:
            if not chain:  # the copy is over once its chain is checked
                rows.close()
                # Started when the copy ended, not at this first report (10,000 events in),
                # or its rate is absurd.
                chain.append(Bar("restore (chain)", "events", head, every=every,
                                 started=copied[0]))  # fmt: skip
            chain[0].update(position, head)

        restored = load.restore(container.unbounded, archive, on_rows, on_chain)
        room.restored()
        for bar in chain or [rows]:  # the chain is checked in the database when out of order
            bar.close()
        try:
            for runner in container.select([]):
                phases = Phases(f"rebuild {runner.view.name}", every=every)
                runner.rebuild(phases)
                phases.close()
        except (Exception, KeyboardInterrupt) as error:
            raise BackupError(
                f"the log is restored ({restored.events:,} events, chain head "
                f"{restored.chain_head or 'none'}), but rebuilding the views stopped "
                f"({str(error) or type(error).__name__}): run `guichet projections rebuild`"
            ) from error
        return restored, len(container.runners)
    finally:
        container.close()
