"""`serve --demo` logs synthetic contacts of the last twelve months once, so that the needs
portrait shows figures at once: a later start, even on another day, logs nothing more."""

from __future__ import annotations

from datetime import date

import pytest

from infra.bootstrap import Container
from infra.cli.serving import load_demo_directory
from infra.demo_calls import RECENT_CONTACTS, load_recent_calls, recent_plan
from tests.api.test_interactions import ANALYST, STATISTICS
from tests.support.graphql import GraphQLClient

TODAY = date(2026, 3, 15)


def test_the_recent_plan_covers_this_month_to_yesterday_and_the_twelve_before() -> None:
    plan = recent_plan(TODAY)
    assert (plan.start, plan.end) == (date(2025, 3, 1), date(2026, 3, 14))
    assert recent_plan(date(2026, 1, 1)).start == date(2025, 1, 1)
    assert recent_plan(date(2026, 1, 1)).end == date(2025, 12, 31)
    # Named, not dated: another day's plan has the same contacts' keys.
    assert plan.key(7) == recent_plan(date(2026, 9, 2)).key(7)


@pytest.mark.asyncio
async def test_demo_contacts_are_logged_once_and_the_portrait_has_figures(
    container: Container, graphql: GraphQLClient
) -> None:
    load_demo_directory(container)
    first = load_recent_calls(container.contact_handler, TODAY)
    head = container.head()
    again = load_recent_calls(container.contact_handler, TODAY)
    later = load_recent_calls(container.contact_handler, date(2026, 5, 2))
    for runner in container.select(["interactions", "territories", "search"]):
        runner.bring_up_to_date()

    plan = recent_plan(TODAY)
    variables = {"from": plan.start.isoformat(), "to": plan.end.isoformat()}
    stats = (await graphql.data(STATISTICS, variables, ANALYST))["statistics"]
    assert first == RECENT_CONTACTS
    assert again == later == 0
    assert container.head() == head
    assert stats["contacts"]["value"] == RECENT_CONTACTS
    # Every month of the period has contacts, and the public sees figures too.
    assert len({cell["group"] for cell in stats["byMonth"] if cell["count"]}) == 13
    public = (await graphql.data(STATISTICS, variables))["statistics"]
    assert public["contacts"]["value"] == RECENT_CONTACTS
    assert not public["contacts"]["suppressed"]
