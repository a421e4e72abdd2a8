"""Shapes of a search body: the query DSL's clauses walked recursively, sorts, aggregations
and suggesters, from OpenSearch 2.x's reference; every field named must be mapped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.support.opensearch_components import script_problems
from tests.support.opensearch_settings import BUILTIN_ANALYZERS, mapped_fields

Problems = list[str]


@dataclass(frozen=True)
class Schema:
    """What the index knows: its fields, its analysers, whether its mapping is strict."""

    fields: frozenset[str]
    properties: frozenset[str]
    analyzers: frozenset[str]
    strict: bool

    @classmethod
    def of(cls, body: dict[str, Any]) -> Schema:
        mappings = body.get("mappings", {})
        analysis = body.get("settings", {}).get("analysis", {})
        return cls(
            frozenset(mapped_fields(mappings)),
            frozenset(mappings.get("properties", {})),
            frozenset(BUILTIN_ANALYZERS | set(analysis.get("analyzer", {}))),
            mappings.get("dynamic") == "strict",
        )


COMMON = {"boost", "_name"}
# Compound clauses: the keys holding further clauses, and their other keys.
COMPOUND: dict[str, tuple[set[str], set[str]]] = {
    "bool": ({"must", "filter", "should", "must_not"}, {"minimum_should_match"}),
    "constant_score": ({"filter"}, set()),
    "dis_max": ({"queries"}, {"tie_breaker"}),
    "boosting": ({"positive", "negative"}, {"negative_boost"}),
    "function_score": ({"query"}, {"functions", "boost_mode", "score_mode", "max_boost",
                                   "min_score", "weight", "field_value_factor",
                                   "random_score", "script_score"}),
    "nested": ({"query"}, {"path", "score_mode", "ignore_unmapped", "inner_hits"}),
    "script_score": ({"query"}, {"script", "min_score"}),
}  # fmt: skip
# Leaf clauses on one field: {field: value or {options}}.
ON_FIELD: dict[str, set[str]] = {
    "term": {"value", "case_insensitive"},
    "terms": set(),  # {field: [values]}, beside boost
    "match": {"query", "operator", "analyzer", "fuzziness", "prefix_length", "max_expansions",
              "minimum_should_match", "zero_terms_query", "lenient", "fuzzy_transpositions",
              "fuzzy_rewrite", "auto_generate_synonyms_phrase_query", "cutoff_frequency"},
    "match_phrase": {"query", "analyzer", "slop", "zero_terms_query"},
    "match_phrase_prefix": {"query", "analyzer", "max_expansions", "slop", "zero_terms_query"},
    "match_bool_prefix": {"query", "analyzer", "fuzziness", "operator", "minimum_should_match",
                          "prefix_length", "max_expansions", "fuzzy_transpositions",
                          "fuzzy_rewrite"},
    "prefix": {"value", "rewrite", "case_insensitive"},
    "wildcard": {"value", "wildcard", "rewrite", "case_insensitive"},
    "regexp": {"value", "flags", "max_determinized_states", "rewrite", "case_insensitive"},
    "fuzzy": {"value", "fuzziness", "prefix_length", "max_expansions", "transpositions",
              "rewrite"},
    "range": {"gte", "gt", "lte", "lt", "format", "relation", "time_zone", "from", "to",
              "include_lower", "include_upper"},
}  # fmt: skip
# Leaf clauses with fixed keys.
FIXED: dict[str, set[str]] = {
    "multi_match": {"query", "fields", "type", "operator", "analyzer", "fuzziness",
                    "prefix_length", "max_expansions", "minimum_should_match", "tie_breaker",
                    "lenient", "zero_terms_query", "fuzzy_transpositions", "slop",
                    "auto_generate_synonyms_phrase_query", "fuzzy_rewrite"},
    "query_string": {"query", "fields", "default_field", "default_operator", "analyzer",
                     "quote_analyzer", "allow_leading_wildcard", "fuzziness", "lenient",
                     "analyze_wildcard", "minimum_should_match", "quote_field_suffix",
                     "phrase_slop", "type", "tie_breaker"},
    "simple_query_string": {"query", "fields", "default_operator", "analyzer", "flags",
                            "fuzzy_max_expansions", "fuzzy_prefix_length", "fuzzy_transpositions",
                            "lenient", "minimum_should_match", "quote_field_suffix",
                            "analyze_wildcard", "auto_generate_synonyms_phrase_query"},
    "exists": {"field"},
    "ids": {"values"},
    "match_all": set(),
    "match_none": set(),
}  # fmt: skip
MULTI_MATCH_TYPES = {"best_fields", "most_fields", "cross_fields", "phrase", "phrase_prefix",
                     "bool_prefix"}  # fmt: skip
NO_FUZZINESS = {"cross_fields", "phrase", "phrase_prefix"}


def _field(name: str, schema: Schema, where: str) -> Problems:
    base = name.split("^")[0]  # "name_fr^3": a boosted field
    if "*" in base:
        return (
            []
            if any(re.fullmatch(base.replace("*", ".*"), f) for f in schema.fields)
            else [f"{where}: no field matches {name!r}"]
        )
    return [] if base in schema.fields else [f"{where}: field {name!r} is not mapped"]


def _analysis_options(args: dict[str, Any], schema: Schema, where: str) -> Problems:
    problems: Problems = []
    if "analyzer" in args and args["analyzer"] not in schema.analyzers:
        problems.append(f"{where}: analyzer {args['analyzer']!r} is not defined")
    if str(args.get("zero_terms_query", "none")).lower() not in ("none", "all"):
        problems.append(f"{where}: zero_terms_query {args['zero_terms_query']!r}")
    return problems


def query_problems(clause: Any, schema: Schema, where: str) -> Problems:
    if not isinstance(clause, dict) or len(clause) != 1:
        return [f"{where}: one clause expected, not {clause!r}"]
    [(kind, args)] = clause.items()
    here = f"{where}.{kind}"
    if not isinstance(args, dict):
        return [f"{here}: an object expected"]
    if kind in COMPOUND:
        nested, other = COMPOUND[kind]
        problems = [f"{here}: unknown key {k!r}" for k in args if k not in nested | other | COMMON]
        for key in nested & set(args):
            inner = args[key]
            for i, sub in enumerate(inner if isinstance(inner, list) else [inner]):
                problems += query_problems(sub, schema, f"{here}.{key}[{i}]")
        if kind == "script_score":
            if "query" not in args or "script" not in args:
                problems.append(f"{here}: query and script are required")
            problems += script_problems(args.get("script", {}), f"{here}.script")
        if kind == "function_score" and "script_score" in args:
            inner_script = args["script_score"]
            problems += [f"{here}.script_score: unknown key {k!r}" for k in inner_script
                         if k != "script"]  # fmt: skip
            problems += script_problems(inner_script.get("script", {}), f"{here}.script_score")
        return problems
    if kind in FIXED:
        problems = [f"{here}: unknown key {k!r}" for k in args if k not in FIXED[kind] | COMMON]
        for name in args.get("fields", []):
            problems += _field(name, schema, here)
        if "field" in args:
            problems += _field(args["field"], schema, here)
        if kind == "multi_match":
            shape = args.get("type", "best_fields")
            if shape not in MULTI_MATCH_TYPES:
                problems.append(f"{here}: unknown type {shape!r}")
            if "fuzziness" in args and shape in NO_FUZZINESS:
                problems.append(f"{here}: fuzziness is not allowed with type {shape}")
            if str(args.get("operator", "or")).lower() not in ("and", "or"):
                problems.append(f"{here}: operator {args['operator']!r}")
            problems += _analysis_options(args, schema, here)
        return problems
    if kind in ON_FIELD:
        names = [k for k in args if k not in COMMON]
        if len(names) != 1:
            return [f"{here}: one field expected, not {names}"]
        [name] = names
        problems = _field(name, schema, here)
        value = args[name]
        if kind == "terms" and not isinstance(value, list):
            problems.append(f"{here}: a list of values expected")
        elif isinstance(value, dict) and kind != "terms":
            problems += [f"{here}.{name}: unknown key {k!r}" for k in value
                         if k not in ON_FIELD[kind] | COMMON]  # fmt: skip
            if "operator" in value and str(value["operator"]).lower() not in ("and", "or"):
                problems.append(f"{here}: operator {value['operator']!r}")
            problems += _analysis_options(value, schema, here)
        return problems
    return [f"{here}: no such query clause"]


SEARCH = {"query", "sort", "size", "from", "track_total_hits", "_source", "aggs",
          "aggregations", "search_after", "timeout", "suggest", "highlight", "min_score",
          "post_filter", "explain", "stored_fields", "docvalue_fields", "collapse", "rescore",
          "terminate_after", "track_scores", "version", "seq_no_primary_term", "fields",
          "script_fields", "indices_boost"}  # fmt: skip
ORDER = {"asc", "desc"}
SORT_OPTIONS = {"order", "missing", "mode", "unmapped_type", "numeric_type", "nested", "format"}


def sort_problems(sort: Any, schema: Schema) -> Problems:
    problems: Problems = []
    for entry in sort if isinstance(sort, list) else [sort]:
        if isinstance(entry, str):
            if entry not in ("_score", "_doc"):
                problems += _field(entry, schema, "sort")
            continue
        [(key, spec)] = entry.items()
        if key == "_script":
            problems += [f"sort._script: unknown key {k!r}" for k in spec
                         if k not in {"type", "order", "script", "mode", "nested"}]  # fmt: skip
            if spec.get("type") not in ("number", "string"):
                problems.append(f"sort._script: type {spec.get('type')!r}")
            if "script" not in spec:
                problems.append("sort._script: no script")
            problems += script_problems(spec.get("script", {}), "sort._script.script")
        elif key not in ("_score", "_doc", "_geo_distance"):
            problems += _field(key, schema, "sort")
        if isinstance(spec, str) and spec not in ORDER:
            problems.append(f"sort.{key}: order {spec!r}")
        if isinstance(spec, dict) and key != "_script" and key != "_geo_distance":
            problems += [f"sort.{key}: unknown key {k!r}" for k in spec if k not in SORT_OPTIONS]
        if isinstance(spec, dict) and spec.get("order", "asc") not in ORDER:
            problems.append(f"sort.{key}: order {spec.get('order')!r}")
    return problems


TERMS_AGG = {"field", "size", "order", "min_doc_count", "shard_size", "missing", "include",
             "exclude", "script", "show_term_doc_count_error", "execution_hint",
             "collect_mode", "value_type"}  # fmt: skip
METRIC = {"field", "script", "missing", "precision_threshold", "format"}


def aggs_problems(aggs: Any, schema: Schema) -> Problems:
    problems: Problems = []
    for name, spec in aggs.items():
        kinds = [k for k in spec if k not in ("aggs", "aggregations", "meta")]
        if len(kinds) != 1:
            problems.append(f"aggs.{name}: one aggregation expected, not {kinds}")
            continue
        [kind] = kinds
        args = spec[kind]
        if kind == "terms":
            problems += [f"aggs.{name}.terms: unknown key {k!r}" for k in args
                         if k not in TERMS_AGG]  # fmt: skip
            for order in (
                args.get("order", [])
                if isinstance(args.get("order"), list)
                else [args.get("order", {})]
            ):
                for key, direction in order.items():
                    if key not in ("_count", "_key") or direction not in ORDER:
                        problems.append(f"aggs.{name}.terms: order {key!r}: {direction!r}")
        elif kind == "filter":
            problems += query_problems(args, schema, f"aggs.{name}.filter")
        elif kind in ("cardinality", "min", "max", "avg", "sum", "value_count"):
            problems += [f"aggs.{name}.{kind}: unknown key {k!r}" for k in args if k not in METRIC]
        else:
            problems.append(f"aggs.{name}: aggregation {kind!r} has no shape here")
            continue
        if "field" in args:
            problems += _field(args["field"], schema, f"aggs.{name}")
        problems += aggs_problems(spec.get("aggs", spec.get("aggregations", {})), schema)
    return problems


# `TermSuggestionBuilder.fromXContent`: these keys and no other, with the bounds its setters
# check (accuracy within [0, 1], max_edits 1 or 2, a frequency over 1 a whole number...).
TERM_SUGGEST = {"field", "analyzer", "size", "shard_size", "sort", "suggest_mode", "accuracy",
                "string_distance", "max_edits", "max_inspections", "max_term_freq",
                "prefix_length", "min_word_length", "min_doc_freq"}  # fmt: skip
STRING_DISTANCES = {"internal", "damerau_levenshtein", "levenshtein", "jaro_winkler", "ngram"}
LEAST = {"size": 1, "shard_size": 1, "max_inspections": 0, "prefix_length": 0,
         "min_word_length": 1}  # fmt: skip


def _term_problems(term: dict[str, Any], where: str) -> Problems:
    problems: Problems = []
    if term.get("string_distance", "internal") not in STRING_DISTANCES:
        problems.append(f"{where}: string_distance {term['string_distance']!r}")
    accuracy = term.get("accuracy", 0.5)
    if not (isinstance(accuracy, int | float) and 0 <= accuracy <= 1):
        problems.append(f"{where}: accuracy must be between 0 and 1, not {accuracy!r}")
    for key, least in LEAST.items():
        if key in term and not (type(term[key]) is int and term[key] >= least):
            problems.append(f"{where}: {key} must be a whole number from {least}")
    for key in ("min_doc_freq", "max_term_freq"):
        value = term.get(key, 0)
        if not isinstance(value, int | float) or value < 0 or (value > 1 and value % 1):
            problems.append(f"{where}: {key} {value!r}: a fraction up to 1 or a whole number")
    return problems


def suggest_problems(suggest: Any, schema: Schema) -> Problems:
    problems: Problems = []
    for name, spec in suggest.items():
        if name == "text":
            continue
        kinds = [k for k in spec if k not in ("text", "prefix", "regex")]
        if kinds != ["term"]:
            problems.append(f"suggest.{name}: suggester {kinds} has no shape here")
            continue
        term = spec["term"]
        problems += [f"suggest.{name}.term: unknown key {k!r}" for k in term
                     if k not in TERM_SUGGEST]  # fmt: skip
        problems += _field(term.get("field", ""), schema, f"suggest.{name}")
        if term.get("suggest_mode", "missing") not in ("missing", "popular", "always"):
            problems.append(f"suggest.{name}: suggest_mode {term['suggest_mode']!r}")
        if term.get("sort", "score") not in ("score", "frequency"):
            problems.append(f"suggest.{name}: sort {term['sort']!r}")
        if term.get("max_edits", 2) not in (1, 2):
            problems.append(f"suggest.{name}: max_edits must be 1 or 2")
        if "field" not in term:
            problems.append(f"suggest.{name}: the field is required")
        if "text" not in spec and "text" not in suggest:
            problems.append(f"suggest.{name}: no text to suggest for")
        problems += _term_problems(term, f"suggest.{name}")
    return problems


def search_problems(body: Any, schema: Schema) -> Problems:
    if not isinstance(body, dict):
        return ["_search: an object expected"]
    problems = [f"_search: unknown key {k!r}" for k in body if k not in SEARCH]
    if "query" in body:
        problems += query_problems(body["query"], schema, "query")
    if "post_filter" in body:
        problems += query_problems(body["post_filter"], schema, "post_filter")
    if "sort" in body:
        problems += sort_problems(body["sort"], schema)
    for key in ("aggs", "aggregations"):
        problems += aggs_problems(body.get(key, {}), schema)
    problems += suggest_problems(body.get("suggest", {}), schema)
    for key in ("size", "from"):
        if key in body and not (isinstance(body[key], int) and body[key] >= 0):
            problems.append(f"_search: {key} {body[key]!r}")
    if "timeout" in body and not re.fullmatch(r"\d+(nanos|micros|ms|s|m|h|d)", body["timeout"]):
        problems.append(f"_search: timeout {body['timeout']!r} is no time value")
    if "search_after" in body and not isinstance(body["search_after"], list):
        problems.append("_search: search_after must be a list")
    if "search_after" in body and len(body["search_after"]) != len(body.get("sort", [])):
        problems.append("_search: search_after needs one value per sort")
    source = body.get("_source", True)
    if isinstance(source, list):
        problems += [p for name in source for p in _field(name, schema, "_source")]
    return problems
