"""The contacts view and the statistics read from it: rebuilt from the log they are identical,
corrections change what counted, and a reader sees a rebuild."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from domain.interactions import Disposition, Inquirer, InquirerType
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, generate, load_calls
from infra.statistics import StatisticsReader
from infra.territories import load_reference
from projections.statistics import Tallies

PLAN = Plan(1_500, date(2018, 4, 1), date(2018, 6, 30), seed=7)


def figures(container: Container, territory: str | None = None) -> Tallies:
    tallies, _ = container.statistics.tallies(PLAN.start, PLAN.end, None, territory)
    return tallies


def test_a_rebuilt_view_gives_identical_statistics(container: Container) -> None:
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.operations, clock.now())
    load_calls(container.operations, PLAN)
    contacts = list(generate(PLAN))
    at = clock.now()
    container.operations.change_interaction(
        contacts[0].id,
        lambda c: c.correct_disposition(Disposition.TEST, "formation", actor="sup", at=at),
    )
    container.operations.change_interaction(
        contacts[1].id,
        lambda c: c.correct_inquirer(Inquirer(InquirerType.SELF, territory="65005"), "adresse",
                                     actor="sup", at=at),
    )  # fmt: skip
    container.operations.change_interaction(
        contacts[2].id, lambda c: c.withdraw_need(0, "doublon", actor="sup", at=at)
    )
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
    load_calls(container.operations, Plan(10, date(2018, 4, 1), date(2018, 4, 2)))
    runner = container.runners["interactions"]
    runner.catch_up()
    page, end = runner._fetch(0, container.head())
    assert page
    with pytest.raises(IntegrityError):  # its tracking position is already recorded
        container.interactions.apply_page(page, end)
    assert figures(container).contacts == 10


def test_any_text_survives_the_view(container: Container) -> None:
    """Tabs, new lines, backslashes, quotes and accents in what counsellors type."""
    load_reference(container.operations, SystemClock())
    [interaction] = generate(Plan(1, date(2018, 4, 1), date(2018, 4, 1)))
    awkward = 'Ligne 1\nLigne\t2 \\ "cité" {a,b} \\N é'
    at = SystemClock().now()
    interaction.give_information(0, awkward, actor='Marie "la" \\ Côté', at=at)
    interaction.withdraw_need(0, awkward, actor='Marie "la" \\ Côté', at=at)
    container.operations.log_interaction(interaction)
    container.runners["interactions"].catch_up()
    row = container.interactions.contact(interaction.id)
    assert row is not None
    assert row.detail["needs"][0]["information"][-1] == awkward
    assert row.detail["corrections"][0]["reason"] == awkward
    assert row.detail["corrections"][0]["by"] == 'Marie "la" \\ Côté'
    assert row.need_codes == [need.code for need in interaction.needs[1:]]
