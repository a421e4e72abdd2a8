"""`guichet tokens add|list|revoke|rotate`, and the first way in of a server.

A new token is made here (`secrets.token_urlsafe`, 256 bits) and only its digest enters the
log. It is shown once: on standard output when that is a terminal (or when `--output -` asks
for it in a pipe), or in a new file only its owner may read (`--output FILE`, mode 0600).
Output captured by something else (a CI log, a process manager) never gets it by accident.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import logging
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from domain.errors import DomainError, InvalidInput
from domain.handlers.tokens import IssueToken, RevokeToken, RotateToken
from domain.tokens import Role, parse_expiry, parse_name, parse_role
from infra.bootstrap import Container
from infra.cli.common import CommandError, actor_name, opened, positive_count
from infra.settings import Settings
from infra.tokens import STRONG_ENOUGH, digest

log = logging.getLogger("guichet")

ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 (a file name)
FIRST_START = "guichet:first-start"
_ROLES = ", ".join(role.value for role in Role)


def add_token_commands(commands: Any) -> None:
    tokens = commands.add_parser("tokens", help="manage bearer tokens (facts in the log)")
    actions = tokens.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="issue a token and show it once")
    add.add_argument("name", metavar="NAME", help="who the token signs in as (one word)")
    add.add_argument("--role", required=True, help=f"one of {_ROLES}")
    _expiry(add, "(default: never)")
    _shown(add)
    add.set_defaults(run=run_add)
    listed = actions.add_parser("list", help="each name's token: role, by whom, when, state")
    listed.set_defaults(run=run_list)
    revoke = actions.add_parser("revoke", help="revoke a name's token; servers refuse it in 2 s")
    revoke.add_argument("name", metavar="NAME")
    revoke.add_argument("--reason", help="why, for the audit log")
    revoke.add_argument("--by", type=actor_name, help="who revokes it (default: cli:USER)")
    revoke.set_defaults(run=run_revoke)
    rotate = actions.add_parser(
        "rotate", help="revoke a name's token and issue a new one with its role, in one step"
    )
    rotate.add_argument("name", metavar="NAME")
    _expiry(rotate, "(default: as long a lifetime as the old token's)")
    _shown(rotate)
    rotate.set_defaults(run=run_rotate)


def _expiry(parser: argparse.ArgumentParser, default: str) -> None:
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--expires", metavar="DATE",
        help="last day it works, YYYY-MM-DD (it stops at the end of that day, UTC), or an "
        "instant with its offset like 2027-01-31T17:00:00-05:00 " + default,
    )  # fmt: skip
    when.add_argument("--days", type=positive_count, help="it stops working N days from now")


def _shown(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", metavar="FILE",
        help="write the token to this new file, readable only by you (0600); '-' prints it "
        "even when standard output is not a terminal",
    )  # fmt: skip
    parser.add_argument("--by", type=actor_name, help="who issues it (default: cli:USER)")


def run_add(settings: Settings, args: argparse.Namespace) -> int:
    at = datetime.now(UTC)
    with refused():
        name = parse_name(args.name)
        role = parse_role(args.role)
        expires_at = parse_expiry(expires(args, at), at)
    token = secrets.token_urlsafe(32)
    with shown(args.output) as show, opened(settings, announce=True) as container:
        if name in container.tokens.static_names():
            raise CommandError(
                f"name: {name} is the name of a static token (GUICHET_TOKENS or a tokens file); "
                "choose another, so that who did what stays clear"
            )
        with refused():
            container.token_handler.issue(
                IssueToken(name, role, digest(token), expires_at), actor=by(args), at=at
            )
        show(token, f"Token for {name} ({role.value})")
    return 0


def run_rotate(settings: Settings, args: argparse.Namespace) -> int:
    at = datetime.now(UTC)
    with refused():
        name = parse_name(args.name)
        expires_at = parse_expiry(expires(args, at), at)
    token = secrets.token_urlsafe(32)
    with shown(args.output) as show, opened(settings, announce=True) as container:
        with refused():
            container.token_handler.rotate(
                RotateToken(name, digest(token), expires_at), actor=by(args), at=at
            )
        show(token, f"New token for {name} (the old one is revoked)")
    return 0


def run_revoke(settings: Settings, args: argparse.Namespace) -> int:
    at = datetime.now(UTC)
    with refused():
        name = parse_name(args.name)
    with opened(settings, announce=True) as container:
        try:
            with refused():
                container.token_handler.revoke(
                    RevokeToken(name, args.reason), actor=by(args), at=at
                )
        except CommandError:
            if name in container.tokens.static_names():
                raise CommandError(
                    f"name: {name} is a static token (GUICHET_TOKENS or a tokens file), which "
                    "no command revokes: remove it there and restart"
                ) from None
            raise
    print(f"{name}'s token is revoked; running servers refuse it within about a second.")
    return 0


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, announce=True) as container:
        container.token_log.refresh()
        tokens = container.token_log.tokens()
        static = len(container.tokens)
    at = datetime.now(UTC)
    rows = [("name", "role", "digest", "issued by", "issued at", "expires", "state")]
    for token in tokens:
        expiry = token.expires_at.isoformat(timespec="seconds") if token.expires_at else "never"
        rows.append((
            token.name, token.role.value, token.digest[:15], token.issued_by,
            token.issued_at.isoformat(timespec="seconds"), expiry, token.state(at),
        ))  # fmt: skip
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) +
              "  " + row[-1])  # fmt: skip
    if static:
        print(f"and {static} static token(s) of GUICHET_TOKENS and the tokens files (read-only)")
    return 0


def expires(args: argparse.Namespace, at: datetime) -> datetime | None:
    if args.days is not None:
        return at + timedelta(days=args.days)
    if args.expires is None:
        return None
    try:
        day = date.fromisoformat(args.expires)
    except ValueError:
        pass
    else:
        try:
            end = datetime.combine(day + timedelta(days=1), time(), UTC)
        except OverflowError:
            raise InvalidInput("expires", f"{day.isoformat()} is too far ahead") from None
        if end <= at:  # said with the day given, not the instant the token would stop
            raise InvalidInput(
                "expires", f"{day.isoformat()} is past: give today or a later day (UTC)"
            )
        return end
    try:
        return datetime.fromisoformat(args.expires)
    except ValueError:
        raise InvalidInput(
            "expires", f"{args.expires!r} is not a date like 2027-01-31 or an instant"
        ) from None


def by(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # a container's user may have no name
        user = f"uid-{os.getuid()}"
    return actor_name(f"cli:{user}")


@contextmanager
def refused() -> Iterator[None]:
    """A rule's refusal is one line naming the field, and exit code 2."""
    try:
        yield
    except DomainError as error:
        raise CommandError(error.message) from None


