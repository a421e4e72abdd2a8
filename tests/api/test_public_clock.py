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
