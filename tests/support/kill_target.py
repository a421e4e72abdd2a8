"""Runs the counting view in its own process, pausing after each committed page.

The test kills this process with SIGKILL right after a page's commit, before the next page.
"""

from __future__ import annotations

import os
import sys
import time

from domain.operations import Operations
from infra.database import Database
from infra.runner import Progress, ProjectionRunner
from infra.settings import Settings
from tests.support.counting import CountingView


def main() -> None:
    settings = Settings.from_environ(os.environ)
    assert settings.database_url is not None
    database = Database.from_url(settings.database_url, settings.database_schema)
    operations = Operations(env=database.event_store_env(2))
    datastore = database.datastore(2)
    view = CountingView(datastore)
    view.create()
    runner = ProjectionRunner(view, operations.recorder, operations.mapper, database, page_size=10)

    def committed(progress: Progress) -> None:
        print(f"committed {progress.position}", flush=True)
        time.sleep(0.2)

    runner.catch_up(committed)
    print("done", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
