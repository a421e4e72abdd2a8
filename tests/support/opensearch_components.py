"""Shapes of the analysis components and similarities an index defines in its settings, from
OpenSearch 2.x's reference and the factories that read them (`PathHierarchyTokenizerFactory`,
`MappingCharFilterFactory`, `SimilarityService`, `ScriptedSimilarityProvider`...): each type with
the parameters it reads, and the values it refuses where the factory refuses them."""

from __future__ import annotations

import re
from typing import Any

Problems = list[str]

CHAR_FILTERS: dict[str, set[str]] = {
    "html_strip": {"escaped_tags"},
    "mapping": {"mappings", "mappings_path"},
    "pattern_replace": {"pattern", "replacement", "flags"},
}
TOKENIZERS: dict[str, set[str]] = {
    "standard": {"max_token_length"},
    "classic": {"max_token_length"},
    "uax_url_email": {"max_token_length"},
    "whitespace": {"max_token_length"},
    "letter": set(),
    "lowercase": set(),
    "keyword": {"buffer_size"},
    "ngram": {"min_gram", "max_gram", "token_chars", "custom_token_chars"},
    "edge_ngram": {"min_gram", "max_gram", "token_chars", "custom_token_chars"},
    "pattern": {"pattern", "flags", "group"},
    "simple_pattern": {"pattern"},
    "simple_pattern_split": {"pattern"},
    "char_group": {"tokenize_on_chars", "max_token_length"},
    "path_hierarchy": {"delimiter", "replacement", "buffer_size", "reverse", "skip"},
}
# Java's `Pattern` flags, as `Regex.compile` reads them ("CASE_INSENSITIVE|COMMENTS").
REGEX_FLAGS = {"CANON_EQ", "CASE_INSENSITIVE", "COMMENTS", "DOTALL", "LITERAL", "MULTILINE",
               "UNICODE_CASE", "UNICODE_CHARACTER_CLASS", "UNIX_LINES"}  # fmt: skip

# Similarities an index may define (`index.similarity.NAME.type`); "classic" is refused for
# indices made since 7.0, and these names cannot be redefined.
SIMILARITIES: dict[str, set[str]] = {
    "BM25": {"k1", "b", "discount_overlaps"},
    "boolean": set(),
    "DFR": {"basic_model", "after_effect", "normalization", "discount_overlaps"},
    "IB": {"distribution", "lambda", "normalization", "discount_overlaps"},
    "LMDirichlet": {"mu"},
    "LMJelinekMercer": {"lambda"},
    "DFI": {"independence_measure", "discount_overlaps"},
    "scripted": {"script", "weight_script", "discount_overlaps"},
}
BUILTIN_SIMILARITIES = {"BM25", "boolean"}
SCRIPT = {"source", "id", "lang", "params", "options"}
SCRIPT_LANGUAGES = {"painless", "expression", "mustache"}


def script_problems(script: Any, where: str) -> Problems:
    """A script as `Script.parse` reads it: inline `source` or a stored `id`, not both."""
    if isinstance(script, str):
        return []  # the short form: the source itself, in painless
    if not isinstance(script, dict):
        return [f"{where}: a script object expected"]
    problems = [f"{where}: unknown key {k!r}" for k in script if k not in SCRIPT]
    if ("source" in script) == ("id" in script):
        problems.append(f"{where}: either source or id")
    if not isinstance(script.get("source", ""), str):
        problems.append(f"{where}: source must be a string")
    if script.get("lang", "painless") not in SCRIPT_LANGUAGES:
        problems.append(f"{where}: unknown lang {script['lang']!r}")
    if not isinstance(script.get("params", {}), dict):
        problems.append(f"{where}: params must be an object")
    return problems


def _unknown(spec: dict[str, Any], allowed: set[str], where: str) -> Problems:
    return [f"{where}: unknown parameter {k!r}" for k in spec if k != "type" and k not in allowed]


def _one_char(spec: dict[str, Any], key: str, where: str) -> Problems:
    value = spec.get(key)
    if value is not None and not (isinstance(value, str) and len(value) == 1):
        return [f"{where}: {key} must be a one char value, not {value!r}"]
    return []


