"""The `guichet` console command's entry point.

It imports nothing but `sys` before it can catch Ctrl-C: the command's modules take about a
second to import, and an interrupt then (or in any command that does not say it otherwise)
ends it with one line and exit code 130, as a shell reports SIGINT, instead of a traceback.
"""

from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> int:
    try:
        from infra.cli import main as run  # here, so that Ctrl-C while it loads is caught

        return run()
    except KeyboardInterrupt:
        print("guichet: interrupted", file=sys.stderr)
        return INTERRUPTED
