"""A fact a view cannot apply stops that view with an error naming it; the others go on.

The fact is written into the log table directly, bypassing the domain, as an older version of
Guichet could have stored it: an organization whose name holds a NUL, which PostgreSQL text
cannot hold.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import pytest
from psycopg import sql

from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.territories import load_reference
from infra.views.base import LOG_TABLE
from tests.integration.test_bounded_writes import contact

SECRET = "Refuge Nadia Tremblay"
REGISTERED = "guichet.Organization.Registered"


def store_copy(container: Container, name: str) -> int:
    """Copies a stored registration under a new id and with this name; its position."""
    table = sql.Identifier(container.database.schema, LOG_TABLE)
    with container.database.connect() as conn:
        row = conn.execute(
            sql.SQL("SELECT state FROM {} WHERE topic = %s LIMIT 1").format(table), (REGISTERED,)
        ).fetchone()
        assert row is not None
        state = json.loads(bytes(row[0]))
        text = state["name"]["_data_"]  # a LocalizedText, as transcoded
        state["name"]["_data_"] = {language: name for language in text if text[language]}
        inserted = conn.execute(
            sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state)"
                " VALUES (%s, 1, %s, %s) RETURNING notification_id"
            ).format(table),
            (uuid.uuid4(), REGISTERED, json.dumps(state).encode()),
        ).fetchone()
    assert inserted is not None
    return int(inserted[0])


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.2)


@pytest.mark.timeout(180, method="thread")
def test_a_fact_a_view_cannot_apply_stops_that_view_and_only_it(
    container: Container, make_container: Callable[[dict[str, str]], Container],
    environ: dict[str, str],
) -> None:  # fmt: skip
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    good = store_copy(container, "Refuge du quartier")  # the copy itself is sound
    bad = store_copy(container, f"{SECRET}\u0000")
    container.contacts.log(contact("after-the-bad-fact"))  # a later fact, for other views
    container.start_projections()
    directory = container.runners["directory"]
    wait_for(lambda: directory._thread is not None and not directory._thread.is_alive())
    head = container.head()
    assert head > bad
    # Views that do not apply registrations go on to the head.
    for name in ("territories", "coverage", "interactions"):
        runner = container.runners[name]
        wait_for(lambda runner=runner: runner.view.position() == head)  # type: ignore[misc]
        assert runner.last_error is None
    assert good <= directory.view.position() < bad
    statuses = {s.name: s for s in container.status()}
    error = statuses["directory"].error
    assert error is not None
    assert f"position {bad}" in error
    assert REGISTERED in error
    assert SECRET not in error
    assert statuses["territories"].error is None
    # Another process (`guichet projections status`, another worker's /health) sees it too.
    other = make_container(environ)
    seen = {s.name: s.error for s in other.status()}
    assert seen["directory"] == error
    assert seen["territories"] is None
