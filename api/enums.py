"""GraphQL enums with a description for every value.

The domain's enums stay plain Python (`StrEnum`), free of strawberry: `described` makes one a
GraphQL enum and attaches the value descriptions kept here, next to the schema, refusing an
enum that leaves a value undescribed or describes a value it does not have. `undescribed`
checks every enum of a built schema, those declared with `strawberry.enum_value` included.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema
from strawberry.types.enum import StrawberryEnumDefinition

E = TypeVar("E", bound=type[Enum])


def described(cls: E, *, name: str, description: str, values: Mapping[Enum, str]) -> E:
    """`strawberry.enum(cls, name=…)` with `values` as the descriptions of its members."""
    made = strawberry.enum(cls, name=name, description=description)
    definition: StrawberryEnumDefinition = made.__strawberry_definition__  # type: ignore[attr-defined]
    members = {member.name: member for member in cls}
    missing = [value.name for value in definition.values if members[value.name] not in values]
    foreign = [str(member) for member in values if member not in members.values()]
    if missing or foreign:
        raise TypeError(
            f"enum {name}: no description for {', '.join(missing) or 'none'}; "
            f"not its values: {', '.join(foreign) or 'none'}"
        )
    for value in definition.values:
        value.description = values[members[value.name]]
    return made


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every value of every enum of the schema without a description, as `Enum.VALUE`."""
    return [
        f"{name}.{value}"
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLEnumType) and not name.startswith("__")
        for value, definition in kind.values.items()
        if not definition.description
    ]
