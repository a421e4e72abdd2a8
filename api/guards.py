"""The access tables of `api.access`, applied by the schema itself, so no resolver can forget them.

- Operations: every root field of Query, Mutation and Subscription whose rule in `access.RULES`
  is narrower than everyone carries `Authorized`, which answers `NotAuthorizedError` to a caller
  the rule does not allow before the resolver runs, so before anything of the input is read.
  Open operations carry nothing and pay nothing.
- Restricted fields: each field `access.FIELDS` names answers null to the roles it does not list;
  the guard wraps the field's resolver in the built schema, and only those fields pay for it.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import (
    GraphQLFieldResolver,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    default_field_resolver,
    get_named_type,
)
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    SyncExtensionResolver,
)
from strawberry.schema.name_converter import NameConverter
from strawberry.types.field import StrawberryField

from api import access
from api.context import Denied, Info
from api.errors import NotAuthorizedError, as_error
from infra.tokens import Role

REFUSAL = "NotAuthorizedError"


class Authorized(FieldExtension):
    """Runs the operation only for a caller whose role its rule allows (admins always)."""

    def __init__(self, operation: str, arguments: dict[str, tuple[Role, ...]]) -> None:
        self.operation = operation
        self.roles = access.RULES[operation]
        # Arguments, by their Python names, that only some roles may set.
        self.arguments = arguments
        self.subscription = False

    def apply(self, field: StrawberryField) -> None:
        self.subscription = field.is_subscription

    def refusal(self, info: Info, given: dict[str, Any]) -> NotAuthorizedError | None:
        principal = info.context.principal
        denied = None if principal.has(*self.roles) else self.roles
        for argument, roles in self.arguments.items():
            if denied is None and given.get(argument) and not principal.has(*roles):
                denied = roles
        if denied is None:
            return None
        refused = as_error(Denied(principal, denied))
        assert isinstance(refused, NotAuthorizedError)
        return refused

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        refused = self.refusal(info, kwargs)
        return next_(source, info, **kwargs) if refused is None else refused

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        refused = self.refusal(info, kwargs)
        if refused is not None:
            # A subscription refused sends its one answer and ends, as one that fails its input.
            return _once(refused) if self.subscription else refused
        result = next_(source, info, **kwargs)
        return result if inspect.isasyncgen(result) else await result


async def _once(answer: NotAuthorizedError) -> AsyncGenerator[NotAuthorizedError, None]:
    yield answer


def ruled(root: type, name: str) -> type:
    """A copy of the root type `root`, named `name`, whose restricted operations carry
    `Authorized`. The fields are copied, so the types the API modules declare stay untouched
    and each schema gets the rules in force when it is built."""
    names = NameConverter()
    fields: dict[str, Any] = {}
    for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        operation = f"{name}.{names.get_graphql_name(field)}"
        copied = copy.copy(field)
        arguments = {
            argument.python_name: access.ARGUMENTS[rule]
            for argument in field.arguments
            if (rule := f"{operation}.{names.get_graphql_name(argument)}") in access.ARGUMENTS
        }
        if arguments or access.RULES.get(operation, access.EVERYONE) != access.EVERYONE:
            copied.extensions = [*field.extensions, Authorized(operation, arguments)]
        fields[field.python_name] = copied
    description = root.__strawberry_definition__.description  # type: ignore[attr-defined]
    return strawberry.type(type(name, (), fields), name=name, description=description)


def unrefusable(schema: GraphQLSchema) -> list[str]:
    """Restricted operations whose result cannot say `NotAuthorizedError`."""
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    found = []
    for root in (root for root in roots if root is not None):
        for name, field in root.fields.items():
            operation = f"{root.name}.{name}"
            narrowed = any(rule.startswith(f"{operation}.") for rule in access.ARGUMENTS)
            if access.RULES.get(operation, access.EVERYONE) == access.EVERYONE and not narrowed:
                continue
            result = get_named_type(field.type)
            if not (
                isinstance(result, GraphQLUnionType)
                and any(member.name == REFUSAL for member in result.types)
            ):
                found.append(operation)
    return found


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
