"""Shapes of an index's settings (analysis) and mapping, from OpenSearch 2.x's reference."""

from __future__ import annotations

import re
from typing import Any

from tests.support.opensearch_components import (
    BUILTIN_SIMILARITIES,
    TOKENIZERS,
    char_filter_problems,
    similarity_problems,
    tokenizer_problems,
)

Problems = list[str]

SETTINGS = {"analysis", "number_of_shards", "number_of_replicas", "refresh_interval",
            "max_ngram_diff", "max_shingle_diff", "max_result_window", "similarity"}  # fmt: skip
ANALYSIS = {"analyzer", "filter", "tokenizer", "char_filter", "normalizer"}

STEMMERS = {
    "arabic", "armenian", "basque", "bengali", "brazilian", "bulgarian", "catalan", "czech",
    "danish", "dutch", "dutch_kp", "english", "light_english", "lovins", "minimal_english",
    "porter2", "possessive_english", "estonian", "finnish", "light_finnish", "french",
    "light_french", "minimal_french", "galician", "minimal_galician", "german", "german2",
    "light_german", "minimal_german", "greek", "hindi", "hungarian", "light_hungarian",
    "indonesian", "irish", "italian", "light_italian", "sorani", "latvian", "lithuanian",
    "norwegian", "light_norwegian", "minimal_norwegian", "light_nynorsk", "minimal_nynorsk",
    "portuguese", "light_portuguese", "minimal_portuguese", "portuguese_rslp", "russian",
    "light_russian", "spanish", "light_spanish", "swedish", "light_swedish", "turkish",
}  # fmt: skip
SNOWBALL = {"Armenian", "Basque", "Catalan", "Danish", "Dutch", "English", "Estonian", "Finnish",
            "French", "German", "German2", "Hungarian", "Italian", "Irish", "Kp", "Lithuanian",
            "Lovins", "Norwegian", "Porter", "Portuguese", "Romanian", "Russian", "Spanish",
            "Swedish", "Turkish"}  # fmt: skip

LOWERCASE = {"greek", "irish", "turkish"}
# Token filters Guichet may define, with their parameters.
FILTERS: dict[str, set[str]] = {
    "elision": {"articles", "articles_path", "articles_case"},
    "stop": {"stopwords", "stopwords_path", "ignore_case", "remove_trailing"},
    "stemmer": {"language", "name"},
    "snowball": {"language"},
    "edge_ngram": {"min_gram", "max_gram", "preserve_original", "side"},
    "ngram": {"min_gram", "max_gram", "preserve_original"},
    "lowercase": {"language"},
    "asciifolding": {"preserve_original"},
    "synonym": {"synonyms", "synonyms_path", "lenient", "expand", "format", "updateable"},
    "synonym_graph": {"synonyms", "synonyms_path", "lenient", "expand", "format", "updateable"},
    "keyword_marker": {"keywords", "keywords_path", "keywords_pattern", "ignore_case"},
    "stemmer_override": {"rules", "rules_path"},
    "shingle": {"min_shingle_size", "max_shingle_size", "output_unigrams",
                "output_unigrams_if_no_shingles", "token_separator", "filler_token"},
    "length": {"min", "max"},
    "unique": {"only_on_same_position"},
    "truncate": {"length"},
    "pattern_replace": {"pattern", "replacement", "all"},
    "word_delimiter_graph": {"generate_word_parts", "generate_number_parts", "catenate_words",
                             "catenate_numbers", "catenate_all", "split_on_case_change",
                             "preserve_original", "split_on_numerics", "stem_english_possessive",
                             "protected_words", "type_table", "adjust_offsets"},
    "multiplexer": {"filters", "preserve_original"},
    "hunspell": {"locale", "lang", "language", "dedup", "dictionary", "longest_only"},
}  # fmt: skip
BUILTIN_FILTERS = {"lowercase", "uppercase", "asciifolding", "trim", "unique", "reverse",
                   "porter_stem", "kstem", "classic", "apostrophe", "decimal_digit",
                   "cjk_bigram", "cjk_width", "flatten_graph", "word_delimiter_graph",
                   "elision", "stop", "snowball", "remove_duplicates"}  # fmt: skip
BUILTIN_ANALYZERS = {"standard", "simple", "whitespace", "stop", "keyword", "pattern",
                     "fingerprint", "french", "english"}  # fmt: skip
