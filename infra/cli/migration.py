"""`guichet migrate`: the one migration step, as a command of its own (a compose one-shot
service the others wait for)."""

from __future__ import annotations

import argparse

from infra.budget import Pools
from infra.cli.common import opened
from infra.settings import Settings

# The step uses one connection at a time, and a second for its lock.
MIGRATE_POOLS = Pools(1, 2, 0)


def run_migrate(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, role="migrate", pools=MIGRATE_POOLS, announce=True) as container:
        # Opening the container ran the step, or found the schema at its version.
        ran = container.migrated
        if args.again and not ran:
            ran = container.migrate(container.unbounded, force=True)
        schema, version = container.database.schema, container.version
        if ran:
            print(f"schema {schema} migrated to version {version}")
        else:
            print(f"schema {schema} already at version {version}: nothing to do")
    return 0
