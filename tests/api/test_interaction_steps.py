"""A contact handled live, step by step, then corrected; caller-level reads by role."""

from __future__ import annotations

from typing import Any

import pytest

from infra.bootstrap import Container
from infra.demo import demo_id
from tests.api.test_interactions import ANALYST, COUNSELLOR, ROSEMONT, STATISTICS, at, ready
from tests.support.graphql import GraphQLClient

RECEIPT = """
    __typename
    ... on InteractionReceipt { id version position need }
    ... on Error { code message }
    ... on InvalidInputError { field }
"""
OPEN = f"""
mutation ($input: OpenInteractionInput!) {{ openInteraction(input: $input) {{ {RECEIPT} }} }}
"""
STEPS = {
    "addNeed": ("($id: ID!, $code: String!)", "(id: $id, code: $code)"),
    "referToService": ("($id: ID!, $need: Int!, $service: ID!)",
                       "(id: $id, need: $need, serviceId: $service)"),
    "giveInformation": ("($id: ID!, $need: Int!, $text: String!)",
                        "(id: $id, need: $need, information: $text)"),
    "recordUnmetNeed": ("($id: ID!, $need: Int!, $reason: UnmetReason!)",
                        "(id: $id, need: $need, reason: $reason)"),
    "scheduleFollowUp": ("($id: ID!, $due: Date!)", "(id: $id, due: $due)"),
    "closeInteraction": ("($id: ID!, $ended: DateTime!)", "(id: $id, endedAt: $ended)"),
    "completeFollowUp": ("($id: ID!, $n: Int!, $outcome: String!)",
                         "(id: $id, followUp: $n, outcome: $outcome)"),
    "correctDisposition": ("($id: ID!, $disposition: Disposition!, $reason: String!)",
                           "(id: $id, disposition: $disposition, reason: $reason)"),
    "correctInquirer": ("($id: ID!, $inquirer: InquirerInput!, $reason: String!)",
                        "(id: $id, inquirer: $inquirer, reason: $reason)"),
    "withdrawNeed": ("($id: ID!, $need: Int!, $reason: String!)",
                     "(id: $id, need: $need, reason: $reason)"),
}  # fmt: skip
READ = """
query ($id: ID!, $after: Int) {
  interaction(id: $id, consistentWith: $after) {
    __typename
    ... on Interaction {
      key channel counsellor language interpreter disposition waitSeconds handleSeconds
      inquirer { type ageBand gender territory }
      needs { number code withdrawn information
              referrals { serviceId serviceName organizationName phone address }
              unmet { reason reasonsVersion note } }
      followUps { due doneAt outcome }
      corrections { what reason by }
    }
    ... on Error { code }
  }
}
"""
LIST = """
query ($from: Date!, $to: Date!, $first: Int!, $after: String, $position: Int) {
  interactions(from: $from, to: $to, first: $first, after: $after, consistentWith: $position) {
    __typename
    ... on InteractionPage { nodes { key } pageInfo { hasNextPage endCursor } }
    ... on Error { code }
  }
}
"""
FOOD = demo_id("service", 0, 0)


async def step(graphql: GraphQLClient, name: str, **variables: Any) -> dict[str, Any]:
    declared, passed = STEPS[name]
    document = f"mutation {declared} {{ {name}{passed} {{ {RECEIPT} }} }}"
    result: dict[str, Any] = (await graphql.data(document, variables, COUNSELLOR))[name]
    return result


async def opened(graphql: GraphQLClient, key: str = "live-1") -> str:
    data = await graphql.data(
        OPEN,
        {"input": {"key": key, "channel": "PHONE", "startedAt": at("2018-09-04", 9).isoformat(),
                   "answeredAt": at("2018-09-04", 9, 1).isoformat(), "language": "fr",
                   "inquirer": {"type": "SELF", "ageBand": "FIFTIES", "gender": "MALE",
                                "territory": ROSEMONT}}},
        COUNSELLOR,
    )  # fmt: skip
    receipt = data["openInteraction"]
    assert receipt["__typename"] == "InteractionReceipt", receipt
    return str(receipt["id"])


async def stats(graphql: GraphQLClient, after: int) -> dict[str, Any]:
    variables = {"from": "2018-09-01", "to": "2018-09-30", "after": after}
    result: dict[str, Any] = (await graphql.data(STATISTICS, variables, ANALYST))["statistics"]
    return result


