"""The WebSocket carries subscriptions only, under the rules of HTTP.

Each `subscribe` message is held, before it runs, to what an HTTP request is held to: the
caller's rate (one request of the same bucket), the persisted-only rule, and the document
limits (depth, aliases, tokens and cost are the schema's own rules, run for every operation).
A socket runs a bounded number of operations at once (`GUICHET_SOCKET_OPERATIONS`).

Queries and mutations are refused here rather than run: HTTP already answers them, with its
body limit, status codes and one rate token per request, while a socket would let one
connection run them by the hundred without any of that (324 in 0.17 s). The socket is for
`statisticsChanged`, which HTTP cannot carry.

A socket signed in with a token keeps the token's digest (never the token) and holds to it for
as long as it is open: at each `subscribe`, when the log's tokens change (the follower's
callback) and when the token expires, it is looked up again; once it no longer signs in
(revoked, rotated, expired) the socket's subscriptions end and it is closed with 4403.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import suppress
from typing import TYPE_CHECKING, Any, cast

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from graphql.error import GraphQLSyntaxError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from api.context import Context
from api.limits import limit_error
from infra.tokens import digest

if TYPE_CHECKING:
    from api.http import GraphQLEndpoint
    from infra.token_log import TokenLog

SUBSCRIPTIONS_ONLY = "SUBSCRIPTIONS_ONLY"
# Where a socket's scope keeps the digest of the token it signed in with.
SIGNED_IN_DIGEST = "guichet.token-digest"
# A token's expiry is looked at again no sooner than this after the last look.
SOONEST = 0.05


def presented(authorization: str | None) -> str | None:
    """The digest of the bearer token of a header that signed in, if it has one."""
    token = (authorization or "").partition(" ")[2].strip()
    return digest(token) if token else None


class TokenChanges:
    """Wakes the sockets signed in with a token when the log's tokens change: one callback
    from the follower's thread, after a read that changed them (about once a second at most),
    instead of each socket asking every second."""

    def __init__(self, log: TokenLog) -> None:
        self._waiting: dict[asyncio.Event, asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()
        log.listen(self._changed)

    def waiting(self) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._waiting[event] = asyncio.get_running_loop()
        return event

    def done(self, event: asyncio.Event) -> None:
        with self._lock:
            self._waiting.pop(event, None)

    def _changed(self) -> None:
        with self._lock:
            waiting = list(self._waiting.items())
        for event, loop in waiting:
            with suppress(RuntimeError):  # its loop closed meanwhile
                loop.call_soon_threadsafe(event.set)


class Refused(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


class GuardedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    _watching: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._watching is None and self._token():
            self._watching = asyncio.create_task(self._watch())

    async def shutdown(self) -> None:
        if self._watching is not None and self._watching is not asyncio.current_task():
            self._watching.cancel()
            with suppress(asyncio.CancelledError):
                await self._watching
        await super().shutdown()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and not self._signed_in():
            await self._forbid()
            return
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

    def _token(self) -> str | None:
        token: str | None = self.context.request.scope.get(SIGNED_IN_DIGEST)
        return token

    def _signed_in(self) -> bool:
        """Whether the token the socket signed in with, if any, still signs in as it did."""
        token = self._token()
        if token is None:
            return True
        tokens = cast("GraphQLEndpoint", self.view).container.tokens
        return tokens.principal(token) == self.context.principal

    async def _watch(self) -> None:
        endpoint = cast("GraphQLEndpoint", self.view)
        changes, log = endpoint.token_changes, endpoint.container.token_log
        changed = changes.waiting()
        try:
            while self._signed_in():
                left = log.remaining(self._token() or "")
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        changed.wait(), None if left is None else max(left, SOONEST)
                    )
                changed.clear()
            await self._forbid()
        finally:
            changes.done(changed)

    async def _forbid(self) -> None:
        """Ends the socket's subscriptions, then closes it as graphql-transport-ws says of a
        connection that may not go on."""
        for operation in list(self.operations):
            await self.cleanup_operation(operation)
        with suppress(Exception):  # closed already, from the other side
            await self.websocket.close(code=4403, reason="Forbidden")

    async def _screened(self, message: SubscribeMessage) -> dict[str, Any]:
        from api.documents import DocumentRefused
        from api.http import LimitExceeded, address_of

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
