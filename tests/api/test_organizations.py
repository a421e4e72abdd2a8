"""The first vertical slice, through real HTTP: register, rename, read your writes."""

from __future__ import annotations

from typing import Any

from infra.bootstrap import Container
from tests.support.graphql import GraphQLClient

REGISTER = """
mutation Register($input: RegisterOrganizationInput!) {
  registerOrganization(input: $input) {
    __typename
    ... on Receipt { id version position }
    ... on Error { code message }
    ... on InvalidInputError { field }
    ... on NotAuthorizedError { role requiredRoles }
  }
}
"""

RENAME = """
mutation Rename($input: RenameOrganizationInput!) {
  renameOrganization(input: $input) {
    __typename
    ... on Receipt { id version position }
    ... on Error { code message }
    ... on VersionConflictError { expectedVersion currentVersion }
    ... on NotFoundError { id }
  }
}
"""

ORGANIZATION = """
query Organization($id: ID!, $after: Int) {
  organization(id: $id, consistentWith: $after) {
    __typename
    ... on Organization {
      id version website registeredAt changedAt
      name { fr en }
      description { fr en }
    }
    ... on Error { code message }
    ... on ConsistencyTimeoutError { position reached }
  }
}
"""

CENTRE: dict[str, Any] = {
    "name": {"fr": "Centre d'action bénévole de Laval", "en": "Laval Volunteer Centre"},
    "description": {"fr": "Aide alimentaire et accompagnement.", "en": "Food aid."},
    "website": "https://cab-laval.example.org",
}


async def register(graphql: GraphQLClient, payload: dict[str, Any], token: str) -> dict[str, Any]:
    data = await graphql.data(REGISTER, {"input": payload}, token)
    result: dict[str, Any] = data["registerOrganization"]
    return result


async def test_registered_organization_is_readable_at_its_position(
    graphql: GraphQLClient,
) -> None:
    receipt = await register(graphql, CENTRE, "editor-token")
    assert receipt["__typename"] == "Receipt"
    assert receipt["version"] == 1
    assert receipt["position"] >= 1

    data = await graphql.data(
        ORGANIZATION, {"id": receipt["id"], "after": receipt["position"]}, "editor-token"
    )

    organization = data["organization"]
    assert organization["__typename"] == "Organization"
    assert organization["id"] == receipt["id"]
    assert organization["name"] == CENTRE["name"]
    assert organization["description"] == CENTRE["description"]
    assert organization["website"] == CENTRE["website"]
    assert organization["version"] == 1


async def test_rename_with_the_version_seen_changes_the_name(graphql: GraphQLClient) -> None:
    receipt = await register(graphql, CENTRE, "editor-token")
    new_name = {"fr": "CAB Laval", "en": "Laval VC"}

    renamed = await graphql.data(
        RENAME,
        {"input": {"id": receipt["id"], "expectedVersion": 1, "name": new_name, "reason": "Sigle"}},
        "admin-token",
    )

    assert renamed["renameOrganization"]["__typename"] == "Receipt"
    assert renamed["renameOrganization"]["version"] == 2
    position = renamed["renameOrganization"]["position"]
    assert position > receipt["position"]
    data = await graphql.data(ORGANIZATION, {"id": receipt["id"], "after": position}, "admin-token")
    assert data["organization"]["name"] == new_name
    assert data["organization"]["version"] == 2


async def test_a_stale_version_is_a_conflict_and_writes_nothing(
    graphql: GraphQLClient, container: Container
) -> None:
    receipt = await register(graphql, CENTRE, "editor-token")
    first = {"id": receipt["id"], "expectedVersion": 1, "name": {"fr": "Premier", "en": ""}}
    await graphql.data(RENAME, {"input": first}, "editor-token")
    head = container.head()

    second = {"id": receipt["id"], "expectedVersion": 1, "name": {"fr": "Second", "en": ""}}
    data = await graphql.data(RENAME, {"input": second}, "editor-token")

    conflict = data["renameOrganization"]
    assert conflict["__typename"] == "VersionConflictError"
    assert conflict["code"] == "VERSION_CONFLICT"
    assert conflict["expectedVersion"] == 1
    assert conflict["currentVersion"] == 2
    assert container.head() == head


async def test_renaming_an_unknown_organization_is_not_found(graphql: GraphQLClient) -> None:
    missing = "0b5f4bc4-8d8e-4a43-a2c1-1f0a3b9c0d11"
    data = await graphql.data(
        RENAME,
        {"input": {"id": missing, "expectedVersion": 1, "name": {"fr": "X"}}},
        "editor-token",
    )
    assert data["renameOrganization"]["__typename"] == "NotFoundError"
    assert data["renameOrganization"]["id"] == missing


async def test_unknown_organization_is_a_typed_not_found(graphql: GraphQLClient) -> None:
    data = await graphql.data(ORGANIZATION, {"id": "7d1b1c70-0000-4000-8000-000000000000"})
    assert data["organization"]["__typename"] == "NotFoundError"
    assert data["organization"]["code"] == "NOT_FOUND"


async def test_a_malformed_id_names_the_argument(graphql: GraphQLClient) -> None:
    data = await graphql.data(ORGANIZATION, {"id": "not-a-uuid"})
    assert data["organization"]["__typename"] == "InvalidInputError"
    assert "not-a-uuid" in data["organization"]["message"]


async def test_invalid_input_names_the_field_and_writes_nothing(
    graphql: GraphQLClient, container: Container
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": {"fr": "  ", "en": ""}}, "input.name"),
        ({"name": {"fr": "x" * 301}}, "input.name.fr"),
        ({"name": {"fr": "Centre"}, "website": "ftp://example.org"}, "input.website"),
        ({"name": {"fr": "Centre"}, "description": {"en": "y" * 10_001}}, "input.description.en"),
    ]
    for payload, field in cases:
        result = await register(graphql, payload, "editor-token")
        assert result["__typename"] == "InvalidInputError", payload
        assert result["field"] == field
        assert result["code"] == "INVALID_INPUT"
    assert container.head() == 0


async def test_consistent_with_a_position_not_reached_times_out(
    graphql: GraphQLClient, container: Container
) -> None:
    receipt = await register(graphql, CENTRE, "editor-token")
    far = receipt["position"] + 1_000

    data = await graphql.data(ORGANIZATION, {"id": receipt["id"], "after": far}, "editor-token")
    public = await graphql.data(ORGANIZATION, {"id": receipt["id"], "after": far})

    timeout = data["organization"]
    assert timeout["__typename"] == "ConsistencyTimeoutError"
    assert timeout["position"] == far
    assert timeout["reached"] >= receipt["position"]
    assert timeout["reached"] < far
    # Without a token the position is not waited for: whether the wait ran out would tell
    # where the views are, so when contacts are logged. (The editor's wait saw the record in.)
    assert public["organization"]["__typename"] == "Organization"
    assert public["organization"]["id"] == receipt["id"]
