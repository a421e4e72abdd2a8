"""GraphQL over HTTP: authentication, media types and status codes.

Follows the GraphQL-over-HTTP draft where it is cheap: `application/graphql-response+json`
when the client accepts it, 400 for a document that cannot be parsed or validated, 405 for a
mutation sent with GET, and errors always as a JSON `errors` list. The WebSocket at the same
path is held to the same rules (its upgrade here, its messages in `api.sockets`). A POST of a
JSON document is answered by `api.post`, to the same answers with less of the CPU; GET, the
GraphiQL page and WebSockets by strawberry's view.
"""

from __future__ import annotations

import math
from collections import Counter
from time import perf_counter
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.context import Context
from api.documents import DocumentRefused, document, settle
from api.graphiql import graphiql_page
from api.limits import limit_error
from api.observe import RequestMetrics
from api.rate import RateLimiter, failures
from api.sockets import SIGNED_IN_DIGEST, GuardedTransportWS, TokenChanges, presented
from infra.bootstrap import Container
from infra.tokens import ANONYMOUS, Principal, Role

# Where the principal a WebSocket's upgrade request authenticated as waits for its context.
PRINCIPAL = "guichet.principal"
# Where an HTTP request's context waits to be counted once its response is sent.
CONTEXT = "guichet.context"
# Set on a request answered with the GraphiQL page: a page load, not a GraphQL request to count.
IDE_PAGE = "guichet.ide_page"

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class Unauthenticated(HTTPException):
    def __init__(self, reason: str) -> None:
        super().__init__(401, reason)


