"""`guichet schema`: the API's GraphQL schema as SDL, built as the server builds it, with no
database."""

from __future__ import annotations

import argparse
import sys

from infra.cli.common import CommandError
from infra.settings import Settings


def run_schema(settings: Settings, args: argparse.Namespace) -> int:
    from api.schema import build_schema

    text = build_schema(settings).as_str() + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{args.output}: {error.strerror}") from None
    print(f"GraphQL schema written to {args.output}", file=sys.stderr)
    return 0
