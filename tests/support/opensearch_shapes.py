"""The shapes of OpenSearch 2.x's REST API that Guichet may use: endpoints with their methods
and query parameters, and the keys their bodies may hold, from OpenSearch's API reference.
Query DSL, sorts, aggregations and suggesters are walked recursively, and every field they name
must be in the index's mapping; analysers and filters must be defined or built in.

A validator, not a copy of today's requests: a new request, parameter, clause or analyser must
find its shape here (or be added here, from the reference) before the adapter may send it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.search.opensearch_bootstrap import index_body
from tests.support.fake_opensearch import Request
from tests.support.opensearch_dsl import Problems, Schema, query_problems, search_problems
from tests.support.opensearch_settings import index_problems, mapped_fields

NAME = r"[a-z0-9][^\\/*?\"<>| ,#:A-Z]*"
EXPRESSION = r"[a-z0-9*][^\\/?\"<>| #:A-Z]*"  # names, wildcards, commas

INDICES_COMMON = {"allow_no_indices", "expand_wildcards", "ignore_unavailable"}
MASTER = {"cluster_manager_timeout", "master_timeout", "timeout"}
REFRESH = {"true", "false", "wait_for", ""}


@dataclass(frozen=True)
class Endpoint:
    name: str
    methods: frozenset[str]
    path: re.Pattern[str]
    params: frozenset[str]
    body: Callable[[Any, Schema], Problems] | None = None  # None: no body allowed


def _keys(body: Any, allowed: set[str], where: str) -> Problems:
    if not isinstance(body, dict):
        return [f"{where}: an object expected, not {type(body).__name__}"]
    return [f"{where}: unknown key {key!r}" for key in body if key not in allowed]


def template_body(body: Any, schema: Schema) -> Problems:
    allowed = {"index_patterns", "template", "composed_of", "priority", "version", "_meta",
               "data_stream"}  # fmt: skip
    problems = _keys(body, allowed, "index template")
    if not problems:
        if not isinstance(body.get("index_patterns"), list):
            problems.append("index template: index_patterns must be a list")
        problems += index_problems(body.get("template", {}), "index template's template")
    return problems


def create_body(body: Any, schema: Schema) -> Problems:
    return index_problems(body, "index creation")


ACTIONS = {
    "add": {"index", "indices", "alias", "aliases", "is_write_index", "filter", "routing",
            "index_routing", "search_routing", "is_hidden", "must_exist"},
    "remove": {"index", "indices", "alias", "aliases", "must_exist"},
    "remove_index": {"index", "indices", "must_exist"},
}  # fmt: skip


def aliases_body(body: Any, schema: Schema) -> Problems:
    problems = _keys(body, {"actions"}, "_aliases")
    for action in body.get("actions", []) if not problems else []:
        if not isinstance(action, dict) or len(action) != 1:
            problems.append(f"_aliases: one action per item, not {action!r}")
            continue
        [(kind, args)] = action.items()
        if kind not in ACTIONS:
            problems.append(f"_aliases: unknown action {kind!r}")
            continue
        problems += _keys(args, ACTIONS[kind], f"_aliases {kind}")
        if not {"index", "indices"} & set(args):
            problems.append(f"_aliases {kind}: names no index")
        if kind != "remove_index" and not {"alias", "aliases"} & set(args):
            problems.append(f"_aliases {kind}: names no alias")
        if "is_write_index" in args and not isinstance(args["is_write_index"], bool):
            problems.append("_aliases add: is_write_index must be a boolean")
    return problems


BULK_META = {"_index", "_id", "routing", "version", "version_type", "if_seq_no",
             "if_primary_term", "pipeline", "require_alias", "retry_on_conflict",
             "_source"}  # fmt: skip
VERSION_TYPES = {"internal", "external", "external_gte"}


def bulk_body(body: Any, schema: Schema) -> Problems:
    if not isinstance(body, list) or not body:
        return ["_bulk: NDJSON lines expected, and at least one action"]
    problems: Problems = []
    lines = iter(body)
    for action in lines:
        if not isinstance(action, dict) or len(action) != 1:
            problems.append(f"_bulk: an action line expected, not {action!r}")
            continue
        [(kind, meta)] = action.items()
        if kind not in ("index", "create", "update", "delete"):
            problems.append(f"_bulk: unknown action {kind!r}")
            continue
        problems += _keys(meta, BULK_META, f"_bulk {kind}")
        if meta.get("version_type", "internal") not in VERSION_TYPES:
            problems.append(f"_bulk: unknown version_type {meta['version_type']!r}")
        if kind == "delete":
            continue
        document = next(lines, None)
        if not isinstance(document, dict):
            problems.append(f"_bulk {kind}: a document line expected")
            continue
        unmapped = set(document) - schema.properties
        if unmapped and schema.strict:
            problems.append(f"_bulk: fields not in the strict mapping: {sorted(unmapped)}")
    return problems


def search_body(body: Any, schema: Schema) -> Problems:
    return search_problems(body, schema)


def count_body(body: Any, schema: Schema) -> Problems:
    problems = _keys(body, {"query"}, "_count")
    return problems or query_problems(body.get("query", {"match_all": {}}), schema, "_count")


ANALYZE = {"analyzer", "text", "tokenizer", "filter", "char_filter", "field", "explain",
           "attributes", "normalizer"}  # fmt: skip


def analyze_body(body: Any, schema: Schema) -> Problems:
    problems = _keys(body, ANALYZE, "_analyze")
    analyzer = body.get("analyzer") if isinstance(body, dict) else None
    if analyzer is not None and analyzer not in schema.analyzers:
        problems.append(f"_analyze: analyzer {analyzer!r} is neither defined nor built in")
    return problems


def _path(*parts: str) -> re.Pattern[str]:
    return re.compile("^/" + "/".join(parts) + "$")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("ping", frozenset({"HEAD"}), re.compile("^/$"), frozenset()),
    Endpoint("put index template", frozenset({"PUT", "POST"}), _path("_index_template", NAME),
             frozenset({"create", "cause"} | MASTER), template_body),
    Endpoint("delete index template", frozenset({"DELETE"}), _path("_index_template", NAME),
             frozenset(MASTER)),
    Endpoint("create index", frozenset({"PUT"}), _path(NAME),
             frozenset({"wait_for_active_shards"} | MASTER), create_body),
    Endpoint("index exists", frozenset({"HEAD"}), _path(EXPRESSION),
             frozenset({"flat_settings", "include_defaults", "local", "cluster_manager_timeout"}
                       | INDICES_COMMON)),
    Endpoint("alias exists", frozenset({"HEAD"}), _path("_alias", NAME),
             frozenset({"local"} | INDICES_COMMON)),
    Endpoint("get aliases", frozenset({"GET"}), re.compile(f"^/({EXPRESSION}/)?_alias(/{NAME})?$"),
             frozenset({"local"} | INDICES_COMMON)),
    Endpoint("update aliases", frozenset({"POST"}), _path("_aliases"), frozenset(MASTER),
             aliases_body),
    Endpoint("delete index", frozenset({"DELETE"}), _path(EXPRESSION),
             frozenset(MASTER | INDICES_COMMON)),
    Endpoint("refresh", frozenset({"POST", "GET"}), _path(EXPRESSION, "_refresh"),
             frozenset(INDICES_COMMON)),
    Endpoint("bulk", frozenset({"POST", "PUT"}), re.compile(f"^(/{NAME})?/_bulk$"),
             frozenset({"pipeline", "refresh", "require_alias", "routing", "timeout",
                        "wait_for_active_shards", "_source", "_source_includes",
                        "_source_excludes"}), bulk_body),
    Endpoint("search", frozenset({"POST", "GET"}), _path(EXPRESSION, "_search"),
             frozenset({"allow_partial_search_results", "preference", "routing",
                        "search_type", "request_cache", "typed_keys", "rest_total_hits_as_int",
                        "ccs_minimize_roundtrips"} | INDICES_COMMON), search_body),
    Endpoint("count", frozenset({"POST", "GET"}), _path(EXPRESSION, "_count"),
             frozenset({"routing", "preference", "min_score"} | INDICES_COMMON), count_body),
    Endpoint("analyze", frozenset({"POST", "GET"}), re.compile(f"^(/{NAME})?/_analyze$"),
             frozenset(), analyze_body),
)  # fmt: skip

# What the search adapter sends (the rest is for operators: the smoke script, the contract suite).
ADAPTER = {e.name for e in ENDPOINTS} - {
    "count",
    "analyze",
    "alias exists",
    "delete index template",
}


def endpoint_of(method: str, path: str) -> Endpoint | None:
    for endpoint in ENDPOINTS:
        if method in endpoint.methods and endpoint.path.match(path):
            return endpoint
    return None


def problems_of(
    method: str, path: str, params: dict[str, str], body: Any, schema: Schema
) -> Problems:
    """Why OpenSearch's API has no such request (empty when it has)."""
    endpoint = endpoint_of(method, path)
    if endpoint is None:
        return [f"{method} {path}: no such endpoint in the table"]
    where = f"{method} {path} ({endpoint.name})"
    problems = [f"{where}: unknown parameter {p!r}" for p in params if p not in endpoint.params]
    if "refresh" in params and params["refresh"] not in REFRESH:
        problems.append(f"{where}: refresh={params['refresh']!r}")
    if "require_alias" in params and params["require_alias"] not in ("true", "false"):
        problems.append(f"{where}: require_alias={params['require_alias']!r}")
    if endpoint.body is None:
        if body is not None:
            problems.append(f"{where}: no body allowed")
    elif body is not None or endpoint.name in ("bulk", "update aliases"):
        problems += [f"{where}: {p}" for p in endpoint.body(body, schema)]
    return problems


def recorded_problems(requests: list[Request]) -> Problems:
    """Why OpenSearch's API has none of these requests, with the index Guichet makes."""
    schema = Schema.of(index_body())
    return [p for r in requests for p in problems_of(r.method, r.path, r.params, r.body, schema)]


__all__ = ["ADAPTER", "ENDPOINTS", "Schema", "mapped_fields", "problems_of", "recorded_problems"]