ANALYZER_KEYS = {"type", "tokenizer", "filter", "char_filter", "position_increment_gap",
                 "stopwords", "stopwords_path", "max_token_length"}  # fmt: skip

FIELD_TYPES = {"text", "keyword", "boolean", "integer", "long", "short", "byte", "double",
               "float", "half_float", "scaled_float", "date", "date_nanos", "geo_point",
               "geo_shape", "integer_range", "long_range", "float_range", "double_range",
               "date_range", "ip_range", "ip", "object", "nested", "flat_object",
               "search_as_you_type", "completion", "token_count", "match_only_text",
               "constant_keyword", "wildcard", "rank_feature", "unsigned_long"}  # fmt: skip
COMMON = {"type", "index", "store", "doc_values", "copy_to", "fields", "null_value",
          "ignore_malformed", "boost", "meta", "coerce"}  # fmt: skip
BY_TYPE = {
    "text": {"analyzer", "search_analyzer", "search_quote_analyzer", "norms", "index_options",
             "index_prefixes", "index_phrases", "term_vector", "position_increment_gap",
             "fielddata", "similarity"},
    "keyword": {"ignore_above", "normalizer", "norms", "eager_global_ordinals",
                "split_queries_on_whitespace", "similarity"},
    "geo_point": {"ignore_z_value"},
    "object": {"properties", "dynamic", "enabled"},
    "nested": {"properties", "dynamic", "include_in_parent", "include_in_root"},
    "search_as_you_type": {"analyzer", "search_analyzer", "max_shingle_size"},
    "scaled_float": {"scaling_factor"},
    "date": {"format", "locale"},
}  # fmt: skip
MAPPING = {"dynamic", "properties", "_source", "_meta", "date_detection", "numeric_detection",
           "dynamic_templates", "_routing"}  # fmt: skip


def analysis_problems(analysis: dict[str, Any]) -> Problems:
    problems = [f"analysis: unknown key {k!r}" for k in analysis if k not in ANALYSIS]
    filters = analysis.get("filter", {})
    for name, spec in filters.items():
        kind = spec.get("type")
        if kind not in FILTERS:
            problems.append(f"filter {name}: unknown type {kind!r}")
            continue
        problems += [f"filter {name}: unknown parameter {k!r}" for k in spec
                     if k != "type" and k not in FILTERS[kind]]  # fmt: skip
        if kind == "stemmer" and spec.get("language", spec.get("name")) not in STEMMERS:
            problems.append(f"filter {name}: no stemmer {spec.get('language')!r}")
        if kind == "snowball" and spec.get("language") not in SNOWBALL:
            problems.append(f"filter {name}: no snowball language {spec.get('language')!r}")
        if kind == "lowercase" and spec.get("language", "greek") not in LOWERCASE:
            problems.append(f"filter {name}: no lowercase language {spec['language']!r}")
        if not isinstance(spec.get("preserve_original", False), bool):
            problems.append(f"filter {name}: preserve_original must be a boolean")
        words = spec.get("stopwords")
        if isinstance(words, list) and not all(isinstance(w, str) and w for w in words):
            problems.append(f"filter {name}: stopwords must be words")
        if isinstance(words, str) and not re.fullmatch(r"_[a-z]+_", words):
            problems.append(f"filter {name}: stopwords {words!r} is no predefined list")
    for name, spec in analysis.get("tokenizer", {}).items():
        problems += tokenizer_problems(name, spec)
    for name, spec in analysis.get("char_filter", {}).items():
        problems += char_filter_problems(name, spec)
    tokenizers = set(TOKENIZERS) | set(analysis.get("tokenizer", {}))
    char_filters = {"html_strip"} | set(analysis.get("char_filter", {}))
    for name, spec in {**analysis.get("analyzer", {}), **analysis.get("normalizer", {})}.items():
        problems += [f"analyzer {name}: unknown key {k!r}" for k in spec if k not in ANALYZER_KEYS]
        kind = spec.get("type", "custom")
        if kind != "custom" and kind not in BUILTIN_ANALYZERS:
            problems.append(f"analyzer {name}: unknown type {kind!r}")
        normalizer = name in analysis.get("normalizer", {})
        if normalizer and "tokenizer" in spec:
            problems.append(f"normalizer {name}: a normalizer cannot configure a tokenizer")
        if kind == "custom" and not normalizer and spec.get("tokenizer") not in tokenizers:
            problems.append(f"analyzer {name}: unknown tokenizer {spec.get('tokenizer')!r}")
        for used in spec.get("filter", []):
            if used not in filters and used not in BUILTIN_FILTERS:
                problems.append(f"analyzer {name}: filter {used!r} neither defined nor built in")
        for used in spec.get("char_filter", []):
            if used not in char_filters:
                problems.append(f"analyzer {name}: char_filter {used!r} unknown")
    return problems


