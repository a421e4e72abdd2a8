"""Hostile text through GraphQL: too long, too many, or holding a NUL. Each is refused with
INVALID_INPUT naming the input path, and nothing is stored; read arguments likewise, never a
masked server error."""

from __future__ import annotations

from typing import Any

import pytest

from infra.bootstrap import Container
from tests.api.test_organizations import CENTRE, REGISTER
from tests.support.graphql import GraphQLClient

RECORD = """
mutation ($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename
    ... on InteractionReceipt { id }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}
"""
FLAG = """
mutation ($input: RecordReasonInput!) {
  flagRecordForReview(input: $input) {
    __typename ... on Error { code message } ... on InvalidInputError { field }
  }
}
"""
AGREE = """
mutation ($input: AgreeCoverageInput!) {
  agreeCoverage(input: $input) {
    __typename ... on Error { code message } ... on InvalidInputError { field }
  }
}
"""
REFUSAL = "__typename ... on Error { code message } ... on InvalidInputError { field }"


def contact(key: str, **changes: Any) -> dict[str, Any]:
    return {
        "key": key,
        "channel": "PHONE",
        "startedAt": "2026-03-02T09:00:00-05:00",
        "endedAt": "2026-03-02T09:10:00-05:00",
        "language": "fr",
        "inquirer": {"type": "SELF"},
        "needs": [{"code": "BD-1800.2000", "information": "Banque alimentaire du quartier"}],
        **changes,
    }


def refused(result: dict[str, Any], field: str) -> None:
    assert result["__typename"] == "InvalidInputError", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", field), result


@pytest.mark.asyncio
async def test_a_huge_contact_is_refused_naming_the_field(
    container: Container, graphql: GraphQLClient
) -> None:
    head = container.head()
    huge_counsellor = contact("attack-1a", counsellor="c" * 400_000)
    many_needs = contact(
        "attack-1b",
        needs=[{"code": "BD-1800.2000", "information": "i" * 1_900} for _ in range(250)],
    )
    long_information = contact(
        "attack-1c", needs=[{"code": "BD-1800.2000", "information": "i" * 2_001}]
    )
    cases = [
        (huge_counsellor, "input.counsellor"),
        (many_needs, "input.needs"),
        (long_information, "input.needs[0].information"),
    ]
    for document, field in cases:
        result = await graphql.data(RECORD, {"input": document}, "counsellor-token")
        refused(result["recordInteraction"], field)
    assert container.head() == head, "nothing is stored"
    fifty = contact(
        "fifty-needs",
        needs=[{"code": "BD-1800.2000", "information": "i" * 2_000} for _ in range(50)],
    )
    logged = await graphql.data(RECORD, {"input": fifty}, "counsellor-token")
    assert logged["recordInteraction"]["__typename"] == "InteractionReceipt", logged


@pytest.mark.asyncio
async def test_a_nul_in_a_mutation_is_refused_naming_the_field(
    container: Container, graphql: GraphQLClient
) -> None:
    made = await graphql.data(REGISTER, {"input": CENTRE}, "editor-token")
    record = made["registerOrganization"]["id"]
    head = container.head()

    named = await graphql.data(REGISTER, {"input": {"name": {"fr": "a\u0000b"}}}, "editor-token")
    refused(named["registerOrganization"], "input.name.fr")
    flag = {"id": record, "expectedVersion": 1, "reason": "à revoir\u0000"}
    flagged = await graphql.data(FLAG, {"input": flag}, "editor-token")
    refused(flagged["flagRecordForReview"], "input.reason")
    agreement = {
        "territories": ["RA-06"], "channels": ["PHONE"], "effectiveFrom": "2024-01-01",
        "funder": "Centraide\u0000",
    }  # fmt: skip
    agreed = await graphql.data(AGREE, {"input": agreement}, "coverage-token")
    refused(agreed["agreeCoverage"], "input.funder")
    long_reason = {"id": record, "expectedVersion": 1, "reason": "r" * 1_001}
    refused((await graphql.data(FLAG, {"input": long_reason}, "editor-token"))[
        "flagRecordForReview"], "input.reason")  # fmt: skip
    assert container.head() == head, "nothing is stored"


READS = [
    ("territory", 'territory(code: "66\\u0000023") { ' + REFUSAL + " }", "code"),
    ("territories", 'territories(within: "RA\\u0000-06") { ' + REFUSAL + " }", "within"),
    (
        "coverage",
        'coverage(territory: "66023\\u0000", channel: PHONE, at: "2024-01-01") { '
        + REFUSAL + " }",
        "territory",
    ),
    (
        "coverageTimeline",
        'coverageTimeline(territory: "\\u0000", channel: PHONE) { ' + REFUSAL + " }",
        "territory",
    ),
    ("auditLog", 'auditLog(actor: "ada\\u0000") { ' + REFUSAL + " }", "actor"),
    ("auditLog", 'auditLog(types: ["guichet.\\u0007"]) { ' + REFUSAL + " }", "types[0]"),
    (
        "interactions",
        'interactions(from: "2026-01-01", to: "2026-01-02", counsellor: "c\\u0000") { '
        + REFUSAL + " }",
        "counsellor",
    ),
    ("history", 'history(id: "\\u0000") { ' + REFUSAL + " }", "id"),
    ("recordHistory", 'recordHistory(id: "\\u0000") { ' + REFUSAL + " }", "id"),
]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "selection", "field"), READS, ids=[r[0] for r in READS])
async def test_a_nul_in_a_read_argument_is_invalid_input(
    graphql: GraphQLClient, name: str, selection: str, field: str
) -> None:
    token = "auditor-token" if name in ("auditLog", "history", "interactions") else "editor-token"
    data = await graphql.data("{ " + selection + " }", token=token)
    refused(data[name], field)


@pytest.mark.asyncio
async def test_the_schema_states_each_maximum(graphql: GraphQLClient) -> None:
    query = """
    { __schema { types { name inputFields { name description } } } }
    """
    types = (await graphql.data(query))["__schema"]["types"]
    fields = {
        (t["name"], f["name"]): f["description"] or ""
        for t in types
        for f in t["inputFields"] or []
    }
    assert "At most 300 characters" in fields[("RegisterOrganizationInput", "name")]
    assert "At most 10,000 characters" in fields[("RegisterServiceInput", "eligibility")]
    assert "At most 1,000 characters" in fields[("RecordReasonInput", "reason")]
    assert "At most 200 characters" in fields[("RecordInteractionInput", "counsellor")]
    assert "At most 50 needs" in fields[("RecordInteractionInput", "needs")]
    assert "At most 2,000 characters" in fields[("NeedInput", "information")]
    assert "At most 20 referrals" in fields[("NeedInput", "referralServiceIds")]
    assert "At most 20 characters" in fields[("AddressInput", "postalCode")]
    assert "At most 2,000 territory codes" in fields[("AgreeCoverageInput", "territories")]
    assert "At most 500 territory codes" in fields[("AmendServiceInput", "serviceAreas")]
