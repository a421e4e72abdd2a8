"""The GraphQL schema, with its caches and limits built once per schema."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError, GraphQLObjectType, specified_rules
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types.execution import ExecutionContext

from api import access, conversion
from api.agreements import CoverageMutation
from api.audit import AsOfQuery, AuditQuery
from api.contact_mutations import InteractionMutation
from api.contact_records import InteractionQuery
from api.cost import unsized, unweighted
from api.coverage import CoverageQuery
from api.coverage_history import CoverageHistoryQuery
from api.directory import DirectoryMutation, DirectoryQuery
from api.directory_statistics import DirectoryStatisticsQuery
from api.enums import undescribed
from api.exposure import exposures
from api.guards import guard_fields, ruled, unrefusable
from api.limits import request_limits, typed
from api.lists import ListQuery
from api.masking import Masking
from api.nodes import NodeQuery
from api.record_mutations import RecordMutation
from api.records import RecordQuery
from api.scalars import overrides
from api.search import SearchQueryType
from api.service_mutations import ServiceMutation
from api.services import ServiceQuery
from api.shared_events import SharingExecutionContext
from api.statistics import StatisticsQuery, StatisticsSubscription
from api.system import SystemQuery
from api.taxonomy import TaxonomyMutation, TaxonomyQuery
from api.territories import TerritoryMutation, TerritoryQuery
from infra.settings import Settings

log = logging.getLogger("guichet.api")

CACHE_SIZE = 512


@strawberry.type(
    description="What a client may read: the directory and its search, territories and coverage "
    "over time, contacts and their statistics, the audit log, and the service's own state. "
    "Each field ends with who may call it (`Anyone.`, `Editors only.`…); admins may call "
    "every field, and a role that may not gets `NotAuthorizedError`."
)
class Query(
    DirectoryQuery,
    ServiceQuery,
    ListQuery,
    SearchQueryType,
    RecordQuery,
    TerritoryQuery,
    TaxonomyQuery,
    CoverageQuery,
    CoverageHistoryQuery,
    InteractionQuery,
    StatisticsQuery,
    DirectoryStatisticsQuery,
    AuditQuery,
    AsOfQuery,
    SystemQuery,
    NodeQuery,
):
    pass


@strawberry.type(
    description="Every write, each recorded as a business fact in the event log: directory "
    "records, taxonomy, coverage agreements and territories, contacts. Each answers what it "
    "wrote (with the log `position` to pass as `consistentWith`) or an expected error, in "
    "which case nothing was written. Each ends with who may call it; admins may call every "
    "one, and a role that may not gets `NotAuthorizedError`."
)
class Mutation(
    DirectoryMutation,
    ServiceMutation,
    RecordMutation,
    CoverageMutation,
    TerritoryMutation,
    TaxonomyMutation,
    InteractionMutation,
):
    pass


@strawberry.type(
    description="Live answers over WebSocket (`graphql-transport-ws`), sent again as the log "
    "changes what they show."
)
class Subscription(StatisticsSubscription):
    pass


class GuichetSchema(strawberry.Schema):
    # Every rule a document is validated by, as strawberry's execution context holds them;
    # the same objects, so that both request paths share the validation cache's entries.
    request_rules: tuple[type[ASTValidationRule], ...] = tuple(specified_rules)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            log.debug("GraphQL error: %s", error.message)


def build_schema(settings: Settings) -> GuichetSchema:
    conversion.install()
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
        query=ruled(Query, "Query"),
        mutation=ruled(Mutation, "Mutation"),
        subscription=ruled(Subscription, "Subscription"),
        extensions=extensions,
        scalar_overrides=overrides(),
        # Subscription events sent to many subscribers are completed once per selection.
        execution_context_class=SharingExecutionContext,
    )
    missing = (
        access.unruled(operations(schema))
        + access.untyped(object_types(schema))
        + access.unknown_arguments(arguments(schema))
    )
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
    refusing = unrefusable(schema._schema)
    if refusing:
        raise RuntimeError(f"restricted, so their results need NotAuthorizedError: {refusing}")
    values = undescribed(schema._schema)
    if values:
        raise RuntimeError(f"enum values without a description (api/vocabulary.py): {values}")
    guard_fields(schema._schema)
    schema.request_rules = (*specified_rules, *rules)
    return schema


def operations(schema: strawberry.Schema) -> list[str]:
    """Every query, mutation and subscription, as `Type.field`."""
    built = schema._schema
    roots = (built.query_type, built.mutation_type, built.subscription_type)
    return [f"{root.name}.{name}" for root in roots if root for name in root.fields]


def arguments(schema: strawberry.Schema) -> list[str]:
    """Every argument of every root field, as `Type.field.argument`."""
    roots = (schema._schema.query_type, schema._schema.mutation_type,
             schema._schema.subscription_type)  # fmt: skip
    return [
        f"{root.name}.{name}.{argument}"
        for root in roots
        if root is not None
        for name, field in root.fields.items()
        for argument in field.args
    ]


def object_types(schema: strawberry.Schema) -> list[str]:
    """Every object type but the roots and introspection's."""
    built = schema._schema
    roots = {built.query_type, built.mutation_type, built.subscription_type}
    return [
        name for name, kind in built.type_map.items()
        if isinstance(kind, GraphQLObjectType) and kind not in roots and not name.startswith("__")
    ]  # fmt: skip
