"""What both ways of serving a GraphQL request over HTTP share: the document a request names
(its own, or a registered one by its hash), and what a result's errors make its status."""

from __future__ import annotations

import dataclasses

from graphql import GraphQLError
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from api import access
from api.context import Context
from api.limits import tokens_error
from infra.persisted import digest


class DocumentRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, extensions={"code": code})


def is_request_error(result: ExecutionResult) -> bool:
    """A document that failed parsing or validation: no field ran, so there is no data."""
    return (
        result.data is None
        and bool(result.errors)
        and all(
            isinstance(error, GraphQLError) and error.path is None for error in result.errors or []
        )
    )


def settle(result: ExecutionResult, context: Context) -> int | None:
    """400 for a request error (its errors told as the limits they met), else None: the
    status is the view's. Counts whether the result carried errors."""
    status = None
    if is_request_error(result):
        status = 400
        most = context.container.settings.max_tokens
        result.errors = [tokens_error(error, most) for error in result.errors or []]
    context.observed.errors = bool(result.errors)
    return status


async def document(data: GraphQLRequestData, context: Context) -> GraphQLRequestData:
    """The registered document a request names by its hash, or the one it sent if the
    caller may send its own."""
    container = context.container
    asked = (data.extensions or {}).get("persistedQuery")
    if asked is None:
        settings = container.settings
        if (
            settings.production and settings.public_persisted_only
            and access.given_what_the_public_is(context.principal.role)
        ):  # fmt: skip
            raise DocumentRefused(
                "PERSISTED_QUERY_REQUIRED",
                "Public requests must name a registered document by its hash "
                "(extensions.persistedQuery.sha256Hash).",
            )
        return data
    sha256 = asked.get("sha256Hash") if isinstance(asked, dict) else None
    if not isinstance(sha256, str):
        raise DocumentRefused(
            "PERSISTED_QUERY_INVALID", "extensions.persistedQuery.sha256Hash must be a string."
        )
    registered = await context.call(container.persisted.get, sha256.lower())
    if registered is None:
        raise DocumentRefused(
            "PERSISTED_QUERY_NOT_FOUND",
            f"No document is registered with the hash {sha256}; register it with "
            "`guichet persisted add FILE`.",
        )
    if data.query is not None and digest(data.query) != sha256.lower():
        raise DocumentRefused(
            "PERSISTED_QUERY_MISMATCH", "The document sent does not have the hash named."
        )
    context.observed.persisted = True
    return dataclasses.replace(data, query=registered)
