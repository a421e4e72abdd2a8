"""A result union tells the client which expected errors it may answer and what to do about
each: its description names every error member, and no error it cannot answer, so a member
added later without its advice shows here."""

from __future__ import annotations

import re

import pytest

from tests.support.graphql import GraphQLClient

UNIONS = """
{ __schema { types { name kind description possibleTypes { name } } } }
"""
# How `api.described.outcomes` introduces each error's advice.
ADVICE = re.compile(r"\b(\w+Error): ")


@pytest.mark.asyncio
async def test_each_result_union_advises_on_exactly_its_errors(graphql: GraphQLClient) -> None:
    types = (await graphql.data(UNIONS))["__schema"]["types"]
    advised = {
        t["name"]: t
        for t in types
        if t["kind"] == "UNION" and ADVICE.search(t["description"] or "")
    }
    # Reads, writes and contacts of several areas are among them: the check is not vacuous.
    assert {"AuditLogResult", "EditRecordResult", "InteractionResult", "CoverageResult"} <= set(
        advised
    )
    for name, union in advised.items():
        named = sorted(ADVICE.findall(union["description"]))
        members = sorted(m["name"] for m in union["possibleTypes"] if m["name"].endswith("Error"))
        assert named == members, name
