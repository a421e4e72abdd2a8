"""Limits on what one request may ask, each refused with an error that names the limit and its
value: `{"code": "LIMIT_EXCEEDED", "limit": "depth", "maximum": 12}` in the error's extensions.

Depth, aliases and tokens are checked by strawberry's and graphql-core's own rules, whose
errors are given those extensions here. The cost (`api.cost`: one per field, times what the
lists above it may hold) and introspection (production mode: signed-in roles only) depend on the
variables and the caller, so they are checked after validation, which is cached per document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
)
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from api import access
from api.cost import cost
from infra.settings import Settings

LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
WEBSOCKET_ONLY = "WEBSOCKET_ONLY"
INTROSPECTION = ("__schema", "__type")


def limit_error(
    limit: str, maximum: int, message: str, nodes: Any = None, **details: Any
) -> GraphQLError:
    extensions = {"code": LIMIT_EXCEEDED, "limit": limit, "maximum": maximum, **details}
    return GraphQLError(message, nodes, extensions=extensions)


def typed(rule: type[ASTValidationRule], limit: str, maximum: int) -> type[ASTValidationRule]:
    """The rule, reporting its errors as this limit's."""

    class Typed(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            report = context.report_error

            def tagged(error: GraphQLError) -> None:
                report(limit_error(limit, maximum, error.message, error.nodes))

            context.report_error = tagged  # type: ignore[method-assign]
            try:
                super().__init__(context)
            finally:
                del context.report_error

    return Typed


def tokens_error(error: GraphQLError, maximum: int) -> GraphQLError:
    """graphql-core's parser stops at the token limit with a syntax error; this one says so."""
    if "tokens" in error.message and not (error.extensions or {}).get("code"):
        return limit_error("tokens", maximum, error.message)
    return error


def fields(
    selections: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields of a selection, through its fragments (a validated document has no cycle)."""
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from fields(fragment.selection_set, fragments)


def introspects(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> bool:
    def asks(selections: SelectionSetNode) -> bool:
        return any(
            field.name.value in INTROSPECTION
            or (field.selection_set is not None and asks(field.selection_set))
            for field in fields(selections, fragments)
        )

    return asks(operation.selection_set)


def refusal(
    settings: Settings,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    context: Any,
    variables: dict[str, Any] | None,
) -> GraphQLError | None:
    """Why a valid document may not run for this caller with these variables, if it may not.

    `operation_name` is the one the request names or, when it names none, the document's
    first operation's (as strawberry's execution context gives it). Also tells the request's
    counters which operation it is."""
    definitions = document.definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]  # fmt: skip
    observed = getattr(context, "observed", None)
    if observed is not None and len(chosen) == 1 and chosen[0].name is not None:
        observed.operation = chosen[0].name.value
    principal = getattr(context, "principal", None)
    public = principal is None or access.given_what_the_public_is(principal.role)
    for operation in chosen:
        if operation.operation is OperationType.SUBSCRIPTION and not isinstance(
            getattr(context, "request", None), WebSocket
        ):
            # strawberry would run it as a query and fail on the generator it gets.
            return GraphQLError(
                "Subscriptions are served over WebSocket only: /graphql with the "
                "graphql-transport-ws protocol.",
                extensions={"code": WEBSOCKET_ONLY},
            )
        if settings.production and public and introspects(operation, fragments):
            return limit_error(
                "introspection", 0,
                "Introspection is open to signed-in roles only in production mode.",
            )  # fmt: skip
        found = cost(schema, operation, fragments, variables or {})
        if found > settings.max_cost:
            return limit_error(
                "cost", settings.max_cost,
                f"This operation costs {found}; the most one may cost is "
                f"{settings.max_cost} (one per field, and the fields under a list once "
                "per item it may hold: the page asked, or the list's declared size).",
                cost=found,
            )  # fmt: skip
    return None


def request_limits(settings: Settings) -> type[SchemaExtension]:
    class RequestLimits(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            # Before the others' validation ends: errors set after it would not stop execution.
            # The validation cache (listed before this) has set the document's errors by now.
            ctx = self.execution_context
            if not ctx.pre_execution_errors and ctx.graphql_document is not None:
                refused = refusal(
                    settings, ctx.schema._schema, ctx.graphql_document, ctx.operation_name,
                    ctx.context, ctx.variables,
                )  # fmt: skip
                if refused is not None:
                    ctx.pre_execution_errors = [refused]
            yield

    return RequestLimits
