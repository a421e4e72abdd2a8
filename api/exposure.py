"""The schema walked from every operation: where can each role get to through nested fields?

An operation's callers reach its result's types, and through their fields further types; a
restricted field (`access.FIELDS`) narrows who goes on through it. A type reached by a role
`access.TYPES` does not give it is an exposure: the service refuses to start with one.
"""

from __future__ import annotations

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

from api import access
from infra.tokens import Role

Roles = frozenset[Role]


def exposures(schema: GraphQLSchema) -> list[str]:
    """Each type reached by a role not meant to see it, with the first path found to it."""
    found: list[str] = []
    seen: set[tuple[str, Roles]] = set()

    def walk(kind: GraphQLOutputType, roles: Roles, path: list[str], by_type: bool) -> None:
        for member in _objects(schema, kind):
            reach = (
                frozenset(r for r in roles if access.may_see(member.name, r)) if by_type else roles
            )
            if not reach or (member.name, reach) in seen:
                continue
            seen.add((member.name, reach))
            unmeant = sorted(r.value for r in reach if not access.may_see(member.name, r))
            if unmeant:
                where = " > ".join([*path, member.name])
                found.append(f"{where}: {', '.join(unmeant)} may reach {member.name}, which "
                             "api/access.py TYPES does not give them")  # fmt: skip
                continue
            for name, field in member.fields.items():
                rule = f"{member.name}.{name}"
                narrowed = _narrowed(rule, reach)
                walk(field.type, narrowed, [*path, rule], rule in access.BY_TYPE)

    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    for root in (root for root in roots if root is not None):
        for name, field in root.fields.items():
            operation = f"{root.name}.{name}"
            callers = frozenset(
                r for r in Role if r is not Role.ADMIN and access.allowed(operation, r)
            )
            walk(field.type, callers, [operation], operation in access.BY_TYPE)
    return found


def _narrowed(field: str, roles: Roles) -> Roles:
    if field not in access.FIELDS:
        return roles
    return frozenset(r for r in roles if access.may_read(field, r))


def _objects(schema: GraphQLSchema, kind: GraphQLOutputType) -> list[GraphQLObjectType]:
    named = get_named_type(kind)
    if isinstance(named, GraphQLObjectType):
        return [named]
    if isinstance(named, GraphQLUnionType):
        return list(named.types)
    if isinstance(named, GraphQLInterfaceType):
        return list(schema.get_possible_types(named))
    return []  # scalars and enums
