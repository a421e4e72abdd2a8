"""The schema's arguments, converted through the plans of `api.conversion`, are the values
strawberry's own `convert_arguments` makes of them: for every field with arguments, with
variables made up for every mode (every field set, only what has to be set, nulls, lists of
one and of three), coerced by graphql-core as a request would. Every input type is reached, and
none of our arguments falls back to strawberry's conversion."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLObjectType,
    get_named_type,
)
from strawberry.schema import schema_converter
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments as strawberry_conversion
from strawberry.types.field import StrawberryField

from api import conversion
from api.schema import build_schema
from infra.settings import Settings
from tests.support.conversion import MODES, lists_in, made_up, raw_arguments, same

SCHEMA = build_schema(Settings.from_environ({}))
BUILT = SCHEMA._schema
REGISTRY = SCHEMA.schema_converter.scalar_registry


def fields() -> Iterator[tuple[str, GraphQLField]]:
    for type_name, kind in BUILT.type_map.items():
        if isinstance(kind, GraphQLObjectType) and not type_name.startswith("__"):
            for name, field in kind.fields.items():
                if field.args:
                    yield f"{type_name}.{name}", field


FIELDS = dict(fields())


def strawberry_field(field: GraphQLField) -> StrawberryField:
    found = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    assert isinstance(found, StrawberryField)
    return found


def test_building_the_schema_puts_the_plans_where_strawberry_converts() -> None:
    assert conversion.install()
    hooked = schema_converter.convert_arguments  # type: ignore[attr-defined]
    assert hooked is conversion.convert_arguments


@pytest.mark.parametrize("name", sorted(FIELDS))
@pytest.mark.parametrize("mode", MODES)
def test_the_plan_gives_what_strawberry_gives(name: str, mode: str) -> None:
    field = FIELDS[name]
    arguments = strawberry_field(field).arguments
    raw = raw_arguments(BUILT, field, made_up(field, mode))
    expected = strawberry_conversion(raw, arguments, REGISTRY, SCHEMA.config)
    got = conversion.convert_arguments(raw, arguments, REGISTRY, SCHEMA.config)
    same(got, expected)
    assert got == expected
    # Once more through the plan now compiled, and the raw values are left as they were.
    same(conversion.convert_arguments(raw, arguments, REGISTRY, SCHEMA.config), expected)
    same(raw, raw_arguments(BUILT, field, made_up(field, mode)))
    # Copied, as strawberry copies them: graphql-core hands every request the same defaults.
    assert not lists_in(got) & lists_in(raw)


def test_no_argument_of_ours_keeps_strawberrys_conversion() -> None:
    kept = {
        name: found
        for name, field in FIELDS.items()
        if (found := conversion.unplanned(strawberry_field(field).arguments, REGISTRY,
                                          SCHEMA.config))
    }  # fmt: skip
    assert kept == {}


def test_the_arguments_reach_every_input_type() -> None:
    reached: set[str] = set()

    def reach(kind: GraphQLInputType) -> None:
        named = get_named_type(kind)
        if isinstance(named, GraphQLInputObjectType) and named.name not in reached:
            reached.add(named.name)
            for field in named.fields.values():
                reach(field.type)

    for field in FIELDS.values():
        for argument in field.args.values():
            reach(argument.type)
    inputs = {name for name, kind in BUILT.type_map.items()
              if isinstance(kind, GraphQLInputObjectType)}  # fmt: skip
    assert reached == inputs
