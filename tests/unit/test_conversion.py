"""`api.conversion` on plain strawberry types of its own, so that it stands without our schema:
enums, a custom scalar, `strawberry.ID`, `GlobalID`, lists of lists, defaults and default
factories, nullable fields without defaults, `Maybe`, a one-of input, a recursive input, a lazy
type, renamed `Annotated` arguments, and an input with its own `from_input`, which keeps
strawberry's conversion. Each is compared with strawberry's `convert_arguments` on the same
values graphql-core coerced, errors included, and once through a real execution."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any, NewType

import pytest
import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry import relay
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.relay.types import InvalidGlobalIDError
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import InputContext
from strawberry.types.arguments import convert_arguments as strawberry_conversion
from strawberry.types.field import StrawberryField

from api import conversion
from tests.support.conversion import lists_in, raw_arguments, same

Point = NewType("Point", tuple[int, ...])


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Leaf:
    name: str
    colour: Colour = Colour.RED
    tags: list[str] = strawberry.field(default_factory=list)
    at: Point | None = None
    note: str | None


@strawberry.input
class Tree:
    name: str
    children: list[Tree] | None = None
    grid: list[list[int]] | None = None
    shades: list[list[Colour | None] | None] | None = None
    leaves: list[Leaf] = strawberry.field(default_factory=list)
    key: strawberry.ID | None = None
    node: relay.GlobalID | None = None
    nodes: list[relay.GlobalID] | None = None
    label: strawberry.Maybe[str]
    caption: strawberry.Maybe[str | None]


@strawberry.input(one_of=True)
class Choice:
    word: strawberry.Maybe[str]
    leaf: strawberry.Maybe[Leaf]


@strawberry.input
class Built:
    size: int


def build_itself(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    return cls(size=value["size"] * 10 + len(context.path))


Built.__strawberry_definition__.from_input = build_itself  # type: ignore[attr-defined]

seen: list[dict[str, Any]] = []


@strawberry.type
class Query:
    @strawberry.field
    def echo(
        self,
        tree: Tree,
        colours: list[Colour] | None = None,
        limit: Annotated[int, strawberry.argument(name="max")] = 3,
        lazy: Annotated[Leaf, strawberry.lazy("tests.unit.test_conversion")] | None = None,
        choice: Choice | None = None,
        built: Built | None = None,
        since: strawberry.Maybe[int | None] = None,
    ) -> int:
        seen.append({"tree": tree, "colours": colours, "limit": limit, "lazy": lazy,
                     "choice": choice, "built": built, "since": since})  # fmt: skip
        return 1


POINT = strawberry.scalar(name="Point", serialize=list, parse_value=tuple)
SCHEMA = strawberry.Schema(Query, config=StrawberryConfig(scalar_map={Point: POINT}))
REGISTRY = SCHEMA.schema_converter.scalar_registry
LEAF = {"name": "l", "colour": "BLUE", "tags": ["a", "b"], "at": [1, 2], "note": "n"}
TREE = {
    "name": "root",
    "children": [{"name": "a", "label": "x", "children": [{"name": "b", "caption": None}]},
                 {"name": "c", "grid": [[1, 2], [], [3]]}],
    "grid": [[1], [2, 3]],
    "shades": [["RED", None], None, []],
    "leaves": [LEAF, {"name": "bare"}],
    "key": "7",
    "node": relay.to_base64("Thing", "1"),
    "nodes": [relay.to_base64("Thing", "2"), relay.to_base64("Thing", "3")],
    "label": "l",
    "caption": "c",
}  # fmt: skip
CASES: dict[str, dict[str, Any]] = {
    "everything": {"tree": TREE, "colours": ["RED", "BLUE"], "max": 9, "lazy": LEAF,
                   "choice": {"leaf": LEAF}, "built": {"size": 2}, "since": 4},
    "required": {"tree": {"name": "only"}},
    "nulls": {"tree": {"name": "n", "children": None, "grid": None, "shades": None,
                       "key": None, "node": None, "nodes": None, "caption": None},
              "colours": None, "lazy": None, "choice": None, "built": None, "since": None},
    "one of": {"tree": {"name": "w"}, "choice": {"word": "w"}, "since": None},
}  # fmt: skip


def echo() -> tuple[GraphQLField, StrawberryField]:
    query = SCHEMA._schema.query_type
    assert isinstance(query, GraphQLObjectType)
    field = query.fields["echo"]
    found = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    assert isinstance(found, StrawberryField)
    return field, found


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_plan_gives_what_strawberry_gives(case: str) -> None:
    field, definition = echo()
    raw = raw_arguments(SCHEMA._schema, field, CASES[case])
    expected = strawberry_conversion(raw, definition.arguments, REGISTRY, SCHEMA.config)
    got = conversion.convert_arguments(raw, definition.arguments, REGISTRY, SCHEMA.config)
    same(got, expected)
    assert not lists_in(got) & lists_in(raw)


def test_the_values_are_built_as_declared() -> None:
    field, definition = echo()
    raw = raw_arguments(SCHEMA._schema, field, CASES["everything"])
    got = conversion.convert_arguments(raw, definition.arguments, REGISTRY, SCHEMA.config)
    tree = got["tree"]
    assert isinstance(tree, Tree)
    assert tree.leaves[0] == Leaf(name="l", colour=Colour.BLUE, tags=["a", "b"], at=Point((1, 2)),
                                  note="n")  # fmt: skip
    assert tree.leaves[1] == Leaf(name="bare", note=None)
    assert tree.shades == [[Colour.RED, None], None, []]
    assert tree.node == relay.GlobalID("Thing", "1")
    assert tree.label == strawberry.Some("l")
    assert tree.children
    assert tree.children[0].children
    assert tree.children[0].children[0].caption == strawberry.Some(None)
    assert tree.children[0].children[0].label is None
    assert got["limit"] == 9
    assert got["built"] == Built(size=21)
    assert got["since"] == strawberry.Some(4)


def test_only_the_input_with_its_own_conversion_keeps_strawberrys() -> None:
    _, definition = echo()
    assert conversion.unplanned(definition.arguments, REGISTRY, SCHEMA.config) == ["built"]


@pytest.mark.parametrize(
    ("value", "error"),
    [({"tree": {"name": "bad", "node": "not a global id"}}, InvalidGlobalIDError),
     ({"tree": {"name": "bad", "nodes": ["not a global id"]}}, InvalidGlobalIDError),
     ({"tree": {"name": "bad", "label": None}}, StrawberryInputCoercionError)],
)  # fmt: skip
def test_the_same_errors(value: dict[str, Any], error: type[Exception]) -> None:
    field, definition = echo()
    raw = raw_arguments(SCHEMA._schema, field, value)
    with pytest.raises(error) as expected:
        strawberry_conversion(raw, definition.arguments, REGISTRY, SCHEMA.config)
    with pytest.raises(error) as got:
        conversion.convert_arguments(raw, definition.arguments, REGISTRY, SCHEMA.config)
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value)


def test_a_request_gets_the_planned_values() -> None:
    assert conversion.install()
    seen.clear()
    document = """query ($tree: Tree!, $lazy: Leaf, $built: Built) {
        echo(tree: $tree, lazy: $lazy, built: $built, max: 5)
    }"""
    variables = {"tree": TREE, "lazy": LEAF, "built": {"size": 1}}
    result = SCHEMA.execute_sync(document, variables)
    assert result.errors is None
    field, definition = echo()
    raw = raw_arguments(SCHEMA._schema, field, {**variables, "max": 5})
    expected = strawberry_conversion(raw, definition.arguments, REGISTRY, SCHEMA.config)
    same({key: seen[0][key] for key in expected}, expected)
    planned = conversion._plans.values()
    assert any(arguments is definition.arguments and registry is REGISTRY
               for arguments, registry, _, _ in planned)  # fmt: skip
