"""The OpenSearch index Guichet searches: its analysis, its mapping and the names of its
indices and aliases."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

# PostgreSQL's text search stop words (tsearch_data/french.stop and english.stop). The embedded
# search looks them up after `unaccent`, so their accented entries ("été", "même", "à") never
# match there: only the entries that can still match are kept, and "à" stays a word in both.
_FRENCH_STOP = (
    "au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me mes moi"
    " mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu"
    " un une vos votre vous c d j l m n s t y suis es est sommes sont serai seras sera serons"
    " serez seront serais serait serions seriez seraient fus fut furent sois soit soyons soyez"
    " soient fusse fusses fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus"
    " ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez"
    " auraient avais avait avions aviez avaient eut eurent aie aies ait ayons ayez aient eusse"
    " eusses eussions eussiez eussent"
)
_ENGLISH_STOP = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself"
    " she her hers herself it its itself they them their theirs themselves what which who whom"
    " this that these those am is are was were be been being have has had having do does did"
    " doing a an the and but if or because as until while of at by for with about against"
    " between into through during before after above below to from up down in out on off over"
    " under again further then once here there when where why how all any both each few more"
    " most other some such no nor not only own same so than too very s t can will just don"
    " should now"
)
FRENCH_STOP_WORDS = _FRENCH_STOP.split()
ENGLISH_STOP_WORDS = _ENGLISH_STOP.split()

# PostgreSQL's parser ends a word at an apostrophe ("l'aide" is "l" and "aide", "jusqu'à" is
# "jusqu" and "a"), and the stop words then drop "l", "d", "qu", "s"... where Lucene's standard
# tokenizer would keep "l'aide" whole: apostrophes become spaces before tokenizing.
_APOSTROPHES = ["'", "\u2019", "\u2018", "\u02bc", "\uff07"]

# ts_rank as the embedded search computes it, for one word and one field: the word's k-th
# occurrence adds weight / k², capped at PostgreSQL's 256 positions a word (see
# `opensearch_query.RANK_FIELDS` for how fields combine into the weights A, B and C).
RANK_SCRIPT = (
    "double sum = 0; int n = (int) Math.min(doc.freq, 256);"
    " for (int k = 1; k <= n; ++k) { sum += 1.0 / (k * k); }"
    " return query.boost * sum;"
)

SETTINGS: dict[str, Any] = {
    "similarity": {"guichet_rank": {"type": "scripted", "script": {"source": RANK_SCRIPT}}},
    "analysis": {
        "char_filter": {
            "guichet_apostrophes": {
                "type": "mapping",
                "mappings": [f"{mark} => \\u0020" for mark in _APOSTROPHES],
            },
        },
        "filter": {
            "guichet_french_stop": {"type": "stop", "stopwords": FRENCH_STOP_WORDS},
            # Snowball's French and English (Porter2) stemmers: PostgreSQL's french_stem and
            # english_stem dictionaries are the same algorithms.
            "guichet_french_stemmer": {"type": "snowball", "language": "French"},
            "guichet_english_stop": {"type": "stop", "stopwords": ENGLISH_STOP_WORDS},
            "guichet_english_stemmer": {"type": "snowball", "language": "English"},
        },
        "normalizer": {
            "guichet_folded": {"type": "custom", "filter": ["lowercase", "asciifolding"]},
        },
        "analyzer": {
            # unaccent, then the parser, then lower case, stop words and the stemmer: the
            # order of PostgreSQL's `to_tsvector('french', unaccent(text))`.
            "guichet_french": {
                "char_filter": ["guichet_apostrophes"],
                "tokenizer": "standard",
                "filter": [
                    "asciifolding",
                    "lowercase",
                    "guichet_french_stop",
                    "guichet_french_stemmer",
                ],
            },
            "guichet_english": {
                "char_filter": ["guichet_apostrophes"],
                "tokenizer": "standard",
                "filter": [
                    "asciifolding",
                    "lowercase",
                    "guichet_english_stop",
                    "guichet_english_stemmer",
                ],
            },
            # The words spelling suggestions are drawn from, split as the embedded search
            # splits them: every run of letters and digits, folded.
            "guichet_words": {
                "tokenizer": "guichet_letters_and_digits",
                "filter": ["asciifolding", "lowercase"],
            },
            # A name, folded, and what follows each of its spaces: a prefix query on these
            # finds a name where a word starts with the prefix, which may span words
            # ("aide a") and be of any length, as `LIKE 'prefix%' OR LIKE '% prefix%'` does.
            "guichet_name_starts": {
                "tokenizer": "guichet_after_spaces",
                "filter": ["asciifolding", "lowercase"],
            },
        },
        "tokenizer": {
            "guichet_letters_and_digits": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"},
            "guichet_after_spaces": {
                "type": "path_hierarchy",
                "delimiter": " ",
                "reverse": True,
            },
        },
    },
}


def _text(analyzer: str, *copy_to: str, rank: bool = False) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "text", "analyzer": analyzer}
    if rank:
        field["similarity"] = "guichet_rank"
    if copy_to:
        field["copy_to"] = list(copy_to)
    return field


def _name(analyzer: str, language: str) -> dict[str, Any]:
    return _text(
        analyzer,
        f"all_{language}",
        f"names_organization_{language}",
        "words",
        "name_starts",
        rank=True,
    )


KEYWORD = {"type": "keyword"}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "doc_id": KEYWORD,
        "service_id": KEYWORD,
        "location_id": KEYWORD,
        "organization_id": KEYWORD,
        "active": {"type": "boolean"},
        "removed": {"type": "boolean"},
        "name_fr": {
            **_name("guichet_french", "fr"),
            # Autocomplete puts first the names whose French name starts with the prefix
            # (`folded`), then sorts by length and name (`sort`), as the embedded search does.
            "fields": {
                "folded": {"type": "keyword", "normalizer": "guichet_folded"},
                "sort": {"type": "keyword"},
            },
        },
        "name_en": _name("guichet_english", "en"),
        "organization_fr": _text("guichet_french", "all_fr", "names_organization_fr", "words"),
        "organization_en": _text("guichet_english", "all_en", "names_organization_en", "words"),
        "description_fr": _text("guichet_french", "all_fr", "words"),
        "description_en": _text("guichet_english", "all_en", "words"),
        # Names and organizations, and everything: with the names alone, the three counts
        # a word's rank is made from (see `opensearch_query.RANK_FIELDS`).
        "names_organization_fr": _text("guichet_french", rank=True),
        "names_organization_en": _text("guichet_english", rank=True),
        "all_fr": _text("guichet_french", rank=True),
        "all_en": _text("guichet_english", rank=True),
        "words": _text("guichet_words"),
        "name_starts": _text("guichet_name_starts"),
        "categories": KEYWORD,
        "languages": KEYWORD,
        "areas": KEYWORD,
        "location": {"type": "geo_point"},
        "city": KEYWORD,
        "open_minutes": {"type": "integer_range"},
        "closed_on": KEYWORD,
    },
}


@dataclass(frozen=True)
class IndexNames:
    """Searches read `alias`; the projection writes through `write` (a new index on rebuild)."""

    alias: str

    @classmethod
    def for_schema(cls, schema: str) -> IndexNames:
        return cls(f"guichet-{schema.lower()}-directory")

    @property
    def write(self) -> str:
        return f"{self.alias}-write"

    @property
    def template(self) -> str:
        return f"{self.alias}-template"

    @property
    def pattern(self) -> str:
        """Every index of this schema's directory, and no other schema's."""
        return f"{self.alias}-v*"

    def owns(self, index: str) -> bool:
        suffix = index.removeprefix(f"{self.alias}-v")
        return suffix != index and suffix.isdigit()

    def new_index(self) -> str:
        return f"{self.alias}-v{time.time_ns()}"
