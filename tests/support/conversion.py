"""What the comparisons of `api.conversion` with strawberry's conversion share: the arguments
graphql-core hands a resolver for given variables, values made up for any input type, and a
comparison that also holds the types of the values to be the same."""

from __future__ import annotations

import dataclasses
from typing import Any

from graphql import (
    FieldNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    parse,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.types.maybe import Some

# Modes of the made-up values: every field set (lists of three), only what has to be set,
# nulls wherever a null is allowed, lists of one.
MODES = ("all", "required", "nulls", "single")
SCALARS: dict[str, Any] = {
    "String": "text",
    "ID": "1",
    "Int": 3,
    "Float": 1.5,
    "Boolean": True,
    "DateTime": "2024-05-06T07:08:09+00:00",
    "Date": "2024-05-06",
    "JSON": {"a": [1, "b", None]},
}


def raw_arguments(
    schema: GraphQLSchema, field: GraphQLField, inputs: dict[str, Any]
) -> dict[str, Any]:
    """The arguments graphql-core passes the resolver of `field` when each argument is the
    variable of its own name, given `inputs` (an argument left out of them is left out)."""
    names = list(field.args)
    definitions = ", ".join(f"${name}: {_declared(field.args[name])}" for name in names)
    call = ", ".join(f"{name}: ${name}" for name in names)
    document = parse(f"query ({definitions}) {{ field({call}) }}")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    variables = get_variable_values(schema, operation.variable_definitions or (), inputs)
    assert not isinstance(variables, list), variables
    node = operation.selection_set.selections[0]
    assert isinstance(node, FieldNode)
    return get_argument_values(field, node, variables)


def _declared(argument: GraphQLArgument) -> GraphQLInputType:
    # An argument with a default takes it when its variable is left out, so the variable
    # must be one that may be.
    if argument.default_value is not Undefined and isinstance(argument.type, GraphQLNonNull):
        return argument.type.of_type
    return argument.type


def made_up(field: GraphQLField, mode: str) -> dict[str, Any]:
    """Variables for every argument of `field` in `mode` (in `required`, only the arguments
    that have to be given)."""
    inputs = {}
    for name, argument in field.args.items():
        needed = isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
        if mode != "required" or needed:
            inputs[name] = value_of(argument.type, mode, 0)
    return inputs


def value_of(kind: GraphQLInputType, mode: str, depth: int) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return value_of(kind.of_type, mode, depth)
    if isinstance(kind, GraphQLList):
        count = 1 if mode in ("single", "required") else 3
        return [value_of(kind.of_type, mode, depth) for _ in range(count)]
    if isinstance(kind, GraphQLScalarType):
        return SCALARS[kind.name]
    if isinstance(kind, GraphQLEnumType):
        names = list(kind.values)
        return names[-1] if mode == "all" else names[0]
    assert isinstance(kind, GraphQLInputObjectType), kind
    value = {}
    for name, field in kind.fields.items():
        needed = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        if needed:
            value[name] = value_of(field.type, mode, depth + 1)
        elif mode == "nulls" and not isinstance(field.type, GraphQLNonNull):
            value[name] = None
        elif mode in ("all", "single") and depth < 4:
            value[name] = value_of(field.type, mode, depth + 1)
    return value


def same(got: Any, expected: Any) -> None:
    """`got` equals `expected`, and each value in it is of its counterpart's type."""
    assert type(got) is type(expected), (got, expected)
    if dataclasses.is_dataclass(got):
        for field in dataclasses.fields(got):
            same(getattr(got, field.name), getattr(expected, field.name))
    elif isinstance(got, dict):
        assert list(got) == list(expected)
        for key, value in got.items():
            same(value, expected[key])
    elif isinstance(got, list):
        assert len(got) == len(expected)
        for value, other in zip(got, expected, strict=True):
            same(value, other)
    elif isinstance(got, Some):
        same(got.value, expected.value)
    else:
        assert got == expected


def lists_in(value: Any) -> set[int]:
    """The identities of the lists in `value`, so that a test can tell they are not shared."""
    if isinstance(value, list):
        return {id(value)}.union(*(lists_in(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(lists_in(item) for item in value.values()))
    if dataclasses.is_dataclass(value):
        return set().union(*(lists_in(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, Some):
        return lists_in(value.value)
    return set()
