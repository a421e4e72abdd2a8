"""One completion of a subscription event for every subscriber who selects the same of it.

graphql-core completes each subscriber's copy of an event on its own: 200 dashboards sent the
same figures (`api.live_statistics`) cost 200 completions of ~300 fields each. An event made
`shareable` keeps what its subscription field completed to, by document, operation and
variables; a subscriber whose selection is the same gets that value instead of completing it
again. Only the event executors of shareable events take this path (queries, mutations and
other events run as before), and a completion that raised errors is never shared.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from graphql import GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path, Undefined, UndefinedType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

T = TypeVar("T")
_COMPLETED = "_guichet_completed"


def shareable(event: T) -> T:
    """Marks an event sent to several subscribers as completed once per selection."""
    setattr(event, _COMPLETED, {})
    return event


class SharingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> StrawberryGraphQLCoreExecutionContext:
        executor = super().build_per_event_executor(payload)
        if isinstance(getattr(payload, _COMPLETED, None), dict):
            executor.__class__ = _SharedEvent
        assert isinstance(executor, StrawberryGraphQLCoreExecutionContext)
        return executor


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
