"""What every `guichet` command shares: the container it opens, the first admin token, and the
parsers of its arguments."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import TextIO

from domain.errors import InvalidInput
from domain.limits import PERSON_MAX
from domain.text import parse_text
from infra.bootstrap import Container, connect
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference, reference_loaded
from infra.tokens import Role, add_token

log = logging.getLogger("guichet")

ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 (a file name)


class CommandError(Exception):
    pass


@contextmanager
def opened(
    settings: Settings, *, maintenance: bool = False, references: bool = False
) -> Iterator[Container]:
    """The container of a command; `maintenance` for the long ones (rebuilds, replays,
    imports, exports), whose sessions are not bounded by the request timeouts; `references`
    for the server, which defines the shipped taxonomy terms not yet in the log (the commands
    that read, verify or export write nothing of their own)."""
    with ExitStack() as stack:
        if settings.embedded:
            url = stack.enter_context(EmbeddedPostgres(settings.data_dir))
            first_admin_token(settings)
        else:
            assert settings.database_url is not None
            url = settings.database_url
        container = connect(settings, url, maintenance=maintenance)
        stack.callback(container.close)
        if settings.embedded and not reference_loaded(container.operations):
            defined, _ = load_reference(container.operations, container.clock)
            log.info("first start: defined %d reference territories", defined)
        if references:
            terms = load_taxonomy(container.taxonomy_handler, container.clock.now())
            if terms.new:
                log.info("defined %d reference taxonomy terms", terms.new)
        yield container


def first_admin_token(settings: Settings, out: TextIO | None = None) -> None:
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


def actor_name(text: str) -> str:
    """Who the facts a command writes are recorded as: the rule every fact's actor follows."""
    try:
        name = parse_text("--actor", text, max_length=PERSON_MAX, required=True)
    except InvalidInput as error:
        raise argparse.ArgumentTypeError(error.message.removeprefix("--actor: ")) from None
    return name


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2018-04-01") from None


def positive_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port number from 1 to 65535")
    return int(text)


def worker_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of API processes from 1 to 64")
    return int(text)
