"""CPU time of converting the arguments of one field into the values its resolver takes:
strawberry's `convert_arguments` against the plans of `api.conversion`, in one process.

Usage: python -m bench.conversion [--inputs 200] [--rounds 7] [--field Mutation.recordInteraction]
The arguments are what graphql-core hands the resolver: for `recordInteraction`, the demo
contacts of `bench.interactions` (two needs, three referrals on average), for any other field
values made up with every input field set. Both conversions run on the same values, in
alternate rounds; prints µs per call (`time.process_time`), the best and the median round.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments as strawberry_conversion
from strawberry.types.field import StrawberryField

from api import conversion
from api.schema import build_schema
from bench.interactions import documents
from infra.settings import Settings
from tests.support.conversion import made_up, raw_arguments

RECORD = "Mutation.recordInteraction"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--field", default=RECORD)
    options = parser.parse_args()
    schema = build_schema(Settings.from_environ({}))
    field = field_named(schema._schema, options.field)
    if field is None:
        parser.error(f"--field {options.field}: no such field; give Type.field or a root field")
    definition = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    assert isinstance(definition, StrawberryField)
    raws = [raw_arguments(schema._schema, field, inputs)
            for inputs in variables(field, options.field, options.inputs)]  # fmt: skip
    arguments, config = definition.arguments, schema.config
    registry = schema.schema_converter.scalar_registry

    def old(raw: dict[str, Any]) -> object:
        return strawberry_conversion(raw, arguments, registry, config)

    def new(raw: dict[str, Any]) -> object:
        return conversion.convert_arguments(raw, arguments, registry, config)

    for raw in raws:
        assert old(raw) == new(raw)
    times: dict[str, list[float]] = {"strawberry": [], "compiled": []}
    repeat = max(1, 20_000 // len(raws))
    for _ in range(options.rounds):
        for label, convert in (("strawberry", old), ("compiled", new)):
            times[label].append(per_call(convert, raws, repeat))
    print(f"{options.field}: {len(raws)} inputs, {options.rounds} rounds of "
          f"{repeat * len(raws)} conversions each, CPU time per conversion")  # fmt: skip
    for label, found in times.items():
        print(
            f"  {label:<10} best {min(found):7.1f} µs   median {statistics.median(found):7.1f} µs"
        )
    ratio = statistics.median(times["strawberry"]) / statistics.median(times["compiled"])
    print(f"  compiled is {ratio:.0f}x faster (medians)")


def field_named(schema: GraphQLSchema, named: str) -> GraphQLField | None:
    """`Type.field`, or a root field by its name alone (`searchServices`)."""
    if "." in named:
        owner_name, _, name = named.partition(".")
        owners = [schema.get_type(owner_name)]
    else:
        name, owners = named, [schema.query_type, schema.mutation_type]
    for owner in owners:
        if isinstance(owner, GraphQLObjectType) and name in owner.fields:
            found: GraphQLField = owner.fields[name]
            return found
    return None


def variables(field: GraphQLField, name: str, count: int) -> list[dict[str, Any]]:
    if name == RECORD:
        return [{"input": document} for document in documents(count)]
    return [made_up(field, "all")] * count


def per_call(convert: Callable[[dict[str, Any]], object], raws: list[dict[str, Any]],
             repeat: int) -> float:  # fmt: skip
    started = time.process_time()
    for _ in range(repeat):
        for raw in raws:
            convert(raw)
    return (time.process_time() - started) / (repeat * len(raws)) * 1e6


if __name__ == "__main__":
    main()
