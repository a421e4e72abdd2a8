"""Every enum value of the schema is described: `described` attaches the descriptions of a
plain enum's values and refuses one left out or foreign, and the schema will not build with an
undescribed value."""

from __future__ import annotations

from enum import Enum, StrEnum

import pytest
import strawberry
from graphql import GraphQLEnumType

from api.enums import described, undescribed
from api.schema import build_schema
from infra.settings import Settings


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Shape(Enum):
    ROUND = "round"
    SQUARE = "square"


class Other(Enum):
    ROUND = "round"


@strawberry.enum
class Size(Enum):
    SMALL = strawberry.enum_value("small", description="Small.")
    LARGE = "large"


def test_a_plain_enum_gets_its_values_described_in_the_schema() -> None:
    made = described(Colour, name="Colour", description="A colour.",
                     values={Colour.RED: "Red.", Colour.BLUE: "Blue."})  # fmt: skip

    @strawberry.type
    class Query:
        @strawberry.field
        def colour(self) -> Colour:
            return Colour.RED

    built = strawberry.Schema(query=Query)._schema
    kind = built.type_map["Colour"]
    assert isinstance(kind, GraphQLEnumType)
    assert kind.description == "A colour."
    assert {name: value.description for name, value in kind.values.items()} == {
        "RED": "Red.", "BLUE": "Blue."}  # fmt: skip
    assert undescribed(built) == []
    assert made is Colour


def test_a_value_left_out_or_foreign_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Shape: no description for SQUARE; not its values: none"):
        described(Shape, name="Shape", description="A shape.", values={Shape.ROUND: "Round."})
    with pytest.raises(TypeError, match=r"not its values: Other.ROUND"):
        described(Shape, name="Shape", description="A shape.",
                  values={Shape.ROUND: "R.", Shape.SQUARE: "S.", Other.ROUND: "R."})  # fmt: skip


def test_an_undescribed_value_is_found_in_a_built_schema() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def size(self) -> Size:
            return Size.SMALL

    assert undescribed(strawberry.Schema(query=Query)._schema) == ["Size.LARGE"]


def test_every_enum_value_of_the_api_is_described() -> None:
    built = build_schema(Settings.from_environ({}))._schema
    enums = [name for name, kind in built.type_map.items()
             if isinstance(kind, GraphQLEnumType) and not name.startswith("__")]  # fmt: skip

    assert len(enums) == 15, enums
    assert undescribed(built) == []
