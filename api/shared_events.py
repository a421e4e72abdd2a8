"""Completion that costs less for big answers: one completion of a subscription event for
every subscriber who selects the same of it, and plain objects completed without a resolver
call per field.

graphql-core completes each subscriber's copy of an event on its own: 200 dashboards sent the
same figures (`api.live_statistics`) cost 200 completions of ~300 fields each. An event made
`shareable` keeps what its subscription field completed to, by document, operation and
variables; a subscriber whose selection is the same gets that value instead of completing it
again. Only the event executors of shareable events take this path (queries, mutations and
other events run as before), and a completion that raised errors is never shared.

A statistics answer is ~300 fields, most of them the leaves of its cells: graphql-core builds
a resolve info, a path and a completion for each (about 5 ms of an answer's ~10 ms of CPU).
An object type whose fields are all leaves read as attributes, without arguments or
middleware (`_plain`), is completed here by reading and serialising each selected field with
the same type's serializer; anything that would make an error (a null in a non-null field, a
value the scalar refuses) completes that object the usual way instead, so answers and errors
are the same.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from graphql import GraphQLNonNull, GraphQLObjectType, is_leaf_type
from graphql.execution.collect_fields import DeferUsage, FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, UndefinedType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

T = TypeVar("T")
_COMPLETED = "_guichet_completed"


def shareable(event: T) -> T:
    """Marks an event sent to several subscribers as completed once per selection."""
    setattr(event, _COMPLETED, {})
    return event


Leaf = tuple[str, Callable[..., Any], Callable[[Any], Any], bool]  # name, resolve, serialize,
# non-null
_PLAIN: weakref.WeakKeyDictionary[GraphQLObjectType, tuple[Leaf, ...] | None] = (
    weakref.WeakKeyDictionary()
)


def _plain(object_type: GraphQLObjectType) -> dict[str, Leaf] | None:
    """The fields of a type made only of leaves read as attributes (strawberry's default
    resolver), by name; None for any other type."""
    if object_type not in _PLAIN:
        leaves: list[Leaf] | None = []
        for name, field in object_type.fields.items():
            kind = field.type
            inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
            if (
                field.args or field.resolve is None
                or not getattr(field.resolve, "_is_default", False) or not is_leaf_type(inner)
            ):  # fmt: skip
                leaves = None
                break
            assert leaves is not None
            leaves.append((name, field.resolve, inner.serialize, inner is not kind))
        _PLAIN[object_type] = None if leaves is None else tuple(leaves)
    found = _PLAIN[object_type]
    return None if found is None else {leaf[0]: leaf for leaf in found}


class SharingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_collected_subfields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        grouped_field_set: GroupedFieldSet,
        new_defer_usages: Sequence[DeferUsage],
        position_context: Any | None,
    ) -> AwaitableOrValue[dict[str, Any]]:
        leaves = _plain(parent_type)
        middleware = self.middleware_manager
        if leaves is not None and (middleware is None or not middleware.middlewares):
            completed = _completed(parent_type, leaves, source_value, grouped_field_set)
            if completed is not None:
                return completed
        return super().execute_collected_subfields(
            parent_type, source_value, path, grouped_field_set, new_defer_usages,
            position_context,
        )  # fmt: skip

    def build_per_event_executor(self, payload: Any) -> StrawberryGraphQLCoreExecutionContext:
        executor = super().build_per_event_executor(payload)
        if isinstance(getattr(payload, _COMPLETED, None), dict):
            executor.__class__ = _SharedEvent
        assert isinstance(executor, StrawberryGraphQLCoreExecutionContext)
        return executor


def _completed(
    parent_type: GraphQLObjectType, leaves: dict[str, Leaf], source: Any,
    grouped_field_set: GroupedFieldSet,
) -> dict[str, Any] | None:  # fmt: skip
    """The selected leaves of a plain object, or None where the usual way would add an error."""
    completed: dict[str, Any] = {}
    for response_name, field_details_list in grouped_field_set.items():
        name = field_details_list[0].node.name.value
        if name == "__typename":
            completed[response_name] = parent_type.name
            continue
        leaf = leaves.get(name)
        if leaf is None:
            return None
        value = leaf[1](source, None)
        if isinstance(value, Exception):
            return None
        if value is None:
            if leaf[3]:
                return None
            completed[response_name] = None
            continue
        try:
            serialized = leaf[2](value)
        except Exception:  # the usual way makes the same refusal an error
            return None
        if serialized is Undefined or serialized is None:
            return None
        completed[response_name] = serialized
    return completed


class _SharedEvent(SharingExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any | None,
    ) -> AwaitableOrValue[Any] | UndefinedType:
        if path.prev is not None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        completed: dict[tuple[object, ...], Any] = getattr(self.root_value, _COMPLETED)
        key = self._selection(path)
        if key is not None and key in completed:
            return completed[key]
        errors = len(self.collected_errors.errors)
        value = super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
        if key is None or value is Undefined:
            return value
        if self.is_awaitable(value):
            # A field with extensions (the access rule) resolves asynchronously; nothing in it
            # waits on I/O, so it is done before the next subscriber's turn.
            return self._kept(value, completed, key, errors)
        if len(self.collected_errors.errors) == errors:
            completed[key] = value
        return value

    async def _kept(
        self, value: Awaitable[Any], completed: dict[tuple[object, ...], Any],
        key: tuple[object, ...], errors: int,
    ) -> Any:  # fmt: skip
        result = await value
        if len(self.collected_errors.errors) == errors:
            completed[key] = result
        return result

    def _selection(self, path: Path) -> tuple[object, ...] | None:
        """What the completion depends on besides the event: the document, the operation,
        the variables and the field's place in the answer; None when it cannot be told."""
        location = self.operation.loc
        if location is None:
            return None
        variables = self.variable_values.coerced
        return (
            location.source.body, location.start, path.key,
            repr(sorted(variables.items())) if variables else "",
        )  # fmt: skip
