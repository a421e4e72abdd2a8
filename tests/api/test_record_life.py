"""A record's life through GraphQL: edits as facts, field-level history, the verification queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.directory import VerificationMethod
from domain.handlers.directory import RegisterService, VerifyRecord
from domain.values import LocalizedText
from infra.bootstrap import Container
from tests.api.test_organizations import CENTRE, REGISTER
from tests.support.graphql import GraphQLClient
from tests.support.seed import register

EDIT_RESULT = """
    __typename
    ... on Receipt { id version position }
    ... on Error { code message }
    ... on InvalidInputError { field }
    ... on VersionConflictError { currentVersion }
"""

HISTORY = """
query ($id: ID!, $after: String, $first: Int!, $p: Int) {
  recordHistory(id: $id, after: $after, first: $first, consistentWith: $p) {
    __typename
    ... on RecordHistory {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { version fact field previousValue newValue actor occurredAt recordedAt reason }
    }
    ... on Error { code }
  }
}
"""


async def mutate(graphql: GraphQLClient, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    kind = name[0].upper() + name[1:]
    inputs = {
        "amendOrganization": "AmendOrganizationInput",
        "verifyRecord": "VerifyRecordInput",
        "flagRecordForReview": "RecordReasonInput",
        "deactivateRecord": "RecordReasonInput",
        "reactivateRecord": "ReactivateInput",
        "mergeRecord": "MergeRecordInput",
    }
    document = (
        f"mutation {kind}($input: {inputs[name]}!) {{ {name}(input: $input) {{ {EDIT_RESULT} }} }}"
    )
    data = await graphql.data(document, {"input": payload}, "editor-token")
    result: dict[str, Any] = data[name]
    return result


async def registered(graphql: GraphQLClient) -> dict[str, Any]:
    data = await graphql.data(REGISTER, {"input": CENTRE}, "editor-token")
    receipt: dict[str, Any] = data["registerOrganization"]
    return receipt


async def test_history_shows_field_old_new_actor_time_and_reason(graphql: GraphQLClient) -> None:
    receipt = await registered(graphql)
    record = receipt["id"]
    amended = await mutate(
        graphql,
        "amendOrganization",
        {
            "id": record,
            "expectedVersion": 1,
            "name": {"fr": "CAB Laval", "en": "Laval VC"},
            "website": "https://cablaval.example.org",
            "reason": "Nouveau nom légal",
        },
    )
    assert amended["version"] == 3
    verified = await mutate(
        graphql,
        "verifyRecord",
        {"id": record, "expectedVersion": 3, "method": "PHONE", "confirmedBy": "Mme Roy"},
    )

    data = await graphql.data(
        HISTORY, {"id": record, "first": 50, "p": verified["position"]}, "editor-token"
    )

    history = data["recordHistory"]
    by_field = {(c["version"], c["field"]): c for c in history["nodes"]}
    renamed = by_field[(2, "name.fr")]
    assert renamed["fact"] == "Renamed"
    assert renamed["previousValue"] == CENTRE["name"]["fr"]
    assert renamed["newValue"] == "CAB Laval"
    assert renamed["actor"] == "edith"
    assert renamed["reason"] == "Nouveau nom légal"
    assert datetime.fromisoformat(renamed["occurredAt"]) <= datetime.now(UTC)
    website = by_field[(3, "website")]
    assert website["previousValue"] == CENTRE["website"]
    assert website["newValue"] == "https://cablaval.example.org"
    assert by_field[(4, "verification.confirmed_by")]["newValue"] == "Mme Roy"
    assert by_field[(1, "name.fr")]["previousValue"] is None
    assert history["nodes"][-1]["version"] == 4
    assert history["totalCount"] == len(history["nodes"])
    assert history["pageInfo"]["hasNextPage"] is False


async def test_history_pages_through_every_change_once(graphql: GraphQLClient) -> None:
    receipt = await registered(graphql)
    amended = await mutate(
        graphql,
        "amendOrganization",
        {"id": receipt["id"], "expectedVersion": 1, "name": {"fr": "Deux", "en": "Two"}},
    )

    whole = (await graphql.data(
        HISTORY, {"id": receipt["id"], "first": 50, "p": amended["position"]}, "editor-token"
    ))["recordHistory"]  # fmt: skip
    seen: list[tuple[int, str]] = []
    after = None
    while True:
        page = (await graphql.data(
            HISTORY, {"id": receipt["id"], "after": after, "first": 2}, "editor-token"
        ))["recordHistory"]  # fmt: skip
        seen += [(c["version"], c["field"]) for c in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [(c["version"], c["field"]) for c in whole["nodes"]]
    assert len(set(seen)) == len(seen) == whole["totalCount"]
    assert {version for version, _ in seen} == {1, 2}


async def test_edits_give_typed_errors_and_write_nothing(
    graphql: GraphQLClient, container: Container
) -> None:
    receipt = await registered(graphql)
    record = receipt["id"]
    head = container.head()

    stale = await mutate(
        graphql, "deactivateRecord", {"id": record, "expectedVersion": 7, "reason": "x"}
    )
    no_reason = await mutate(
        graphql, "deactivateRecord", {"id": record, "expectedVersion": 1, "reason": " "}
    )
    bad_site = await mutate(
        graphql, "amendOrganization", {"id": record, "expectedVersion": 1, "website": "nope"}
    )
    itself = await mutate(
        graphql, "mergeRecord", {"id": record, "expectedVersion": 1, "targetId": record}
    )

    assert stale["__typename"] == "VersionConflictError"
    assert stale["currentVersion"] == 1
    assert (no_reason["__typename"], no_reason["field"]) == ("InvalidInputError", "input.reason")
    assert (bad_site["__typename"], bad_site["field"]) == ("InvalidInputError", "input.website")
    assert (itself["__typename"], itself["field"]) == ("InvalidInputError", "input.targetId")
    assert container.head() == head


async def test_deactivate_merge_and_status(graphql: GraphQLClient) -> None:
    kept, duplicate = await registered(graphql), await registered(graphql)
    merged = await mutate(
        graphql,
        "mergeRecord",
        {"id": duplicate["id"], "expectedVersion": 1, "targetId": kept["id"], "reason": "doublon"},
    )

    data = await graphql.data(
        "query ($id: ID!, $p: Int) { organization(id: $id, consistentWith: $p) "
        "{ ... on Organization { status mergedInto } } }",
        {"id": duplicate["id"], "p": merged["position"]},
        "editor-token",  # a merged record is the directory team's, as an inactive one is
    )

    assert data["organization"] == {"status": "MERGED", "mergedInto": kept["id"]}


QUEUE = """
query ($state: VerificationState!, $asOf: DateTime, $p: Int, $kinds: [RecordKind!]) {
  verificationQueue(state: $state, asOf: $asOf, consistentWith: $p, kinds: $kinds) {
    __typename
    ... on VerificationList { totalCount nodes { name { fr } kind lastVerifiedAt } }
  }
}
"""


async def test_the_verification_queue(graphql: GraphQLClient, container: Container) -> None:
    operations = container.operations
    as_of = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    register(operations, 1, at=datetime(2025, 3, 1, tzinfo=UTC))
    register(operations, 2, at=datetime(2025, 7, 1, tzinfo=UTC))
    register(operations, 3, at=datetime(2026, 1, 5, tzinfo=UTC))
    checked = register(operations, 4, at=datetime(2024, 1, 5, tzinfo=UTC))
    handler = container.directory_handler
    verify = VerifyRecord(checked.id, 1, VerificationMethod.EMAIL, "Dir.")
    handler.verify_record(verify, actor="ada", at=datetime(2026, 2, 1, tzinfo=UTC))
    service = uuid4()
    last = handler.register_service(
        RegisterService(service, checked.id, LocalizedText("Atelier", "")),
        actor="t", at=datetime(2025, 2, 1, tzinfo=UTC),
    )  # fmt: skip

    async def names(state: str, kinds: list[str] | None = None) -> list[str]:
        data = await graphql.data(
            QUEUE,
            {"state": state, "asOf": as_of.isoformat(), "p": last.position, "kinds": kinds},
            "editor-token",
        )
        return [item["name"]["fr"] for item in data["verificationQueue"]["nodes"]]

    assert await names("OVERDUE") == ["Atelier", "Organisme 1"]
    assert await names("OVERDUE", ["ORGANIZATION"]) == ["Organisme 1"]
    assert await names("OVERDUE", ["SERVICE"]) == ["Atelier"]
    assert await names("DUE") == ["Organisme 2"]
    assert await names("VERIFIED_THIS_YEAR") == ["Organisme 4"]
    public = await graphql.data(QUEUE, {"state": "DUE"})
    assert public["verificationQueue"]["__typename"] == "NotAuthorizedError"


async def test_the_queue_names_the_organization_of_each_service(
    graphql: GraphQLClient, container: Container
) -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    owners = [register(container.operations, number, at=at) for number in (1, 2)]
    handler = container.directory_handler
    for owner in owners:
        last = handler.register_service(
            RegisterService(uuid4(), owner.id, LocalizedText("Atelier", "Workshop")),
            actor="t", at=at,
        )  # fmt: skip

    data = await graphql.data(
        "query ($p: Int) { verificationQueue(state: OVERDUE, consistentWith: $p) {"
        " ... on VerificationList { nodes { kind name { fr } organizationName { fr en } } } } }",
        {"p": last.position},
        "editor-token",
    )

    named = {
        (node["kind"], node["name"]["fr"], node["organizationName"]["fr"])
        if node["organizationName"] else (node["kind"], node["name"]["fr"], None)
        for node in data["verificationQueue"]["nodes"]
    }  # fmt: skip
    assert named == {
        ("organization", "Organisme 1", None),
        ("organization", "Organisme 2", None),
        ("service", "Atelier", "Organisme 1"),
        ("service", "Atelier", "Organisme 2"),
    }


async def test_a_service_of_an_inactive_organization_is_not_reactivated(
    graphql: GraphQLClient, container: Container
) -> None:
    owner = await registered(graphql)
    service = uuid4()
    at = datetime(2026, 2, 1, tzinfo=UTC)
    handler = container.directory_handler
    handler.register_service(
        RegisterService(service, UUID(owner["id"]), LocalizedText("Atelier", "")), actor="t", at=at
    )
    for id in (str(service), owner["id"]):
        await mutate(graphql, "deactivateRecord", {"id": id, "expectedVersion": 1, "reason": "x"})
    head = container.head()

    refused = await mutate(graphql, "reactivateRecord", {"id": str(service), "expectedVersion": 2})

    assert (refused["__typename"], refused["field"]) == ("InvalidInputError", "input.id")
    assert "organization" in refused["message"]
    assert container.head() == head
