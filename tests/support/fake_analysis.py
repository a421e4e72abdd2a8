"""The fake cluster's `_analyze`: the index's own analysers run through the documented behaviour
of each component they use, so the smoke script's analysis reads as a server's would.

Covered: the `mapping` and `pattern_replace` char filters; the `standard` (approximated: runs of
letters and digits, as UAX #29 splits Latin text), `whitespace`, `keyword`, `pattern` and
`path_hierarchy` tokenizers; the `lowercase`, `asciifolding`, `stop` (a list of words) and
`snowball` filters (the Snowball project's own stemmers, the algorithms Lucene's filter runs).
Anything else is refused with a 400 naming it, rather than answered wrongly. Offsets are those of
the text after its char filters, which equal the original's for one-char mappings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import snowballstemmer

Tokens = list[tuple[str, int, int]]  # token, start, end
Analyzer = Callable[[str], Tokens]
BUILTIN: dict[str, dict[str, Any]] = {
    "standard": {"tokenizer": "standard", "filter": ["lowercase"]},
    "simple": {"tokenizer": "letter_run", "filter": ["lowercase"]},
    "whitespace": {"tokenizer": "whitespace"},
    "keyword": {"tokenizer": "keyword"},
}
# Java patterns with classes Python's `re` lacks, as `re` writes them.
_JAVA_PATTERNS = {r"[^\p{L}\p{N}]+": r"[\W_]+"}


class Unsupported(Exception):
    """A component the fake does not run: the request is answered 400, naming it."""


def _unescape(side: str) -> str:
    side = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), side)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), side)


def _char_filter(spec: dict[str, Any]) -> Callable[[str], str]:
    kind = spec.get("type")
    if kind == "mapping":
        rules = []
        for rule in spec.get("mappings", []):
            source, _, target = rule.rpartition("=>")
            rules.append((_unescape(source.strip()), _unescape(target.strip())))
        rules.sort(key=lambda r: -len(r[0]))  # the longest match wins

        def mapped(text: str) -> str:
            for source, target in rules:
                text = text.replace(source, target)
            return text

        return mapped
    if kind == "pattern_replace":
        pattern = re.compile(_python_pattern(spec["pattern"]))
        replacement = re.sub(r"\$(\d)", r"\\\1", spec.get("replacement", ""))
        return lambda text: pattern.sub(replacement, text)
    raise Unsupported(f"char_filter type {kind!r}")


def _python_pattern(pattern: str) -> str:
    if pattern in _JAVA_PATTERNS:
        return _JAVA_PATTERNS[pattern]
    if r"\p{" in pattern:
        raise Unsupported(f"pattern {pattern!r}")
    return pattern


def _spans(pattern: str, text: str) -> Tokens:
    return [(m.group(), m.start(), m.end()) for m in re.finditer(pattern, text)]


def _between(split: re.Pattern[str], text: str) -> Tokens:
    """What lies between the pattern's matches, as the pattern tokenizer's group -1 gives."""
    tokens: Tokens = []
    at = 0
    for match in [*split.finditer(text), None]:
        end = match.start() if match else len(text)
        if end > at:
            tokens.append((text[at:end], at, end))
        at = match.end() if match else at
    return tokens


def _path_hierarchy(spec: dict[str, Any], text: str) -> Tokens:
    delimiter = spec.get("delimiter", "/")
    replacement = spec.get("replacement", delimiter)
    skip = spec.get("skip", 0)
    parts = text.split(delimiter)
    if spec.get("reverse", False):
        # Each suffix that starts after a delimiter: "a b c" gives "a b c", "b c", "c".
        starts = [0] + [m.end() for m in re.finditer(re.escape(delimiter), text)]
        kept = starts[: len(starts) - skip] if skip else starts
        return [(text[s:].replace(delimiter, replacement), s, len(text)) for s in kept]
    tokens: Tokens = []
    end = 0
    for count, part in enumerate(parts):
        end += len(part) + (1 if count else 0)
        if count >= skip:
            tokens.append((text[:end].replace(delimiter, replacement), 0, end))
    return tokens


def _tokenizer(name: str, defined: dict[str, Any]) -> Callable[[str], Tokens]:
    spec = defined.get(name, {"type": name})
    kind = spec.get("type")
    if kind == "standard":
        return lambda text: _spans(r"[^\W_]+", text)
    if kind == "letter_run":
        return lambda text: _spans(r"[^\W\d_]+", text)
    if kind == "whitespace":
        return lambda text: _spans(r"\S+", text)
    if kind == "keyword":
        return lambda text: [(text, 0, len(text))]
    if kind == "pattern":
        split = re.compile(_python_pattern(spec.get("pattern", r"\W+")))
        return lambda text: _between(split, text)
    if kind == "path_hierarchy":
        return lambda text: _path_hierarchy(spec, text)
    raise Unsupported(f"tokenizer {name!r}")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")


def _filter(name: str, defined: dict[str, Any]) -> Callable[[Tokens], Tokens]:
    spec = defined.get(name, {"type": name})
    kind = spec.get("type")
    if kind == "lowercase" and "language" not in spec:
        return lambda tokens: [(t.lower(), s, e) for t, s, e in tokens]
    if kind == "asciifolding" and not spec.get("preserve_original", False):
        return lambda tokens: [(_fold(t), s, e) for t, s, e in tokens]
    if kind == "stop" and isinstance(spec.get("stopwords"), list):
        words = set(spec["stopwords"])
        return lambda tokens: [(t, s, e) for t, s, e in tokens if t not in words]
    if kind == "snowball":
        stemmer = snowballstemmer.stemmer(spec["language"].lower())
        return lambda tokens: [(stemmer.stemWord(t), s, e) for t, s, e in tokens]
    raise Unsupported(f"filter {name!r}")


def analyzer(settings: dict[str, Any], name: str) -> Analyzer:
    """The analyser `name` as the index's settings define it (or a built-in one)."""
    analysis = {**settings, **settings.get("index", {})}.get("analysis", {})
    spec: dict[str, Any] | None = analysis.get("analyzer", {}).get(name) or BUILTIN.get(name)
    if spec is None or spec.get("type", "custom") != "custom":
        raise Unsupported(f"analyzer {name!r}")
    char_filters = [_char_filter(analysis.get("char_filter", {})[c])
                    for c in spec.get("char_filter", [])]  # fmt: skip
    tokenizer = _tokenizer(spec["tokenizer"], analysis.get("tokenizer", {}))
    filters = [_filter(f, analysis.get("filter", {})) for f in spec.get("filter", [])]

    def analyse(text: str) -> Tokens:
        for char_filter in char_filters:
            text = char_filter(text)
        tokens = tokenizer(text)
        for token_filter in filters:
            tokens = token_filter(tokens)
        return tokens

    return analyse
