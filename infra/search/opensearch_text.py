"""A search text read as PostgreSQL's `websearch_to_tsquery` reads it, for OpenSearch.

The embedded search gives the text to `websearch_to_tsquery`, where `"quoted words"` are a
phrase, `-word` (or `-"quoted words"`) excludes, and `or` between two words makes either do;
everything else is one word among those that must all be found. OpenSearch has no such
parser: the text is cut here into what each query clause asks, following the order of
PostgreSQL's tokenizer (`gettoken_query_websearch`), and each piece is then analysed by
OpenSearch as French or as English, as PostgreSQL analyses it in each configuration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """Words that must all be found (a phrase: next to each other), or none of them."""

    text: str
    phrase: bool = False
    excluded: bool = False


# Either group matches; within one, every part does (`or` binds less than the words around).
Groups = list[list[Part]]

# What PostgreSQL's websearch tokenizer skips between words as it skips spaces.
_SKIPPED = frozenset("!&|()<")
_WORD_ENDS = _SKIPPED | {'"'}


def _or_at(text: str, at: int) -> bool:
    """Whether `or` at `at` is the operator: a word of its own, with a word after it."""
    if text[at : at + 2].lower() != "or":
        return False
    after = text[at + 2 : at + 3]
    if not after or after in "-_" or after.isalnum():
        return False
    return bool(text[at + 2 :].strip())


def websearch(text: str) -> Groups:
    groups: Groups = [[]]
    excluded = False
    at, size = 0, len(text)
    operand_before = False  # PostgreSQL's WAITOPERATOR: `or` is only read after a word
    while at < size:
        char = text[at]
        if char.isspace() or char in _SKIPPED:
            at += 1
            continue
        if operand_before and _or_at(text, at):
            groups.append([])
            at += 2
            operand_before = excluded = False
            continue
        if char == "-":
            excluded = not excluded
            at += 1
            operand_before = False
            continue
        if char == '"':
            end = text.find('"', at + 1)
            if end < 0:  # no closing quote: the quote is skipped
                at += 1
                continue
            phrase = text[at + 1 : end]
            if phrase.strip():
                groups[-1].append(Part(phrase, phrase=True, excluded=excluded))
            at = end + 1
        else:
            end = at
            while end < size and not (text[end].isspace() or text[end] in _WORD_ENDS):
                end += 1
            groups[-1].append(Part(text[at:end], excluded=excluded))
            at = end
        excluded = False
        operand_before = True
    return [group for group in groups if group]


def ranked_words(groups: Groups) -> str:
    """Every word of the text, excluded ones too: `ts_rank` counts each of the query's words
    a service holds, and one a reading excludes can still be held (`aide -juridique` read as
    English excludes "juridiqu", not the French "jurid" of "Aide juridique")."""
    return " ".join(part.text for group in groups for part in group)
