"""Follow-ups due on a day, as a counsellor's screen lists them: those not done, of contacts
logged whole or handled live, the counsellor's own or everyone's."""

from __future__ import annotations

from typing import Any

import pytest

from infra.bootstrap import Container
from tests.api.test_interaction_steps import opened, step
from tests.api.test_interactions import ANALYST, COUNSELLOR, RECORD, ROSEMONT, at, ready
from tests.support.graphql import GraphQLClient

DUE = """
query ($day: Date!, $counsellor: String, $position: Int, $first: Int = 50, $after: String,
       $overdue: Boolean = false) {
  followUpsDue(day: $day, counsellor: $counsellor, consistentWith: $position, first: $first,
               after: $after, overdue: $overdue) {
    __typename
    ... on FollowUpDuePage {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { number due note interaction { key counsellor } }
    }
    ... on Error { code message }
  }
}
"""
DAY = "2018-09-11"


async def logged(
    graphql: GraphQLClient, key: str, follow_up: dict[str, Any] | None,
    counsellor: str | None = None,
) -> int:  # fmt: skip
    contact = {
        "key": key, "channel": "PHONE", "startedAt": at("2018-09-04", 10).isoformat(),
        "endedAt": at("2018-09-04", 10, 5).isoformat(), "language": "fr",
        "inquirer": {"type": "SELF", "territory": ROSEMONT}, "counsellor": counsellor,
        "needs": [{"code": "BD-1800.2000"}], "followUp": follow_up,
    }  # fmt: skip
    receipt = (await graphql.data(RECORD, {"input": contact}, COUNSELLOR))["recordInteraction"]
    assert receipt["__typename"] == "InteractionReceipt", receipt
    return int(receipt["position"])


async def due(graphql: GraphQLClient, position: int, **variables: Any) -> dict[str, Any]:
    asked = {"day": DAY, "position": position, **variables}
    result: dict[str, Any] = (await graphql.data(DUE, asked, COUNSELLOR))["followUpsDue"]
    return result


@pytest.mark.asyncio
async def test_follow_ups_due_on_a_day_are_those_not_done(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    await logged(graphql, "whole-due", {"due": DAY, "note": "Rappeler"})
    await logged(graphql, "whole-later", {"due": "2018-09-12"})
    await logged(graphql, "whole-none", None)
    await logged(graphql, "other-due", {"due": DAY}, counsellor="octave")
    live = await opened(graphql, "live-due")
    await step(graphql, "scheduleFollowUp", id=live, due="2018-09-05")
    await step(graphql, "scheduleFollowUp", id=live, due=DAY)
    done = await opened(graphql, "live-done")
    await step(graphql, "scheduleFollowUp", id=done, due=DAY)
    last = await step(graphql, "completeFollowUp", id=done, n=0, outcome="Joint")
    position = int(last["position"])

    mine = await due(graphql, position, counsellor="colette")
    everyone = await due(graphql, position)
    other_day = await due(graphql, position, day="2018-09-12")
    # On the 12th, with those missed on their day and still not done.
    to_do = await due(graphql, position, day="2018-09-12", overdue=True)
    before_any = await due(graphql, position, day="2018-09-04", overdue=True)
    refused = (await graphql.data(DUE, {"day": DAY}, ANALYST))["followUpsDue"]
    # Page by page, in order, none repeated or skipped.
    pages, after = [], None
    while True:
        page = await due(graphql, position, first=1, after=after)
        pages += [(i["interaction"]["key"], i["number"]) for i in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert mine["__typename"] == "FollowUpDuePage", mine
    shown = {(i["interaction"]["key"], i["number"], i["due"], i["note"]) for i in mine["nodes"]}
    assert shown == {("whole-due", 0, DAY, "Rappeler"), ("live-due", 1, DAY, None)}
    assert {i["interaction"]["key"] for i in everyone["nodes"]} == {
        "whole-due", "live-due", "other-due",
    }  # fmt: skip
    assert {i["interaction"]["counsellor"] for i in everyone["nodes"]} == {"colette", "octave"}
    assert everyone["totalCount"] == 3
    assert pages == [(i["interaction"]["key"], i["number"]) for i in everyone["nodes"]]
    assert [i["interaction"]["key"] for i in other_day["nodes"]] == ["whole-later"]
    assert {(i["interaction"]["key"], i["number"], i["due"]) for i in to_do["nodes"]} == {
        ("whole-due", 0, DAY), ("whole-later", 0, "2018-09-12"), ("other-due", 0, DAY),
        ("live-due", 0, "2018-09-05"), ("live-due", 1, DAY),
    }  # fmt: skip
    assert to_do["totalCount"] == 5
    assert before_any["nodes"] == [], before_any
    assert refused["__typename"] == "NotAuthorizedError"
