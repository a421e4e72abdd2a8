"""The WebSocket carries subscriptions only, under the rules of HTTP.

Each `subscribe` message is held, before it runs, to what an HTTP request is held to: the
caller's rate (one request of the same bucket), the persisted-only rule, and the document
limits (depth, aliases, tokens and cost are the schema's own rules, run for every operation).
A socket runs a bounded number of operations at once (`GUICHET_SOCKET_OPERATIONS`).

Queries and mutations are refused here rather than run: HTTP already answers them, with its
body limit, status codes and one rate token per request, while a socket would let one
connection run them by the hundred without any of that (324 in 0.17 s). The socket is for
`statisticsChanged`, which HTTP cannot carry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from graphql.error import GraphQLSyntaxError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from api.context import Context
from api.limits import limit_error

if TYPE_CHECKING:
    from api.http import GraphQLEndpoint

SUBSCRIPTIONS_ONLY = "SUBSCRIPTIONS_ONLY"


class Refused(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


class GuardedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_subscribe(message)  # closes the socket (4401, 4409)
            return
        if not _well_formed(message.get("payload")):
            await self.handle_invalid_message("Invalid subscribe payload")  # closes (4400)
            return
        try:
            payload = await self._screened(message)
        except Refused as refused:
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [refused.error.formatted]}
            )
            return
        await super().handle_subscribe(cast(SubscribeMessage, {**message, "payload": payload}))

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        running = cast("GraphQLEndpoint", self.view).container.metrics.subscriptions
        running.inc()
        try:
            await super().run_operation(operation)
        finally:
            running.dec()

    async def _screened(self, message: SubscribeMessage) -> dict[str, Any]:
        from api.http import DocumentRefused, LimitExceeded, address_of

        endpoint = cast("GraphQLEndpoint", self.view)
        settings = endpoint.container.settings
        context = self.context
        most = settings.socket_operations
        if len(self.operations) >= most:
            raise Refused(limit_error(
                "socketOperations", most, f"A WebSocket runs at most {most} operations at once.",
            ))  # fmt: skip
        try:
            endpoint.pace(context.principal, address_of(context.request))
        except LimitExceeded as limited:
            raise Refused(limit_error(limited.limit, limited.maximum, str(limited))) from None
        payload: dict[str, Any] = dict(message["payload"])
        data = GraphQLRequestData(
            query=payload.get("query"),
            variables=payload.get("variables"),
            operation_name=payload.get("operationName"),
            extensions=payload.get("extensions"),
        )
        try:
            data = await endpoint.document(data, context)
        except DocumentRefused as refused:
            raise Refused(refused.error) from None
        _subscription_only(data, settings.max_tokens)
        return {**payload, "query": data.query}


def _well_formed(payload: object) -> bool:
    """A payload of the shapes the protocol names; anything else would fail past here."""
    if not isinstance(payload, dict):
        return False
    shapes = {"query": str, "operationName": str, "variables": dict, "extensions": dict}
    return all(
        payload.get(key) is None or isinstance(payload[key], kind) for key, kind in shapes.items()
    )


def _subscription_only(data: GraphQLRequestData, max_tokens: int) -> None:
    """Refuses anything but one subscription the document selects: a query or a mutation, a
    document of several operations that names none, a name that matches none. A document that
    does not parse is left to the schema, which closes the socket (4400) as the protocol asks."""
    if not isinstance(data.query, str):
        return
    try:
        document = parse(data.query, max_tokens=max_tokens)
    except GraphQLSyntaxError:
        return
    operation = get_operation_ast(document, data.operation_name)
    if operation is None:
        # Left to strawberry, several operations and no name ran the first; a name that
        # matches none failed as an unexpected error.
        named = data.operation_name
        raise Refused(GraphQLError(
            f"The document has no operation named {named!r}; name its subscription in "
            "operationName." if named else
            "The document has no operation, or several: name the subscription to run in "
            "operationName.",
            extensions={"code": SUBSCRIPTIONS_ONLY},
        ))  # fmt: skip
    if operation.operation is not OperationType.SUBSCRIPTION:
        raise Refused(GraphQLError(
            "The WebSocket carries subscriptions only; the operation asked is a "
            f"{operation.operation.value}: send queries and mutations over HTTP (POST /graphql).",
            extensions={"code": SUBSCRIPTIONS_ONLY},
        ))  # fmt: skip
