"""The lean path of a GraphQL POST: what strawberry's view and execute pipeline do for it, in
one pass, to the same answers.

The view's own work per request (its request adapter, sub-response and the per-request
extension runner with its six extensions' hooks) was about as much CPU as graphql-core's
execution of a contact. Here each extension's hook is one step: the document is parsed and
validated through the same caches (strawberry's parser and validation caches, keyed by the
document's text and by the parsed document), with the same rules (`GuichetSchema.request_rules`,
the token limit), then refused by `api.limits.refusal` as `RequestLimits` refuses, executed by
graphql-core as `Schema.execute` executes it, and masked by `api.masking.Masking`'s own rules.
Errors take the paths they take there: those raised while parsing or validating are told as
they are, without masking; those a result carries are logged, then masked.

Only a POST whose body is a JSON object with well-typed members takes this path; anything
else (another content type, a batch, a body that is not JSON) is answered by the view, with
the context already made, so the caller is authenticated and paced once.
"""

from __future__ import annotations

from inspect import isawaitable
from typing import TYPE_CHECKING, Any

import orjson
from cross_web import HTTPException
from graphql import ExecutionResult as CoreResult
from graphql import GraphQLError, OperationDefinitionNode, execute
from starlette.requests import Request
from starlette.responses import Response
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.utils.operation import get_operation_type

from api.context import Context
from api.documents import DocumentRefused, document, settle
from api.limits import refusal
from api.masking import Masking
from api.schema import CACHE_SIZE, GuichetSchema

if TYPE_CHECKING:
    from api.http import GraphQLEndpoint

# The content types whose parse is known: any other is parsed as strawberry parses it.
# (strawberry's parse keeps the case: `Application/JSON` is not JSON to it.)
PLAIN_JSON = frozenset({"application/json", "application/json; charset=utf-8"})


class LeanPost:
    def __init__(self, endpoint: GraphQLEndpoint, schema: GuichetSchema) -> None:
        self.endpoint = endpoint
        self.schema = schema
        self.built = schema._schema
        self.settings = endpoint.container.settings
        # The caches strawberry's ParserCache and ValidationCache use: one entry per document
        # for both paths.
        self.parse = _get_parse_cache(CACHE_SIZE)
        self.validate = _get_validate_cache(CACHE_SIZE)
        self.masking = Masking()

    async def answer(self, request: Request) -> Response:
        from api.http import media_type

        endpoint = self.endpoint
        context = await endpoint.get_context(request, None)
        data = await self.request_data(request)
        if data is None:  # not one this path knows: the view's, with its own refusals
            return await endpoint.run(request, context=context, root_value=None)
        status, result = await self.run(data, context)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        if status == 400:
            del body["data"]  # a request error has no data entry at all
        accept = media_type(request.headers.get("accept", ""))
        return Response(orjson.dumps(body), status_code=status, media_type=accept)

    async def request_data(self, request: Request) -> GraphQLRequestData | None:
        """The request's members, if its body is a JSON object of the types they must be."""
        content_type = request.headers.get("content-type", "")
        known = content_type in PLAIN_JSON
        if not known and "application/json" not in parse_content_type(content_type)[0]:
            return None
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        if isinstance(data, list):
            return None  # the view refuses batches in its own words
        if not isinstance(data, dict):  # the view would fail on it (500)
            raise HTTPException(400, "The request body must be a JSON object.")
        query, variables = data.get("query"), data.get("variables")
        name, extensions = data.get("operationName"), data.get("extensions")
        if not (
            isinstance(query, (str, type(None)))
            and isinstance(variables, (dict, type(None)))
            and isinstance(name, (str, type(None)))
            and isinstance(extensions, (dict, type(None)))
        ):
            return None
        return GraphQLRequestData(query, variables, name, extensions)

    async def run(self, data: GraphQLRequestData, context: Context) -> tuple[int, ExecutionResult]:
        """The status and result, as `GraphQLEndpoint.execute_single` gives them."""
        context.observed.operation = data.operation_name
        try:
            data = await document(data, context)
        except DocumentRefused as refused:
            return 400, ExecutionResult(data=None, errors=[refused.error])
        result = await self.execute(data, context)
        return settle(result, context) or 200, result

    async def execute(self, data: GraphQLRequestData, context: Context) -> ExecutionResult:
        """`Schema.execute` with our extensions, for a POST."""
        if not data.query:
            raise HTTPException(400, "No GraphQL query found in the request")
        try:
            parsed = self.parse(data.query, max_tokens=self.settings.max_tokens)
            name = data.operation_name
            if name is None:
                first = next(
                    (d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)), None
                )
                name = first.name.value if first is not None and first.name else None
            try:
                get_operation_type(parsed, name)  # a POST may carry any type of operation
            except RuntimeError as error:
                reason = CannotGetOperationTypeError(name).as_http_error_reason()
                raise HTTPException(400, reason) from error
            errors = self.validate(self.built, parsed, self.schema.request_rules)
            if not errors:
                refused = refusal(self.settings, self.built, parsed, name, context, data.variables)
                errors = [refused] if refused is not None else errors
            if errors:
                return self.told(errors, None)
            result = execute(
                self.built, parsed, context_value=context, variable_values=data.variables,
                operation_name=name, is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                executor_class=self.schema.execution_context_class,
                operation_extensions=data.extensions,
            )  # fmt: skip
            if isawaitable(result):
                result = await result
        except HTTPException:
            raise
        except Exception as error:  # told, unmasked, as strawberry tells it
            told = error if isinstance(error, GraphQLError) else GraphQLError(
                str(error), original_error=error
            )  # fmt: skip
            self.schema._process_errors([told])
            return ExecutionResult(data=None, errors=[told])
        assert isinstance(result, CoreResult)
        return self.told(result.errors, result.data)

    def told(self, errors: list[GraphQLError] | None, data: Any) -> ExecutionResult:
        """The errors logged (`process_errors`), then masked, as the Masking extension does."""
        if errors:
            self.schema._process_errors(errors)
            masking = self.masking
            errors = [
                masking.anonymise_error(error) if masking.should_mask_error(error) else error
                for error in errors
            ]
        return ExecutionResult(data=data, errors=errors)
