"""The GraphQL schema, with its caches and limits built once per schema."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError, GraphQLObjectType
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types.execution import ExecutionContext

from api import access
from api.audit import AsOfQuery, AuditQuery
from api.cost import unsized, unweighted
from api.coverage import (
    CoverageHistoryQuery,
    CoverageMutation,
    CoverageQuery,
    TerritoryMutation,
)
from api.directory import DirectoryMutation, DirectoryQuery
from api.exposure import exposures
from api.guards import guard_fields
from api.interactions import InteractionMutation, InteractionQuery
from api.limits import request_limits, typed
from api.masking import Masking
from api.nodes import NodeQuery
from api.records import RecordMutation, RecordQuery
from api.search import SearchQueryType
from api.service_mutations import ServiceMutation
from api.services import ServiceQuery
from api.statistics import StatisticsQuery, StatisticsSubscription
from api.system import SystemQuery
from api.territories import TerritoryQuery
from infra.settings import Settings

log = logging.getLogger("guichet.api")

CACHE_SIZE = 512


@strawberry.type
class Query(
    DirectoryQuery,
    ServiceQuery,
    SearchQueryType,
    RecordQuery,
    TerritoryQuery,
    CoverageQuery,
    CoverageHistoryQuery,
    InteractionQuery,
    StatisticsQuery,
    AuditQuery,
    AsOfQuery,
    SystemQuery,
    NodeQuery,
):
    pass


@strawberry.type
class Mutation(
    DirectoryMutation,
    ServiceMutation,
    RecordMutation,
    CoverageMutation,
    TerritoryMutation,
    InteractionMutation,
):
    pass


@strawberry.type
class Subscription(StatisticsSubscription):
    pass


class GuichetSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            log.debug("GraphQL error: %s", error.message)


def build_schema(settings: Settings) -> strawberry.Schema:
    rules: list[type[ASTValidationRule]] = [
        typed(depth_rule(settings.max_query_depth, None, None), "depth", settings.max_query_depth),
        typed(alias_rule(settings.max_aliases), "aliases", settings.max_aliases),
    ]

    class Limits(AddValidationRules):
        def __init__(self) -> None:
            super().__init__(rules)

    def tokens() -> MaxTokensLimiter:
        return MaxTokensLimiter(max_token_count=settings.max_tokens)

    def parser_cache() -> ParserCache:
        return ParserCache(maxsize=CACHE_SIZE)

    def validation_cache() -> ValidationCache:
        return ValidationCache(maxsize=CACHE_SIZE)

    extensions: list[Any] = [
        Masking, tokens, parser_cache, Limits, validation_cache, request_limits(settings),
    ]  # fmt: skip
    schema = GuichetSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )
    missing = access.unruled(operations(schema)) + access.untyped(object_types(schema))
    if missing:
        raise RuntimeError(f"no access rule in api/access.py for {', '.join(missing)}")
    exposed = exposures(schema._schema)
    if exposed:
        raise RuntimeError("nested fields expose types to roles:\n" + "\n".join(exposed))
    lists = unsized(schema._schema)
    if lists:
        raise RuntimeError(f"no declared size in api/cost.py for the lists {', '.join(lists)}")
    texts = unweighted(schema._schema)
    if texts:
        raise RuntimeError(f"no weight in api/cost.py for the texts {', '.join(texts)}")
    guard_fields(schema._schema)
    return schema


def operations(schema: strawberry.Schema) -> list[str]:
    """Every query, mutation and subscription, as `Type.field`."""
    built = schema._schema
    roots = (built.query_type, built.mutation_type, built.subscription_type)
    return [f"{root.name}.{name}" for root in roots if root for name in root.fields]


def object_types(schema: strawberry.Schema) -> list[str]:
    """Every object type but the roots and introspection's."""
    built = schema._schema
    roots = {built.query_type, built.mutation_type, built.subscription_type}
    return [
        name for name, kind in built.type_map.items()
        if isinstance(kind, GraphQLObjectType) and kind not in roots and not name.startswith("__")
    ]  # fmt: skip