@contextmanager
def shown(output: str | None) -> Iterator[Any]:
    """Where the new token goes, settled before anything is written: a file that exists, or
    a standard output that is no terminal without `--output -`, refuses the command."""
    if output is None and not sys.stdout.isatty():
        raise CommandError(
            "standard output is not a terminal, and a token shown there may be kept by "
            "whatever captures it: give --output FILE, or --output - to print it anyway"
        )
    if output is None or output == "-":

        def show(token: str, title: str) -> None:
            # Into a pipe (`--output -`) the token alone, so what reads it gets the secret.
            print(f"{title}, shown only now:", file=sys.stdout if output is None else sys.stderr)
            print(token, flush=True)

        yield show
        return
    path = Path(output)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise CommandError(f"--output {path}: {error.strerror}") from None
    done = False
    try:
        with os.fdopen(descriptor, "w") as file:

            def write(token: str, title: str) -> None:
                nonlocal done
                file.write(token + "\n")
                done = True
                print(f"{title}: written to {path}, which only you may read.")

            yield write
    finally:
        if not done:
            path.unlink(missing_ok=True)


def first_way_in(container: Container, out: TextIO | None = None) -> None:
    """On a log that never held a token, `serve` issues an admin token into the file it is
    told (GUICHET_BOOTSTRAP_ADMIN; on the embedded default, the data directory's admin-token)
    and says where; otherwise it warns when no token at all can sign in."""
    out = out or sys.stdout
    settings = container.settings
    container.token_log.refresh()
    target, setting = settings.bootstrap_admin, "GUICHET_BOOTSTRAP_ADMIN"
    legacy = settings.data_dir / "tokens"
    if target is None and settings.embedded and not legacy.exists():
        target, setting = settings.data_dir / ADMIN_TOKEN_FILE, "GUICHET_DATA_DIR"
    if target is not None and not container.token_log.ever_issued():
        written = bootstrap_admin(container, target, setting)
        if written:
            print(
                f"\nFirst start: an admin token was created and written to {target}, which only "
                "its owner may read. Keep it somewhere safe and delete that file.\n"
                "(Manage tokens with `guichet tokens add|list|revoke|rotate`.)\n",
                file=out, flush=True,
            )  # fmt: skip
            return
        container.token_log.refresh()  # another process's, issued since the first read
    if container.tokens.weak:
        log.warning(
            "GUICHET_TOKENS holds a token shorter than %d characters (%s): it can be guessed; "
            "use `openssl rand -hex 24` or `guichet tokens add`",
            STRONG_ENOUGH, ", ".join(container.tokens.weak),
        )  # fmt: skip
    shared = container.tokens.static_names() & {
        token.name for token in container.token_log.tokens() if token.live(container.clock.now())
    }
    if shared:
        log.warning(
            "a static token and a token of the log share the name %s: facts written with either "
            "carry that name; revoke the log's or rename the static one",
            ", ".join(sorted(shared)),
        )
    if not len(container.tokens) and not container.token_log.live_count():
        log.warning(
            "no token can sign in: nobody can write. Make one with `guichet tokens add admin "
            "--role admin --output FILE` against this database (the same GUICHET_DATABASE_URL "
            "and GUICHET_DATABASE_SCHEMA), or set GUICHET_BOOTSTRAP_ADMIN=FILE and restart"
        )


