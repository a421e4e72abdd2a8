"""Restricted fields: each field `access.FIELDS` names answers null to the roles it does not list.

The guard wraps the field's resolver in the built schema, so no resolver can forget it and
only the fields it names pay for it.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLFieldResolver,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
)

from api import access


def guard_fields(schema: GraphQLSchema) -> None:
    for name in access.FIELDS:
        type_name, field_name = name.split(".")
        owner = schema.get_type(type_name)
        if not isinstance(owner, GraphQLObjectType) or field_name not in owner.fields:
            raise RuntimeError(f"api/access.py restricts {name}, which the schema does not have")
        field = owner.fields[field_name]
        if isinstance(field.type, GraphQLNonNull):
            raise RuntimeError(f"{name} is restricted, so it must be nullable (others get null)")
        field.resolve = _guarded(name, field.resolve or default_field_resolver)


def _guarded(name: str, resolve: GraphQLFieldResolver) -> GraphQLFieldResolver:
    def guarded(source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        if not access.may_read(name, info.context.principal.role):
            return None
        return resolve(source, info, **args)

    return guarded
