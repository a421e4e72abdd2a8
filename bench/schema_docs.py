"""What the schema's descriptions weigh: the CPU time to build the schema (each server process
builds it once at start), the size of its SDL and of the introspection answer GraphiQL and
editors download, and how many items carry a description, by kind.

Usage: python -m bench.schema_docs [--rounds 7]
Builds the schema as the server does, with no database; prints the best and the median build
(`time.process_time`), then the sizes in bytes and the described items out of all.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_introspection_query,
    graphql_sync,
)

from api.schema import build_schema
from infra.settings import Settings


def described(schema: GraphQLSchema) -> tuple[Counter[str], Counter[str]]:
    """(described, all) items of each kind the description rules of the linter look at."""
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()

    def count(kind: str, description: str | None) -> None:
        total[kind] += 1
        found[kind] += bool(description and description.strip())

    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        count("types", kind.description)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field in kind.fields.values():
                count("fields", field.description)
                for argument in field.args.values():
                    count("arguments", argument.description)
        elif isinstance(kind, GraphQLInputObjectType):
            for value in kind.fields.values():
                count("input fields", value.description)
        elif isinstance(kind, GraphQLEnumType):
            for member in kind.values.values():
                count("enum values", member.description)
    return found, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    settings = Settings.from_environ({})
    schema = build_schema(settings)  # the first build also imports every module
    builds = []
    for _ in range(options.rounds):
        start = time.process_time()
        build_schema(settings)
        builds.append((time.process_time() - start) * 1000)
    sdl = schema.as_str() + "\n"
    answer = graphql_sync(schema._schema, get_introspection_query(descriptions=True))
    assert answer.errors is None, answer.errors
    introspection = json.dumps(answer.data, separators=(",", ":"))
    print(f"schema build: best {min(builds):.1f} ms, median {statistics.median(builds):.1f} ms "
          f"of {options.rounds}")  # fmt: skip
    print(f"SDL: {len(sdl.encode()):,} bytes; introspection answer: "
          f"{len(introspection.encode()):,} bytes")  # fmt: skip
    found, total = described(schema._schema)
    for kind in total:
        print(f"{kind}: {found[kind]:,} of {total[kind]:,} described")
    print(f"in all: {sum(found.values()):,} of {sum(total.values()):,} described")


if __name__ == "__main__":
    main()
