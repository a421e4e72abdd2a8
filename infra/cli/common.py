"""What every `guichet` command shares: the container it opens, and the parsers of its
arguments."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date

from domain.errors import InvalidInput
from domain.limits import PERSON_MAX
from domain.text import parse_text
from infra.bootstrap import Container, connect
from infra.budget import Pools
from infra.database import Database
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings
from infra.taxonomy import load_taxonomy
from infra.territories import load_reference, reference_loaded

log = logging.getLogger("guichet")


class CommandError(Exception):
    pass


@contextmanager
def opened(
    settings: Settings, *, maintenance: bool = False, references: bool = False,
    role: str = "cli", pools: Pools | None = None, announce: bool = False,
) -> Iterator[Container]:  # fmt: skip
    """The container of a command; `maintenance` for the long ones (rebuilds, replays,
    imports, exports), whose sessions are not bounded by the request timeouts; `references`
    for the server, which defines the shipped taxonomy terms not yet in the log (the commands
    that read, verify or export write nothing of their own). Its sessions are named after
    `role` and its pools sized by `pools` (see `infra.budget`). With `announce`, a command
    that writes says on stderr which database it opened: without GUICHET_DATABASE_URL it is
    the embedded one, which an operator may not have meant."""
    with ExitStack() as stack:
        if settings.embedded:
            url = stack.enter_context(EmbeddedPostgres(settings.data_dir))
        else:
            assert settings.database_url is not None
            url = settings.database_url
        container = connect(settings, url, maintenance=maintenance, role=role, pools=pools)
        stack.callback(container.close)
        if announce:
            print(which_database(settings), file=sys.stderr, flush=True)
        if settings.embedded and not reference_loaded(container.operations):
            defined, _ = load_reference(container.operations, container.clock)
            log.info("first start: defined %d reference territories", defined)
        if references:
            terms = load_taxonomy(container.taxonomy_handler, container.clock.now())
            if terms.new:
                log.info("defined %d reference taxonomy terms", terms.new)
        yield container


def which_database(settings: Settings) -> str:
    if settings.database_url is None:
        return f"using the embedded database in {settings.data_dir} (no GUICHET_DATABASE_URL)"
    # Built from the parts, never the URL as given: it may hold the password.
    url = Database.from_url(settings.database_url, settings.database_schema)
    return f"using the database at {url.host}:{url.port}/{url.dbname}, schema {url.schema}"


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
