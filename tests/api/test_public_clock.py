"""No public clock of contacts: the log's head and each view's position move by one with each
contact, so GraphQL gives them, like `/health`'s details, to admins and monitoring tokens only,
and gives the public no position elsewhere (published figures, a consistency timeout)."""

from __future__ import annotations

import pytest

from infra.tokens import Role
from tests.api.test_organizations import CENTRE, REGISTER
from tests.support.graphql import GraphQLClient
from tests.support.tokens import TOKENS

TOKEN_OF = {Role(role): token for token, (_, role) in TOKENS.items()}
PROJECTIONS = """
{ projections {
    __typename
    ... on Projections { statuses { name position head lag } }
    ... on NotAuthorizedError { code requiredRoles }
} }
"""
FIGURES = """
query ($p: Int) { directoryStatistics(from: "2026-01-01", to: "2026-12-31", consistentWith: $p) {
    ... on DirectoryStatistics { position }
} }
"""


@pytest.mark.asyncio
async def test_only_admins_and_monitoring_read_the_projections(graphql: GraphQLClient) -> None:
    receipt = (await graphql.data(REGISTER, {"input": CENTRE}, "editor-token"))[
        "registerOrganization"
    ]
    for role in Role:
        answer = (await graphql.data(PROJECTIONS, token=TOKEN_OF.get(role)))["projections"]
        if role in (Role.ADMIN, Role.MONITORING):
            assert answer["__typename"] == "Projections", role
            assert answer["statuses"], role
            for status in answer["statuses"]:
                assert status["head"] >= receipt["position"], (role, status)
                assert status["lag"] == status["head"] - status["position"], (role, status)
        else:
            assert answer == {
                "__typename": "NotAuthorizedError",
                "code": "NOT_AUTHORIZED",
                "requiredRoles": ["monitoring"],
            }, role


@pytest.mark.asyncio
async def test_published_directory_figures_carry_no_position(graphql: GraphQLClient) -> None:
    receipt = (await graphql.data(REGISTER, {"input": CENTRE}, "editor-token"))[
        "registerOrganization"
    ]
    after = {"p": receipt["position"]}
    public = (await graphql.data(FIGURES, after))["directoryStatistics"]
    monitored = (await graphql.data(FIGURES, after, "monitoring-token"))["directoryStatistics"]
    assert public["position"] == 0
    assert monitored["position"] >= receipt["position"]


# One field of each public view that takes `consistentWith`, in one document: their waits run
# together, so a caller who may wait waits once.
EVERY_VIEW = """
query ($id: ID!, $p: Int) {
  organization(id: $id, consistentWith: $p) {
    __typename ... on Organization { id } ... on ConsistencyTimeoutError { position reached }
  }
  directoryStatistics(from: "2026-01-01", to: "2026-12-31", consistentWith: $p) {
    __typename ... on ConsistencyTimeoutError { position reached }
  }
  statistics(from: "2026-01-01", to: "2026-12-31", consistentWith: $p) {
    __typename ... on ConsistencyTimeoutError { position reached }
  }
  territories(first: 1, consistentWith: $p) {
    __typename ... on ConsistencyTimeoutError { position reached }
  }
  taxonomyTerms(first: 1, consistentWith: $p) {
    __typename ... on ConsistencyTimeoutError { position reached }
  }
  coveredTerritories(channel: PHONE, at: "2026-06-01", consistentWith: $p) {
    __typename ... on ConsistencyTimeoutError { position reached }
  }
}
"""
TIMEOUT = "ConsistencyTimeoutError"


@pytest.mark.asyncio
async def test_the_public_cannot_bisect_the_head_with_consistent_with(
    graphql: GraphQLClient,
) -> None:
    """Whether the answer came at once (data) or after the wait (a timeout) would tell where the
    views are against any position asked: the public's `consistentWith` is not waited for."""
    receipt = (await graphql.data(REGISTER, {"input": CENTRE}, "editor-token"))[
        "registerOrganization"
    ]
    at = {"id": receipt["id"], "p": receipt["position"]}
    settled = await graphql.data(EVERY_VIEW, at, "analyst-token")
    assert TIMEOUT not in {field["__typename"] for field in settled.values()}, settled

    unasked = await graphql.data(EVERY_VIEW, {"id": receipt["id"]})
    assert unasked["organization"] == {"__typename": "Organization", "id": receipt["id"]}
    # Below the head, just past it, far past it and the largest Int: the same answer, the
    # one read without `consistentWith`, so neither its type nor its timing says which.
    for position in (1, receipt["position"], receipt["position"] + 1, 1_000_000, 2**31 - 1):
        public = await graphql.data(EVERY_VIEW, {"id": receipt["id"], "p": position})
        assert public == unasked, position


@pytest.mark.asyncio
@pytest.mark.parametrize("token", ["editor-token", "counsellor-token"])
async def test_a_token_still_waits_for_its_consistent_with(
    graphql: GraphQLClient, token: str
) -> None:
    receipt = (await graphql.data(REGISTER, {"input": CENTRE}, "editor-token"))[
        "registerOrganization"
    ]
    far = receipt["position"] + 1_000
    answer = await graphql.data(EVERY_VIEW, {"id": receipt["id"], "p": far}, token)
    for name, field in answer.items():
        assert field["__typename"] == TIMEOUT, (name, field)
        assert field["position"] == far, (name, field)
        assert receipt["position"] <= field["reached"] < far, (name, field)