INDEX_OPTIONS = {"docs", "freqs", "positions", "offsets"}


def field_problems(name: str, spec: dict[str, Any], analyzers: set[str],
                   properties: set[str], similarities: set[str]) -> Problems:  # fmt: skip
    kind = spec.get("type", "object")
    if kind not in FIELD_TYPES:
        return [f"field {name}: unknown type {kind!r}"]
    problems = [f"field {name}: {k!r} is no parameter of {kind}" for k in spec
                if k not in COMMON | BY_TYPE.get(kind, set())]  # fmt: skip
    for key in ("analyzer", "search_analyzer", "search_quote_analyzer"):
        if key in spec and spec[key] not in analyzers:
            problems.append(f"field {name}: {key} {spec[key]!r} is not defined")
    if "similarity" in spec and spec["similarity"] not in similarities:
        problems.append(f"field {name}: similarity {spec['similarity']!r} is not defined")
    if spec.get("index_options", "positions") not in INDEX_OPTIONS:
        problems.append(f"field {name}: index_options {spec['index_options']!r}")
    for key in ("norms", "index", "doc_values", "store"):
        if key in spec and not isinstance(spec[key], bool):
            problems.append(f"field {name}: {key} must be a boolean")
    targets = spec.get("copy_to", [])
    for target in [targets] if isinstance(targets, str) else targets:
        if target not in properties:
            problems.append(f"field {name}: copy_to {target!r}, a field not mapped")
    for sub, subspec in {**spec.get("fields", {}), **spec.get("properties", {})}.items():
        problems += field_problems(f"{name}.{sub}", subspec, analyzers, properties, similarities)
    return problems


def index_problems(body: Any, where: str) -> Problems:
    """Problems of an index's settings, mapping and aliases (creation or template)."""
    if not isinstance(body, dict):
        return [f"{where}: an object expected"]
    problems = [f"{where}: unknown key {k!r}" for k in body
                if k not in ("settings", "mappings", "aliases")]  # fmt: skip
    settings = body.get("settings", {})
    # `{"index": {"analysis": ...}}` and `{"analysis": ...}` are the same settings.
    settings = {**{k: v for k, v in settings.items() if k != "index"}, **settings.get("index", {})}
    problems += [f"settings: unknown key {k!r}" for k in settings if k not in SETTINGS]
    analysis = settings.get("analysis", {})
    problems += analysis_problems(analysis)
    problems += similarity_problems(settings.get("similarity", {}))
    similarities = BUILTIN_SIMILARITIES | set(settings.get("similarity", {}))
    mappings = body.get("mappings", {})
    problems += [f"mappings: unknown key {k!r}" for k in mappings if k not in MAPPING]
    if mappings.get("dynamic", True) not in (True, False, "true", "false", "strict"):
        problems.append(f"mappings: dynamic {mappings['dynamic']!r}")
    analyzers = BUILTIN_ANALYZERS | set(analysis.get("analyzer", {}))
    properties = set(mappings.get("properties", {}))
    for name, spec in mappings.get("properties", {}).items():
        problems += field_problems(name, spec, analyzers, properties, similarities)
    return [f"{where}: {p}" for p in problems]


def mapped_fields(mappings: dict[str, Any]) -> set[str]:
    """Every field a query may name: properties, their sub-fields and object paths."""
    found: set[str] = set()

    def walk(prefix: str, properties: dict[str, Any]) -> None:
        for name, spec in properties.items():
            path = f"{prefix}{name}"
            found.add(path)
            for sub in spec.get("fields", {}):
                found.add(f"{path}.{sub}")
            walk(f"{path}.", spec.get("properties", {}))

    walk("", mappings.get("properties", {}))
    return found
