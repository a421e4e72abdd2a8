"""Deactivated organizations and locations are the directory team's, as inactive services are:
the public is told there is none, by id, as a node, or as a service's location."""

from __future__ import annotations

from typing import Any

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.api.test_record_life import mutate
from tests.api.test_services import (
    FOOD_BANK,
    LINK,
    REGISTER_LOCATION,
    REGISTER_SERVICE,
    organization,
    write,
)
from tests.support.graphql import GraphQLClient

READ = """
query ($o: ID!, $l: ID!, $s: ID!, $p: Int) {
  organization(id: $o, consistentWith: $p) { __typename ... on Organization { status } }
  location(id: $l, consistentWith: $p) { __typename ... on Location { status } }
  orgNode: node(id: $o, consistentWith: $p) { __typename }
  locationNode: node(id: $l, consistentWith: $p) { __typename }
  service(id: $s, consistentWith: $p) { ... on Service { locations { name { fr } } } }
}
"""


async def deactivated(graphql: GraphQLClient, container: Container) -> dict[str, Any]:
    load_reference(container.operations, container.clock)
    owner = await organization(graphql)
    service = await write(graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner})
    location = await write(graphql, REGISTER_LOCATION, {
        "organizationId": owner, "name": {"fr": "Ancien local"},
        "address": {"street": "1 rue A", "city": "Laval", "postalCode": "H7T 1A7"},
    })  # fmt: skip
    await write(graphql, LINK, {"serviceId": service["id"], "locationId": location["id"]})
    closed = [
        await mutate(graphql, "deactivateRecord",
                     {"id": record, "expectedVersion": version, "reason": "fermé"})
        for record, version in ((owner, 1), (location["id"], 1))
    ]  # fmt: skip
    assert all(receipt["__typename"] == "Receipt" for receipt in closed), closed
    await graphql.settle(
        closed[-1]["position"]
    )  # the public's own `consistentWith` is not waited for
    return {"o": owner, "l": location["id"], "s": service["id"], "p": closed[-1]["position"]}


async def test_the_public_is_told_there_is_no_deactivated_record(
    graphql: GraphQLClient, container: Container
) -> None:
    ids = await deactivated(graphql, container)
    public = await graphql.data(READ, ids)
    assert public["organization"]["__typename"] == "NotFoundError"
    assert public["location"]["__typename"] == "NotFoundError"
    assert public["orgNode"] is None
    assert public["locationNode"] is None
    # Its organization is deactivated, so the service is not the public's either.
    assert public["service"] == {}


async def test_editors_still_see_them(graphql: GraphQLClient, container: Container) -> None:
    ids = await deactivated(graphql, container)
    editor = await graphql.data(READ, ids, "editor-token")
    assert editor["organization"] == {"__typename": "Organization", "status": "INACTIVE"}
    assert editor["location"] == {"__typename": "Location", "status": "inactive"}
    assert editor["orgNode"] == {"__typename": "Organization"}
    assert editor["locationNode"] == {"__typename": "Location"}
    assert editor["service"] == {"locations": [{"name": {"fr": "Ancien local"}}]}
