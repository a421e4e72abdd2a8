"""The contacts view and the statistics read from it: rebuilt from the log they are identical,
corrections change what counted, and a reader sees a rebuild."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from domain.handlers.contacts import (
    CorrectDisposition,
    CorrectInquirer,
    ScheduleFollowUp,
    WithdrawNeed,
)
from domain.interactions import (
    ContactChannel,
    Disposition,
    FollowUp,
    Inquirer,
    InquirerType,
    Interaction,
    NeedEntry,
    ReferralSnapshot,
)
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, generate, load_calls
from infra.statistics import StatisticsReader
from infra.territories import load_reference
from projections import interactions
from projections.base import Positioned
from projections.interactions import ContactRow
from projections.statistics import Tallies

PLAN = Plan(1_500, date(2018, 4, 1), date(2018, 6, 30), seed=7)


def figures(container: Container, territory: str | None = None) -> Tallies:
    tallies, _ = container.statistics.tallies(PLAN.start, PLAN.end, None, territory)
    return tallies


def test_a_rebuilt_view_gives_identical_statistics(container: Container) -> None:
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    load_calls(container.contact_handler, PLAN)
    contacts = list(generate(PLAN))
    at = clock.now()
    handler = container.contact_handler
    handler.change(
        CorrectDisposition(contacts[0].id, Disposition.TEST, "formation"), actor="sup", at=at
    )
    handler.change(CorrectInquirer(
        contacts[1].id, Inquirer(InquirerType.SELF, territory="65005"), "adresse"
    ), actor="sup", at=at)  # fmt: skip
    handler.change(WithdrawNeed(contacts[2].id, 0, "doublon"), actor="sup", at=at)
    runner = container.runners["interactions"]
    for name in ("territories", "interactions"):
        container.runners[name].catch_up()

    before = figures(container)
    before_laval = figures(container, "TE-65")
    assert before.contacts == PLAN.count - 1
    assert before.needs == sum(len(c.needs) for c in contacts[1:]) - 1

    runner.rebuild()
    assert figures(container) == before, "the same reader sees the rebuilt view"
    assert figures(container, "TE-65") == before_laval
    container.statistics = StatisticsReader(container.interactions, container.territories)
    assert figures(container) == before, "a fresh reader reads the same figures"


def test_a_replayed_page_is_refused(container: Container) -> None:
    load_reference(container.operations, SystemClock())
    load_calls(container.contact_handler, Plan(10, date(2018, 4, 1), date(2018, 4, 2)))
    runner = container.runners["interactions"]
    runner.catch_up()
    page, end = runner._fetch(0, container.head())
    assert end == container.head()
    with pytest.raises(IntegrityError):  # its tracking position is already recorded
        container.interactions.apply_page(page, 0, end)
    assert figures(container).contacts == 10


def test_any_text_survives_the_view(container: Container) -> None:
    """Tabs, new lines, backslashes, quotes and accents in what counsellors type."""
    load_reference(container.operations, SystemClock())
    [interaction] = generate(Plan(1, date(2018, 4, 1), date(2018, 4, 1)))
    awkward = 'Ligne 1\nLigne\t2 \\ "cité" {a,b} \\N é'
    at = SystemClock().now()
    interaction.give_information(0, awkward, actor='Marie "la" \\ Côté', at=at)
    interaction.withdraw_need(0, awkward, actor='Marie "la" \\ Côté', at=at)
    container.operations.save(interaction)
    container.runners["interactions"].catch_up()
    row = container.interactions.contact(interaction.id)
    assert row is not None
    # Kept as the text rule reads them: information keeps its lines, a reason is one line.
    assert row.detail["needs"][0]["information"][-1] == 'Ligne 1\nLigne 2 \\ "cité" {a,b} \\N é'
    assert row.detail["corrections"][0]["reason"] == 'Ligne 1 Ligne 2 \\ "cité" {a,b} \\N é'
    assert row.detail["corrections"][0]["by"] == 'Marie "la" \\ Côté'
    assert row.need_codes == [need.code for need in interaction.needs[1:]]


def test_contacts_logged_whole_become_the_rows_the_fold_gives(container: Container) -> None:
    """Logged contacts are turned into rows by PostgreSQL, later steps by `interactions.fold`:
    the rows are those the fold gives for every fact."""
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    plan = Plan(400, date(2018, 3, 10), date(2018, 11, 5), seed=11)  # both DST changes
    load_calls(container.contact_handler, plan)
    [odd] = generate(Plan(1, date(2018, 4, 1), date(2018, 4, 1), seed=3))
    odd.give_information(0, 'Ligne 1\nLigne\t2 \\ "cité" {a,b} \\N é', actor="Côté", at=clock.now())
    container.operations.save(odd)
    [like] = generate(Plan(1, date(2018, 4, 1), date(2018, 4, 1), seed=4))
    started = datetime(2018, 11, 4, 5, 30, 0, 250_000, tzinfo=UTC)  # 1:30 twice in Montréal
    for key, needs, follow_up in [
        ("whole-1", (), FollowUp(date(2018, 11, 9), 'rappeler "tôt"\t\\')),
        ("whole-2", (NeedEntry("BD-1800", information="Ligne 1\nLigne 2",
                               unmet_reason="cost_too_high", unmet_note="trop cher"),
                     NeedEntry("BH", referrals=tuple(
                         ReferralSnapshot(**r) for r in like.needs[0].referrals))), None),
    ]:  # fmt: skip
        container.operations.save(Interaction.log(
            key=key, channel=ContactChannel.CHAT, started_at=started, answered_at=started,
            ended_at=started + timedelta(seconds=90.9), language="ar", interpreter=True,
            counsellor="Marie\tCôté", inquirer=Inquirer(InquirerType.PROFESSIONAL),
            needs=needs, disposition=Disposition.HANG_UP, follow_up=follow_up,
            actor="Marie", at=started,
        ))  # fmt: skip
    container.runners["interactions"].catch_up()
    # Contacts changed after they were logged: their rows keep a document of their own.
    changed = [c.id for c in generate(plan)][:3]
    handler = container.contact_handler
    handler.change(WithdrawNeed(changed[0], 0, "doublon"), actor="sup", at=clock.now())
    handler.change(ScheduleFollowUp(changed[1], date(2018, 12, 1), "rappel"),
                   actor="Marie", at=clock.now())  # fmt: skip
    handler.change(CorrectDisposition(changed[2], Disposition.TEST, "formation"),
                   actor="sup", at=clock.now())  # fmt: skip
    container.runners["interactions"].catch_up()

    view = container.interactions
    stored = container.operations.recorder.select_notifications(
        start=1, limit=10**6, topics=interactions.TOPICS
    )
    expected: dict[UUID, ContactRow] = {}
    interactions.fold(
        [Positioned(view.decode(container.operations.mapper, n), n.id) for n in stored],
        expected,
    )
    kinds = {
        "unanswered": any(row.answered_at is None for row in expected.values()),
        "follow-up": any(row.detail["follow_ups"] for row in expected.values()),
        "unmet": any(any(row.need_unmet) for row in expected.values()),
        "no needs": any(not row.need_codes for row in expected.values()),
        "withdrawn": expected[changed[0]].detail["needs"][0]["withdrawn"],
        "followed up": len(expected[changed[1]].detail["follow_ups"]) > 0,
        "corrected": expected[changed[2]].disposition == Disposition.TEST.value,
    }
    assert all(kinds.values()), kinds
    assert len(expected) == plan.count + 3
    for id, row in expected.items():
        found = view.contact(id)
        assert found is not None
        assert replace(found, row_id=None) == row


def test_a_rebuild_stopped_while_loading_is_finished_page_by_page(container: Container) -> None:
    load_reference(container.operations, SystemClock())
    load_calls(container.contact_handler, Plan(300, date(2018, 4, 1), date(2018, 4, 30)))
    runner = container.runners["interactions"]
    runner.catch_up()
    before = figures(container)
    view = container.interactions
    view.drop()
    view.create()
    head = container.head()
    assert view.load_in_database(head // 2, head) > 0  # the later range committed, not the first
    assert figures(container).contacts == 0, "rows beyond the tracked position are not read"
    runner.catch_up()
    assert figures(container) == before
