"""A rebuild killed at random points, twenty times over: every view ends identical to a clean
replay of the log."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable
from datetime import date

from infra import replay
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, load_calls
from infra.territories import load_reference
from tests.e2e.test_command import GUICHET, clean_env

KILLS = 20


def test_a_rebuild_killed_twenty_times_leaves_views_a_clean_replay_gives(
    container: Container, environ: dict[str, str],
    make_container: Callable[[dict[str, str]], Container],
) -> None:  # fmt: skip
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    load_calls(container.contact_handler, Plan(3_000, date(2018, 4, 1), date(2018, 6, 30)))
    rng = random.Random(211)  # noqa: S311 - reproducible kill times, not a secret
    env = clean_env(**environ)
    in_flight = 0
    for _ in range(KILLS):
        process = subprocess.Popen(
            [GUICHET, "projections", "rebuild"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stderr is not None
        # Killed once its first view reports progress, at a random moment after.
        started = process.stderr.readline()
        time.sleep(rng.uniform(0.0, 1.5))
        in_flight += process.poll() is None
        process.kill()
        process.wait(30)
        process.stderr.close()
        assert started, "the rebuild printed no progress before it was killed"
    # A whole rebuild of this log can end within 1.5 s of its first line: one clean CI run saw
    # 14 of 20 kills land while it ran.
    assert in_flight >= KILLS // 2, f"only {in_flight} kills landed while it was running"

    # The views are left half-built, some with their tables dropped: the next process makes
    # what is missing at start and its runners take the views up from their tracked positions.
    following = make_container(environ)
    for runner in following.runners.values():
        runner.catch_up()
    verdicts = replay.verify(following, [])
    assert [(v.view, v.differences, v.note) for v in verdicts if not v.identical or v.note] == []
    assert sum(v.rows for v in verdicts) > 3_000
