"""Verified replay: shadow copies rebuilt from the log match the live views, and a difference
put into a live table is reported."""

from __future__ import annotations

from datetime import date

from psycopg import sql

from domain.handlers.contacts import CorrectDisposition
from domain.handlers.directory import RenameOrganization
from domain.interactions import Disposition
from domain.values import LocalizedText
from infra import replay
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, generate, load_calls
from infra.territories import load_reference
from tests.support.seed import AT, register

PLAN = Plan(200, date(2018, 4, 1), date(2018, 4, 30), seed=5)


def populated(container: Container) -> None:
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    load_calls(container.contact_handler, PLAN)
    first = next(iter(generate(PLAN)))
    container.contact_handler.change(
        CorrectDisposition(first.id, Disposition.TEST, "formation"), actor="sup", at=clock.now()
    )
    org = register(container.operations, 1).id
    container.directory_handler.rename_organization(
        RenameOrganization(org, 1, LocalizedText(fr="Autre", en="Other")), actor="rita", at=AT
    )
    for runner in container.runners.values():
        runner.catch_up()


def test_a_replay_of_the_log_matches_every_live_view(container: Container) -> None:
    populated(container)
    verdicts = replay.verify(container, [])
    assert {v.view for v in verdicts} == set(container.views)
    for verdict in verdicts:
        assert verdict.identical, verdict
        assert verdict.note == ""
        assert verdict.position == container.head()
    rows = {v.view: v.rows for v in verdicts}
    assert rows["interactions"] == PLAN.count
    assert rows["audit"] == container.head()


def test_a_row_changed_in_a_live_view_is_reported(container: Container) -> None:
    populated(container)
    with container.database.connect() as conn:
        conn.execute(
            sql.SQL("UPDATE {} SET disposition = 'wrong_number' WHERE key = %s").format(
                sql.Identifier(container.database.schema, "interactions")),
            (next(iter(generate(PLAN))).key,),
        )  # fmt: skip
        conn.execute(sql.SQL("DELETE FROM {} WHERE position = 3").format(
            sql.Identifier(container.database.schema, "audit_log")))  # fmt: skip
    verdicts = {v.view: v for v in replay.verify(container, ["interactions", "audit", "coverage"])}
    interactions = verdicts["interactions"].differences
    assert [(d.table, d.only_live, d.only_replayed) for d in interactions] == [
        ("interactions", 1, 1)]  # fmt: skip
    assert "wrong_number" in interactions[0].samples[0]
    assert [(d.table, d.only_live, d.only_replayed) for d in verdicts["audit"].differences] == [
        ("audit_log", 0, 1)]  # fmt: skip
    assert verdicts["coverage"].identical
