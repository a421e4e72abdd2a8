"""Every operation of the schema, called as every role, answers as `api/access.py` says.

The documents are made from the schema itself, with the least arguments each operation
takes, so an operation added without a rule, or with a rule its resolver does not keep, fails
here. A refused caller gets `NotAuthorizedError`; an allowed one gets anything else (most
often an error about the made-up arguments, which is after the access check). Nested fields are
held to the type rules by walking the schema from every operation (`api.exposure`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

from api import access
from api.contact_records import InteractionRecord
from api.exposure import exposures
from api.schema import build_schema, object_types, operations
from infra.settings import Settings
from infra.tokens import Role
from tests.support.graphql import GraphQLClient
from tests.support.tokens import TOKENS

SCHEMA = build_schema(Settings.from_environ({}))._schema
TOKEN_OF = {Role(role): token for token, (_, role) in TOKENS.items()}
SAMPLES: dict[str, Any] = {
    "ID": str(UUID(int=211)), "String": "x", "Int": 1, "Float": 1.0, "Boolean": False,
    "Date": "2026-01-01", "DateTime": "2026-01-01T00:00:00+00:00", "JSON": {},
}  # fmt: skip


def sample(kind: GraphQLInputType) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return sample(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [sample(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {
            name: sample(field.type) for name, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }  # fmt: skip
    assert isinstance(kind, GraphQLScalarType)
    return SAMPLES[kind.name]


def document(root: str, name: str, field: GraphQLField) -> tuple[str, dict[str, Any]]:
    required = {
        arg: value for arg, value in field.args.items()
        if isinstance(value.type, GraphQLNonNull) and value.default_value is Undefined
    }  # fmt: skip
    declared = "".join(f"${arg}: {value.type} " for arg, value in required.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in required)
    result = get_named_type(field.type)
    composite = GraphQLObjectType | GraphQLUnionType | GraphQLInterfaceType
    selection = "{ __typename }" if isinstance(result, composite) else ""
    operation = root.lower()
    head = f"{operation} ({declared})" if declared else operation
    call = f"{name}({passed})" if passed else name
    return (
        f"{head} {{ {call} {selection} }}",
        {arg: sample(value.type) for arg, value in required.items()},
    )


def refusable(field: GraphQLField) -> bool:
    result = get_named_type(field.type)
    return isinstance(result, GraphQLUnionType) and any(
        member.name == "NotAuthorizedError" for member in result.types
    )


def test_every_operation_has_a_rule_and_open_operations_cannot_refuse() -> None:
    assert access.unruled(operations(build_schema(Settings.from_environ({})))) == []
    assert set(access.RULES) == set(operations(build_schema(Settings.from_environ({}))))
    for operation in access.RULES:
        root, name = operation.split(".")
        field = SCHEMA.get_type(root).fields[name]  # type: ignore[union-attr]
        if not refusable(field):
            assert access.RULES[operation] == access.EVERYONE, f"{operation} cannot refuse"


@pytest.mark.asyncio
async def test_each_role_is_let_in_or_refused_as_the_table_says(graphql: GraphQLClient) -> None:
    disagreements = []
    for root in ("Query", "Mutation"):
        for name, field in SCHEMA.get_type(root).fields.items():  # type: ignore[union-attr]
            query, variables = document(root, name, field)
            for role in Role:
                response = await graphql.post(query, variables, TOKEN_OF.get(role))
                body = response.json()
                assert response.status_code == 200, (query, variables, role, body)
                assert "errors" not in body, (query, variables, role, body["errors"])
                found = body["data"][name]
                refused = isinstance(found, dict) and found["__typename"] == "NotAuthorizedError"
                if refused != (not access.allowed(f"{root}.{name}", role)):
                    disagreements.append(
                        f"{root}.{name} as {role.value}: {'refused' if refused else found}"
                    )
    assert disagreements == [], "answers that differ from api/access.py"


def test_no_operation_lets_a_role_reach_a_type_not_meant_for_it() -> None:
    assert exposures(SCHEMA) == []
    assert access.untyped(object_types(build_schema(Settings.from_environ({})))) == []


@strawberry.type(name="Service")
class LeakyService:
    id: strawberry.ID

    @strawberry.field
    def recent_callers(self) -> list[InteractionRecord]:
        return []


@strawberry.type(name="Query")
class LeakyQuery:
    @strawberry.field
    def service(self) -> LeakyService:
        return LeakyService(id=strawberry.ID("x"))


def test_a_nested_field_added_without_a_rule_is_an_exposure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    leaky = strawberry.Schema(query=LeakyQuery)
    [found] = exposures(leaky._schema)
    assert found.startswith("Query.service > Service.recentCallers > Interaction: ")
    assert "coverage_admin, editor, monitoring, public may reach Interaction" in found
    # The field restricted to those who may read contacts is no longer one.
    monkeypatch.setitem(access.FIELDS, "Service.recentCallers", access.CONTACT_READERS)
    assert exposures(leaky._schema) == []
    # A new type needs a rule of its own.
    monkeypatch.delitem(access.TYPES, "Inquirer")
    with pytest.raises(RuntimeError, match=r"no access rule in api/access\.py for Inquirer"):
        build_schema(Settings.from_environ({}))


def test_a_monitoring_token_may_do_in_graphql_only_what_the_public_may() -> None:
    """It is held by a scraper, in a file its container reads: it opens `/metrics` and
    `/health`'s details, the same figures in `projections`, and nothing more of the schema
    than no token does."""
    public, monitoring = Role.PUBLIC, Role.MONITORING
    details = {"Query.projections", "Projections", "ProjectionStatus"}
    for operation in set(access.RULES) - details:
        assert access.allowed(operation, monitoring) == access.allowed(operation, public)
    assert access.allowed("Query.projections", monitoring)
    assert not access.allowed("Query.projections", public)
    for argument in access.ARGUMENTS:
        assert (monitoring in access.ARGUMENTS[argument]) == (public in access.ARGUMENTS[argument])
    for name in set(access.TYPES) - details:
        assert access.may_see(name, monitoring) == access.may_see(name, public), name
    for field in access.FIELDS:
        assert access.may_read(field, monitoring) == access.may_read(field, public), field
    assert access.sees_exact_figures(monitoring) == access.sees_exact_figures(public)
    assert access.hides("inactive", monitoring) == access.hides("inactive", public)
    assert access.reads_metrics(monitoring)
    assert access.sees_health_details(monitoring)
    assert not access.reads_metrics(public)
    assert not access.sees_health_details(public)
    assert access.reads_log_positions(monitoring)
    assert not access.reads_log_positions(public)
