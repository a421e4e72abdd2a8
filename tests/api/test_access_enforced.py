"""The role table is applied by the schema, alone (no resolver checks a role): each restricted
operation still refuses the roles `api/access.py` does not give it, before it
reads a byte of its input. The WebSocket carries subscriptions only, and the one there is is
open to everyone: a small schema holds restricted subscriptions to the same check.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter

from api import access
from api.errors import NotAuthorizedError
from api.guards import Authorized, ruled
from api.schema import build_schema
from infra.settings import Settings
from infra.tokens import Principal, Role
from tests.api.test_access_matrix import TOKEN_OF, document
from tests.support.graphql import GraphQLClient

SCHEMA = build_schema(Settings.from_environ({}))._schema
ROOTS = ("Query", "Mutation", "Subscription")
MALFORMED_ID = "not-an-id"


def restricted() -> Iterator[tuple[str, str]]:
    for operation, roles in access.RULES.items():
        if roles != access.EVERYONE:
            root, name = operation.split(".")
            yield root, name


def malformed(value: Any) -> Any:
    """The made-up arguments, with every id malformed: an allowed caller is told so."""
    if isinstance(value, dict):
        return {key: MALFORMED_ID if key.endswith("id") or key.endswith("Id") else malformed(item)
                for key, item in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [malformed(item) for item in value]
    return value


def test_every_restricted_operation_carries_the_check_and_open_ones_do_not() -> None:
    carried = {}
    for root_name in ROOTS:
        root = SCHEMA.get_type(root_name)
        assert isinstance(root, GraphQLObjectType)
        for name, field in root.fields.items():
            definition = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
            checks = [e for e in definition.extensions if isinstance(e, Authorized)]
            carried[f"{root_name}.{name}"] = [(check.operation, check.roles) for check in checks]
    assert set(carried) == set(access.RULES)
    for operation, roles in access.RULES.items():
        narrowed = any(rule.startswith(f"{operation}.") for rule in access.ARGUMENTS)
        expected = [] if roles == access.EVERYONE and not narrowed else [(operation, roles)]
        assert carried[operation] == expected, operation


def test_building_the_schema_again_adds_no_second_check() -> None:
    build_schema(Settings.from_environ({}))
    again = build_schema(Settings.from_environ({}))._schema
    for operation in access.RULES:
        root_name, name = operation.split(".")
        root = again.get_type(root_name)
        assert isinstance(root, GraphQLObjectType)
        definition = root.fields[name].extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        checks = [e for e in definition.extensions if isinstance(e, Authorized)]
        assert len(checks) <= 1, operation


def test_an_argument_rule_must_name_an_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(access.ARGUMENTS, "Query.searchServices.includeInactiv", access.EDITORS)
    with pytest.raises(RuntimeError, match=r"includeInactiv\b"):
        build_schema(Settings.from_environ({}))


def test_a_restricted_operation_whose_result_cannot_refuse_is_not_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(access.RULES, "Subscription.statisticsChanged", access.AUDITORS)
    with pytest.raises(RuntimeError, match=r"Subscription\.statisticsChanged"):
        build_schema(Settings.from_environ({}))


async def test_each_refused_role_is_refused_before_its_input_is_read(
    graphql: GraphQLClient,
) -> None:
    disagreements = []
    operations, told_malformed = 0, set()
    for root, name in restricted():
        if root == "Subscription":
            continue  # none is restricted today; the last test holds subscriptions to it
        operations += 1
        query, variables = document(root, name, SCHEMA.get_type(root).fields[name])  # type: ignore[union-attr]
        query = query.replace("{ __typename }", "{ __typename ... on Error { code } }")
        allowed = [role for role in Role if access.allowed(f"{root}.{name}", role)]
        # Every role refused, and the first allowed one, who reads the input.
        for role in [role for role in Role if role not in allowed] + allowed[:1]:
            body = (await graphql.post(query, malformed(variables), TOKEN_OF.get(role))).json()
            assert "errors" not in body, (query, role, body)
            found = body["data"][name]
            refused = found["__typename"] == "NotAuthorizedError"
            if refused == access.allowed(f"{root}.{name}", role):
                disagreements.append(f"{root}.{name} as {role.value}: {found}")
            if found.get("code") == "INVALID_INPUT":
                told_malformed.add(name)
    assert disagreements == []
    # Most operations told their allowed callers the input was malformed: only the check stood
    # in the others' way.
    assert len(told_malformed) > operations * 3 // 4


@strawberry.type
class Tick:
    count: int


TickResult = Annotated[Tick | NotAuthorizedError, strawberry.union("TickResult")]


@strawberry.type
class Ticks:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[TickResult, None]:
        for count in range(2):
            yield Tick(count=count)


@strawberry.type
class Nothing:
    @strawberry.field
    def nothing(self) -> int:
        return 0


@dataclass
class Caller:
    principal: Principal


async def test_a_refused_subscription_sends_its_refusal_and_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(access.RULES, "Subscription.ticks", access.AUDITORS)
    schema = strawberry.Schema(query=Nothing, subscription=ruled(Ticks, "Subscription"))

    async def answers(role: Role) -> list[Any]:
        stream = await schema.subscribe(
            "subscription { ticks { __typename ... on Tick { count } } }",
            context_value=Caller(Principal("someone", role)),
        )
        assert isinstance(stream, AsyncIterator), stream
        return [(result.data or {})["ticks"] async for result in stream]

    assert await answers(Role.ANALYST) == [{"__typename": "NotAuthorizedError"}]
    assert await answers(Role.AUDITOR) == [
        {"__typename": "Tick", "count": 0},
        {"__typename": "Tick", "count": 1},
    ]