@pytest.mark.asyncio
async def test_a_live_contact_step_by_step_then_corrected(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    id = await opened(graphql)
    food = await step(graphql, "addNeed", id=id, code="BD-1800.2000")
    assert food["need"] == 0
    await step(graphql, "referToService", id=id, need=0, service=str(FOOD))
    await step(graphql, "giveInformation", id=id, need=0, text="Ouvert le mardi")
    snow = await step(graphql, "addNeed", id=id, code="PH-7000")
    assert snow["need"] == 1
    await step(graphql, "recordUnmetNeed", id=id, need=1, reason="COST_TOO_HIGH")
    await step(graphql, "scheduleFollowUp", id=id, due="2018-09-11")
    closed = await step(graphql, "closeInteraction", id=id,
                        ended=at("2018-09-04", 9, 7).isoformat())  # fmt: skip
    again = await step(graphql, "closeInteraction", id=id,
                       ended=at("2018-09-04", 9, 8).isoformat())  # fmt: skip
    assert again["__typename"] == "InvalidInputError"

    figures = await stats(graphql, closed["position"])
    assert figures["contacts"]["value"] == 1
    assert (figures["needs"]["value"], figures["referrals"]["value"]) == (2, 1)
    assert figures["topUnmetNeeds"][0]["key"] == "PH-7000"
    assert figures["averageWaitSeconds"] == 60.0
    assert figures["averageHandleSeconds"] == 360.0

    done = await step(graphql, "completeFollowUp", id=id, n=0, outcome="Panier reçu")
    record = (await graphql.data(READ, {"id": id, "after": done["position"]}, COUNSELLOR))[
        "interaction"
    ]
    assert record["__typename"] == "Interaction"
    assert record["counsellor"] == "colette"
    assert record["needs"][0]["referrals"][0]["serviceName"] == "Dépannage alimentaire"
    assert record["needs"][0]["referrals"][0]["phone"] == "5145550000"
    assert record["needs"][0]["referrals"][0]["address"].startswith("1600 boul. Saint-Martin")
    assert record["needs"][0]["information"] == ["Ouvert le mardi"]
    assert record["needs"][1]["unmet"] == {"reason": "cost_too_high", "reasonsVersion": 1,
                                           "note": None}  # fmt: skip
    assert record["followUps"][0]["outcome"] == "Panier reçu"
    assert (record["waitSeconds"], record["handleSeconds"]) == (60, 360)
    assert done["version"] == 9

    moved = await step(graphql, "correctInquirer", id=id, reason="Adresse mal saisie",
                       inquirer={"type": "SELF", "ageBand": "FIFTIES", "gender": "MALE",
                                 "territory": "65005"})  # fmt: skip
    figures = await stats(graphql, moved["position"])
    assert [c["key"] for c in figures["byRegion"]] == ["TE-65"]
    withdrawn = await step(graphql, "withdrawNeed", id=id, need=1, reason="Doublon")
    figures = await stats(graphql, withdrawn["position"])
    assert (figures["needs"]["value"], figures["unmetNeeds"]["value"]) == (1, 0)
    test = await step(graphql, "correctDisposition", id=id, disposition="TEST",
                      reason="Appel de formation")  # fmt: skip
    figures = await stats(graphql, test["position"])
    assert figures["contacts"]["value"] == 0

    record = (await graphql.data(READ, {"id": id}, ANALYST))["interaction"]
    assert [c["what"] for c in record["corrections"]] == ["inquirer", "needs[1]", "disposition"]
    assert record["needs"][1]["withdrawn"] is True
    assert record["disposition"] == "test"


@pytest.mark.asyncio
async def test_a_refused_step_names_the_argument_and_an_unknown_contact_is_not_found(
    container: Container, graphql: GraphQLClient
) -> None:
    # Each rule of the steps is a handler test (tests/unit/test_handlers_contacts.py); here,
    # how a refusal and a missing contact reach the client.
    ready(container)
    id = await opened(graphql)
    await step(graphql, "addNeed", id=id, code="BD-5000")
    head = container.head()
    closed = str(demo_id("service", 99, 0))
    refused = await step(graphql, "referToService", id=id, need=0, service=closed)
    assert (refused["__typename"], refused["field"]) == ("InvalidInputError", "serviceId")
    assert container.head() == head
    missing = await step(graphql, "addNeed", id=str(demo_id("none")), code="BD-5000")
    assert missing["__typename"] == "NotFoundError"


@pytest.mark.asyncio
async def test_caller_level_records_are_for_counsellors_analysts_and_auditors(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    ids = [await opened(graphql, f"live-{n}") for n in range(3)]
    position = container.head()
    for token in (None, "editor-token"):
        one = (await graphql.data(READ, {"id": ids[0]}, token))["interaction"]
        assert one == {"__typename": "NotAuthorizedError", "code": "NOT_AUTHORIZED"}
        many = await graphql.data(LIST, {"from": "2018-09-01", "to": "2018-09-30", "first": 5},
                                  token)  # fmt: skip
        assert many["interactions"]["__typename"] == "NotAuthorizedError"
    seen: list[str] = []
    after = None
    for token in (COUNSELLOR, ANALYST, "auditor-token"):
        one = await graphql.data(READ, {"id": ids[0], "after": position}, token)
        assert one["interaction"]["key"] == "live-0"
    for _ in range(3):
        page = (await graphql.data(
            LIST, {"from": "2018-09-04", "to": "2018-09-04", "first": 2, "after": after},
            "auditor-token",
        ))["interactions"]  # fmt: skip
        seen += [item["key"] for item in page["nodes"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
        if after is None:
            break
    assert sorted(seen) == ["live-0", "live-1", "live-2"]
    outside = await graphql.data(LIST, {"from": "2018-09-05", "to": "2018-09-30", "first": 5},
                                 ANALYST)  # fmt: skip
    assert outside["interactions"]["nodes"] == []