class LimitExceeded(Exception):
    """A limit met before the document is read: the body's size, or the caller's rate."""

    def __init__(
        self, status: int, limit: str, maximum: int, message: str,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.limit, self.maximum, self.headers = status, limit, maximum, headers

    def response(self) -> Response:
        error = limit_error(self.limit, self.maximum, str(self))
        return JSONResponse({"errors": [error.formatted]}, self.status, self.headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status, headers=headers)


def request_size(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


def media_type(accept: str) -> str:
    accepted = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accepted else JSON


def address_of(connection: HTTPConnection) -> str:
    """The caller's address: the peer's, or the one a trusted proxy forwarded (`api.app`)."""
    return connection.client.host if connection.client else ""


def authenticate(container: Container, authorization: str | None) -> Principal:
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
    principal = container.tokens.authenticate(token.strip())
    if principal is None:
        raise Unauthenticated("The bearer token is not valid: it is unknown or was revoked.")
    return principal


class GraphQLEndpoint(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = GuardedTransportWS

    def __init__(self, container: Container, **kwargs: Any) -> None:
        from api.post import LeanPost
        from api.schema import build_schema

        schema = build_schema(container.settings)
        # Only graphql-transport-ws: its handler refuses operations before `connection_init`,
        # where the token is checked.
        super().__init__(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL], **kwargs)
        self.container = container
        # POSTs are answered by `api.post`; None sends them through strawberry's view too.
        self.lean: LeanPost | None = LeanPost(self, schema)
        self.max_subscriptions_per_connection = container.settings.socket_operations
        self.rate_limiter = RateLimiter(container.settings.rate_limit)
        budget = container.settings.statistics_public_budget
        # A bucket of an hour's answers, refilled evenly: comparing answers that differ by one
        # contact takes dozens of them, a person looking at figures a few.
        self.statistics_budget = RateLimiter(budget / 3600, burst=float(budget)) if budget else None
        self.failures = failures(container.settings.auth_failures)
        self.sockets: Counter[str] = Counter()  # open WebSockets by address
        self.request_metrics = RequestMetrics(container.metrics)
        self.token_changes = TokenChanges(container.token_log)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        started = perf_counter()
        request = Request(scope, receive=self._bounded(request_size(scope), receive))
        try:
            lean = self.lean if scope["method"] == "POST" else None
            response = await (lean.answer(request) if lean else self.run(request))
        except LimitExceeded as error:
            response = error.response()
        except Unauthenticated as error:
            response = error_response(401, error.reason, {"WWW-Authenticate": "Bearer"})
        except HTTPException as error:
            allow = {"Allow": "POST"} if error.status_code == 405 else None
            response = error_response(error.status_code, error.reason, allow)
        await response(scope, receive, send)
        if scope.get(IDE_PAGE):
            return
        context: Context | None = scope.get(CONTEXT)
        role = context.principal.role.value if context else None
        self.request_metrics.record(
            started, response.status_code, context.observed if context else None, role
        )

    def _bounded(self, declared: int | None, receive: Receive) -> Receive:
        """`receive`, refusing a body past the limit, whether declared or streamed."""
        most = self.container.settings.max_body_bytes
        read = 0

        def too_large() -> LimitExceeded:
            return LimitExceeded(
                413, "bodyBytes", most, f"The request body is larger than {most} bytes."
            )

        async def bounded() -> Message:
            nonlocal read
            if declared is not None and declared > most:
                raise too_large()
            message = await receive()
            read += len(message.get("body", b""))
            if read > most:
                raise too_large()
            return message

        return bounded

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket's upgrade request is held to the rules of an HTTP request: its token is
        checked (a bad one closes the socket, 4403) and counted when it fails, and it takes a
        token of the caller's rate (past it, or past the failures, 4429). An address holds at
        most `GUICHET_SOCKETS_PER_ADDRESS` open sockets (one more: 4429)."""
        socket = WebSocket(scope, receive=receive, send=send)
        address = address_of(socket)
        most = self.container.settings.sockets_per_address
        try:
            if self.sockets[address] >= most:
                raise LimitExceeded(
                    429, "socketsPerAddress", most, f"At most {most} WebSockets per address."
                )
            principal = self.sign_in(socket.headers.get("authorization"), address)
            self.pace(principal, address)  # the upgrade is a request like any
            scope[PRINCIPAL], scope[SIGNED_IN_DIGEST] = (
                principal,
                presented(socket.headers.get("authorization")),
            )
        except (Unauthenticated, LimitExceeded) as refused:
            await socket.accept(subprotocol=await self.pick_websocket_subprotocol(socket))
            code = 4429 if isinstance(refused, LimitExceeded) else 4403
            await socket.close(code=code, reason="Too many requests" if code == 4429
                               else "Forbidden")  # fmt: skip
            return
        self.sockets[address] += 1
        self.container.metrics.websockets.inc()
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.container.metrics.websockets.dec()
            self.sockets[address] -= 1
            if self.sockets[address] <= 0:
                del self.sockets[address]

    def sign_in(self, authorization: str | None, address: str) -> Principal:
        """The caller a token names. A valid token is always let through: tokens are random
        192-bit values, so failures are counted against noise and load, not against a guess
        succeeding, and must not lock out those who share the address. An invalid one counts
        against its address, and past the limit is refused (429) rather than told 401."""
        if not authorization:
            return ANONYMOUS
        try:
            return authenticate(self.container, authorization)
        except Unauthenticated:
            key = "address:" + address
            wait = self.failures.due(key)
            if wait > 0:
                most = self.container.settings.auth_failures
                raise LimitExceeded(
                    429, "authFailures", most,
                    f"More than {most} failed authentications a minute from this address; "
                    f"retry in {wait:.0f} s.",
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                ) from None  # fmt: skip
            self.failures.wait(key)
            raise

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        if isinstance(request, WebSocket):
            principal = request.scope.get(PRINCIPAL, ANONYMOUS)
        else:
            principal = self.sign_in(request.headers.get("authorization"), address_of(request))
            self.pace(principal, address_of(request))
        context = Context(
            container=self.container, principal=principal, request=request,
            statistics_budget=self.statistics_budget,
        )  # fmt: skip
        request.scope[CONTEXT] = context
        return context

    def pace(self, principal: Principal, address: str) -> None:
        signed_in = principal.role is not Role.PUBLIC
        caller = principal.name if signed_in else address
        wait = self.rate_limiter.wait(("token:" if signed_in else "address:") + caller)
        if wait > 0:
            rate = self.container.settings.rate_limit
            raise LimitExceeded(
                429, "rate", rate,
                f"More than {rate} requests a second from this caller; retry in {wait:.2f} s.",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )  # fmt: skip

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our own GraphiQL page: strawberry's loads its scripts from a CDN."""
        request.scope[IDE_PAGE] = True
        return graphiql_page()

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticates a WebSocket at `connection_init`: `{"authorization": "Bearer …"}`.

        No token keeps the caller of the upgrade request (the public without one); a bad one
        closes the connection (4403) and counts as a failure for the address.
        """
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        if authorization is not None:
            try:
                context.principal = self.sign_in(
                    authorization if isinstance(authorization, str) else "invalid",
                    address_of(context.request),
                )
                context.request.scope[SIGNED_IN_DIGEST] = presented(str(authorization))
            except (Unauthenticated, LimitExceeded):
                raise ConnectionRejectionError({"reason": "Forbidden"}) from None
        acknowledged: UnsetType = UNSET
        return acknowledged

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = media_type(request.headers.get("accept", ""))
        return sub_response

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        kwargs["context"].observed.operation = kwargs["request_data"].operation_name
        try:
            kwargs["request_data"] = await self.document(kwargs["request_data"], kwargs["context"])
        except DocumentRefused as refused:
            kwargs["sub_response"].status_code = 400
            return ExecutionResult(data=None, errors=[refused.error])
        try:
            result = await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            cause = error.__cause__
            if (
                isinstance(cause, InvalidOperationTypeError)
                and kwargs["request_adapter"].method == "GET"
            ):
                raise HTTPException(405, "Mutations are not allowed over GET; use POST.") from None
            raise
        status = settle(result, kwargs["context"])
        if status is not None:
            kwargs["sub_response"].status_code = status
        return result

    async def document(self, data: GraphQLRequestData, context: Context) -> GraphQLRequestData:
        return await document(data, context)

    # orjson: the standard library's coder was a tenth of the work of logging a contact.
    # orjson's decode error is a json.JSONDecodeError, which the view turns into a 400.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()  # text: WebSocket messages are text frames

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        if sub_response.status_code == 400 and isinstance(response_data, dict):
            response_data.pop("data", None)  # a request error has no data entry at all
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or JSON,
        )
        response.headers.raw.extend(
            (key, value) for key, value in sub_response.headers.raw if key != b"content-type"
        )
        return response
