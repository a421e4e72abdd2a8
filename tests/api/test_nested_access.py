"""Nested fields and `node(id)` as every role: restricted fields answer null to the others, and
`node` gives each role only the records its type rules let it see."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from api import access
from domain.handlers.directory import DeactivateRecord, FlagRecordForReview
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import demo_id, load_demo
from infra.demo_calls import Plan, generate
from infra.territories import load_reference
from infra.tokens import Role
from tests.support.graphql import GraphQLClient
from tests.support.tokens import TOKENS

TOKEN_OF = {Role(role): token for token, (_, role) in TOKENS.items()}
ORGANIZATION, LOCATION = demo_id("organization", 0), demo_id("location", 0)
SERVICE, CLOSED = demo_id("service", 0, 0), demo_id("service", 0, 1)
NODE = """
query ($id: ID!, $after: Int) {
  node(id: $id, consistentWith: $after) {
    __typename id
    ... on Organization { name { fr } }
    ... on Service { name { fr } locations { id } }
    ... on Interaction { key inquirer { type } }
  }
}
"""


@pytest.fixture
def seeded(container: Container) -> dict[str, Any]:
    """The demo directory with one organization flagged and one service closed, and a contact."""
    clock = SystemClock()
    load_reference(container.operations, clock)
    load_demo(container.directory_handler, clock.now())
    operations = container.operations
    directory = container.directory_handler
    directory.flag_record_for_review(
        FlagRecordForReview(ORGANIZATION, 1, "téléphone hors service"),
        actor="edith", at=clock.now(),
    )  # fmt: skip
    version: int = operations.repository.get(CLOSED).version
    directory.deactivate_record(
        DeactivateRecord(CLOSED, version, "fermé"), actor="edith", at=clock.now()
    )
    [contact] = generate(Plan(1, date(2026, 3, 2), date(2026, 3, 2), seed=2))
    operations.save(contact)
    return {"contact": contact, "head": container.head()}


async def as_each_role(
    graphql: GraphQLClient, query: str, variables: dict[str, Any] | None = None
) -> dict[Role, dict[str, Any]]:
    return {role: await graphql.data(query, variables, TOKEN_OF.get(role)) for role in Role}


@pytest.mark.asyncio
async def test_a_flag_reason_is_shown_to_editors_only(
    graphql: GraphQLClient, seeded: dict[str, Any]
) -> None:
    query = """query ($id: ID!, $after: Int) {
      organization(id: $id, consistentWith: $after) { ... on Organization { flaggedReason } }
    }"""
    answers = await as_each_role(graphql, query, {"id": str(ORGANIZATION), "after": seeded["head"]})
    for role, data in answers.items():
        expected = "téléphone hors service" if role in (Role.EDITOR, Role.ADMIN) else None
        assert data["organization"]["flaggedReason"] == expected, role


@pytest.mark.asyncio
async def test_a_projection_error_is_shown_to_admins_only(
    graphql: GraphQLClient, container: Container
) -> None:
    runner = container.runners["directory"]
    runner.stop()  # a running runner clears its error once it applies a page again
    runner.last_error = "connection to db.internal:5432 refused"
    query = "{ projections { ... on Projections { statuses { name error } } } }"
    for role in (Role.ADMIN, Role.MONITORING):  # the others may not ask (`test_public_clock`)
        data = await graphql.data(query, token=TOKEN_OF[role])
        errors = {p["name"]: p["error"] for p in data["projections"]["statuses"]}
        expected = "connection to db.internal:5432 refused" if role is Role.ADMIN else None
        assert errors["directory"] == expected, role
    assert access.FIELDS["ProjectionStatus.error"] == access.ADMINS


@pytest.mark.asyncio
async def test_node_gives_each_role_what_its_types_allow(
    graphql: GraphQLClient, seeded: dict[str, Any]
) -> None:
    contact: UUID = seeded["contact"].id
    expected_type = {
        ORGANIZATION: "Organization", SERVICE: "Service", LOCATION: "Location",
        CLOSED: "Service", contact: "Interaction",
    }  # fmt: skip
    await graphql.settle(seeded["head"])  # the public's own `consistentWith` is not waited for
    for id, type_name in expected_type.items():
        answers = await as_each_role(graphql, NODE, {"id": str(id), "after": seeded["head"]})
        for role, data in answers.items():
            visible = access.may_see(type_name, role)
            if id == CLOSED:  # an inactive service is the directory team's, as `service(id)`
                visible = role in (Role.EDITOR, Role.ADMIN)
            node = data["node"]
            assert (node is not None) == visible, (type_name, id, role, node)
            if node is not None:
                assert (node["__typename"], node["id"]) == (type_name, str(id))
    readers = await as_each_role(graphql, NODE, {"id": str(contact), "after": seeded["head"]})
    assert {role for role, data in readers.items() if data["node"]} == {
        Role.COUNSELLOR, Role.ANALYST, Role.AUDITOR, Role.ADMIN}  # fmt: skip
    assert readers[Role.AUDITOR]["node"]["key"] == seeded["contact"].key
    service = (await graphql.data(NODE, {"id": str(SERVICE)}))["node"]
    assert service["locations"] == [{"id": str(LOCATION)}]


@pytest.mark.asyncio
async def test_node_is_null_for_an_unknown_id_and_an_error_for_a_malformed_one(
    graphql: GraphQLClient, seeded: dict[str, Any]
) -> None:
    assert (await graphql.data(NODE, {"id": str(UUID(int=7))}))["node"] is None
    response = await graphql.post(NODE, {"id": "not-an-id"})
    body = response.json()
    assert body["data"] == {"node": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "id"}
    assert "'not-an-id' is not a record id" in error["message"]