def _whole(spec: dict[str, Any], key: str, where: str, least: int = 0) -> Problems:
    value = spec.get(key)
    if value is not None and not (type(value) is int and value >= least):
        return [f"{where}: {key} must be a whole number from {least}, not {value!r}"]
    return []


def _flags(spec: dict[str, Any], where: str) -> Problems:
    flags = spec.get("flags")
    if flags is None:
        return []
    unknown = [f for f in str(flags).split("|") if f.strip() not in REGEX_FLAGS]
    return [f"{where}: unknown regex flags {unknown}"] if unknown else []


# `parseString`: `\uXXXX` is a code unit, `\` before any other char is that char.
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[^u])")


def mapping_rule_problems(rule: Any, where: str) -> Problems:
    """`source => target`, each side with Java escapes (`\\u0020`); the source not empty."""
    if not isinstance(rule, str) or "=>" not in rule:
        return [f"{where}: invalid mapping rule {rule!r}"]
    source, _, target = rule.rpartition("=>")
    problems: Problems = []
    for side in (source.strip(), target.strip()):
        if "\\" in _ESCAPE.sub("", side):
            problems.append(f"{where}: invalid escaped char in {side!r}")
    if not source.strip():
        problems.append(f"{where}: a rule cannot map the empty string ({rule!r})")
    return problems


def char_filter_problems(name: str, spec: dict[str, Any]) -> Problems:
    where = f"char_filter {name}"
    kind = spec.get("type")
    if kind not in CHAR_FILTERS:
        return [f"{where}: unknown type {kind!r}"]
    problems = _unknown(spec, CHAR_FILTERS[kind], where)
    if kind == "mapping":
        rules = spec.get("mappings")
        if rules is None and "mappings_path" not in spec:
            problems.append(f"{where}: mapping requires mappings or mappings_path")
        for rule in rules if isinstance(rules, list) else []:
            problems += mapping_rule_problems(rule, where)
    if kind == "pattern_replace":
        if "pattern" not in spec:
            problems.append(f"{where}: pattern is required")
        problems += _flags(spec, where)
    return problems


def tokenizer_problems(name: str, spec: dict[str, Any]) -> Problems:
    where = f"tokenizer {name}"
    kind = spec.get("type")
    if kind not in TOKENIZERS:
        return [f"{where}: unknown type {kind!r}"]
    problems = _unknown(spec, TOKENIZERS[kind], where)
    if kind == "path_hierarchy":
        problems += _one_char(spec, "delimiter", where) + _one_char(spec, "replacement", where)
        problems += _whole(spec, "skip", where) + _whole(spec, "buffer_size", where, 1)
        if not isinstance(spec.get("reverse", False), bool):
            problems.append(f"{where}: reverse must be a boolean")
    if kind in ("pattern", "simple_pattern", "simple_pattern_split"):
        if not isinstance(spec.get("pattern", ""), str):
            problems.append(f"{where}: pattern must be a string")
        problems += _flags(spec, where)
        problems += _whole(spec, "group", where, -1)
    for key in ("max_token_length", "min_gram", "max_gram"):
        problems += _whole(spec, key, where, 1)
    return problems


def similarity_problems(similarities: Any) -> Problems:
    if not isinstance(similarities, dict):
        return ["similarity: an object of named similarities expected"]
    problems: Problems = []
    for name, spec in similarities.items():
        where = f"similarity {name}"
        if name in SIMILARITIES or name == "classic":
            problems.append(f"{where}: a built-in similarity cannot be redefined")
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind not in SIMILARITIES:
            problems.append(f"{where}: unknown type {kind!r}")
            continue
        problems += _unknown(spec, SIMILARITIES[kind], where)
        if kind == "scripted":
            if "script" not in spec:
                problems.append(f"{where}: a scripted similarity needs a script")
            for key in ("script", "weight_script"):
                # Read as settings (`script.source`): the short string form is no group.
                if key in spec and not isinstance(spec[key], dict):
                    problems.append(f"{where}.{key}: a script object expected")
                elif key in spec:
                    problems += script_problems(spec[key], f"{where}.{key}")
    return problems