def bootstrap_admin(
    container: Container, target: Path, setting: str = "GUICHET_BOOTSTRAP_ADMIN"
) -> bool:
    """Issues `admin` and moves its token into `target` once the log took it: of processes
    starting together, only the one whose fact was saved writes the file. A file that cannot
    be written is found before the token is issued, and is a command error naming `setting`."""
    token = secrets.token_urlsafe(32)
    try:
        temporary = _written_beside(target, token)
    except FileExistsError as error:
        container.token_log.refresh()
        if container.token_log.ever_issued():  # a process started with this one wrote it
            log.info("another process issued the first admin token")
            return False
        raise CommandError(_unwritable(target, error, setting)) from None
    except OSError as error:
        raise CommandError(_unwritable(target, error, setting)) from None
    try:
        at = container.clock.now()
        try:
            container.token_handler.issue(
                IssueToken("admin", Role.ADMIN, digest(token)), actor=FIRST_START, at=at
            )
        except DomainError:
            log.info("another process issued the first admin token")
            return False
        try:
            _put_in_place(temporary, target)
        except OSError as error:  # made unusable since it was checked: nobody holds the token
            container.token_handler.revoke(
                RevokeToken("admin", "its file could not be written"), actor=FIRST_START, at=at
            )
            raise CommandError(
                _unwritable(target, error, setting) + "; the token issued is revoked: make one "
                "with `guichet tokens add admin --role admin --output FILE`"
            ) from None
        return True
    finally:
        temporary.unlink(missing_ok=True)


def _put_in_place(temporary: Path, target: Path) -> None:
    """A link gives the token its name only if nothing holds that name: a file put there in
    the meantime (by another user of a shared folder, say) is never overwritten."""
    try:
        os.link(temporary, target)
    except OSError as error:
        if error.errno == errno.EEXIST or target.exists() or target.is_symlink():
            raise
        os.replace(temporary, target)  # a file system without links; the name was free


def _written_beside(target: Path, token: str) -> Path:
    """The token in a new file of `target`'s folder (0600, as mkstemp makes it), from which
    a rename puts it in place; a folder that is a file, or a target that is a folder, fails
    here."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where a folder of the path should be
        raise NotADirectoryError(
            errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(target.parent)
        ) from None
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if target.exists() or target.is_symlink():  # never overwritten: it may be someone's
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=".admin-token-")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(token + "\n")
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _unwritable(target: Path, error: OSError, setting: str) -> str:
    return f"cannot use {target} for the first admin token: {error.strerror} ({setting})"
