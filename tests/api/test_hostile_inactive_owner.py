"""A service of a deactivated organization is the directory team's, as the organization is: the
public is told there is none, and a counsellor cannot refer anyone to it."""

from __future__ import annotations

from typing import Any

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.api.test_record_life import mutate
from tests.api.test_services import FOOD_BANK, REGISTER_SERVICE, organization, write
from tests.support.graphql import GraphQLClient
from tests.support.views import settled

READ = """
query ($s: ID!, $p: Int) {
  service(id: $s, consistentWith: $p) { __typename ... on Service { status } }
  node(id: $s, consistentWith: $p) { __typename }
  searchServices(consistentWith: $p) { __typename }
}
"""
RECORD = """
mutation ($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename ... on Error { code } ... on InvalidInputError { field }
  }
}
"""


def contact(key: str, service: str) -> dict[str, Any]:
    return {
        "key": key, "channel": "PHONE", "language": "fr", "inquirer": {"type": "SELF"},
        "startedAt": "2024-03-01T10:00:00-05:00", "endedAt": "2024-03-01T10:10:00-05:00",
        "needs": [{"code": "BD-1800.2000", "referralServiceIds": [service]}],
    }  # fmt: skip


async def service_of_closed_organization(graphql: GraphQLClient, container: Container) -> str:
    load_reference(container.operations, container.clock)
    await settled(container)
    owner = await organization(graphql)
    service = await write(graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner})
    await graphql.settle(service["position"])  # the public's own `consistentWith` is not waited for
    before = await graphql.data(RECORD, {"input": contact("avant", service["id"])},
                                "counsellor-token")  # fmt: skip
    assert before["recordInteraction"]["__typename"] == "InteractionReceipt", before
    closed = await mutate(graphql, "deactivateRecord",
                          {"id": owner, "expectedVersion": 1, "reason": "fermé"})  # fmt: skip
    assert closed["__typename"] == "Receipt", closed
    # Every view the reads below use has applied the deactivation.
    await graphql.settle(closed["position"])
    return str(service["id"])


async def test_the_public_is_told_there_is_no_service_of_a_deactivated_organization(
    graphql: GraphQLClient, container: Container
) -> None:
    service = await service_of_closed_organization(graphql, container)
    public = await graphql.data(READ, {"s": service})
    assert public["service"]["__typename"] == "NotFoundError"
    assert public["node"] is None
    editor = await graphql.data(READ, {"s": service}, "editor-token")
    assert editor["service"] == {"__typename": "Service", "status": "active"}
    assert editor["node"] == {"__typename": "Service"}


async def test_a_service_of_a_deactivated_organization_cannot_be_referred_to(
    graphql: GraphQLClient, container: Container
) -> None:
    service = await service_of_closed_organization(graphql, container)
    logged = await graphql.data(RECORD, {"input": contact("après", service)}, "counsellor-token")
    assert logged["recordInteraction"] == {
        "__typename": "InvalidInputError", "code": "INVALID_INPUT",
        "field": "input.needs[0].referralServiceIds[0]",
    }  # fmt: skip
