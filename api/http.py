"""GraphQL over HTTP: authentication, media types and status codes.

Follows the GraphQL-over-HTTP draft where it is cheap: `application/graphql-response+json`
when the client accepts it, 400 for a document that cannot be parsed or validated, 405 for a
mutation sent with GET, and errors always as a JSON `errors` list.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.context import Context
from infra.bootstrap import Container
from infra.tokens import ANONYMOUS, Principal

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class Unauthenticated(HTTPException):
    def __init__(self, reason: str) -> None:
        super().__init__(401, reason)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status, headers=headers)


def media_type(accept: str) -> str:
    accepted = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accepted else JSON


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


def is_request_error(result: ExecutionResult) -> bool:
    """A document that failed parsing or validation: no field ran, so there is no data."""
    return (
        result.data is None
        and bool(result.errors)
        and all(
            isinstance(error, GraphQLError) and error.path is None for error in result.errors or []
        )
    )


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, container: Container, **kwargs: Any) -> None:
        from api.schema import build_schema

        # Only graphql-transport-ws: its handler refuses operations before `connection_init`,
        # where the token is checked.
        super().__init__(
            build_schema(container.settings),
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            **kwargs,
        )
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            response = await self.run(request)
        except Unauthenticated as error:
            response = error_response(401, error.reason, {"WWW-Authenticate": "Bearer"})
        except HTTPException as error:
            allow = {"Allow": "POST"} if error.status_code == 405 else None
            response = error_response(error.status_code, error.reason, allow)
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        principal = authenticate(self.container, request.headers.get("authorization"))
        return Context(container=self.container, principal=principal, request=request)

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticates a WebSocket at `connection_init`: `{"authorization": "Bearer …"}`.

        No token gives the public role; a bad one closes the connection (4403).
        """
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        try:
            context.principal = authenticate(
                self.container, authorization if isinstance(authorization, str) else None
            )
        except Unauthenticated as error:
            raise ConnectionRejectionError({"reason": error.reason}) from None
        acknowledged: UnsetType = UNSET
        return acknowledged

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = media_type(request.headers.get("accept", ""))
        return sub_response

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
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
        if is_request_error(result):
            kwargs["sub_response"].status_code = 400
        return result

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
