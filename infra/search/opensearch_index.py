"""The OpenSearch index Guichet searches: its analysis, its mapping and the names of its
indices and aliases."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

_FRENCH_ELISIONS = [
    "l",
    "m",
    "t",
    "qu",
    "n",
    "s",
    "j",
    "d",
    "c",
    "jusqu",
    "quoiqu",
    "lorsqu",
    "puisqu",
]

SETTINGS: dict[str, Any] = {
    "analysis": {
        "filter": {
            "guichet_elision": {
                "type": "elision",
                "articles_case": True,
                "articles": _FRENCH_ELISIONS,
            },
            "guichet_french_stop": {"type": "stop", "stopwords": "_french_"},
            "guichet_french_stemmer": {"type": "stemmer", "language": "light_french"},
            "guichet_english_stop": {"type": "stop", "stopwords": "_english_"},
            "guichet_english_stemmer": {"type": "stemmer", "language": "english"},
            "guichet_possessive": {"type": "stemmer", "language": "possessive_english"},
            "guichet_prefixes": {"type": "edge_ngram", "min_gram": 2, "max_gram": 20},
        },
        "analyzer": {
            "guichet_french": {
                "tokenizer": "standard",
                "filter": [
                    "guichet_elision",
                    "lowercase",
                    "asciifolding",
                    "guichet_french_stop",
                    "guichet_french_stemmer",
                ],
            },
            "guichet_english": {
                "tokenizer": "standard",
                "filter": [
                    "guichet_possessive",
                    "lowercase",
                    "asciifolding",
                    "guichet_english_stop",
                    "guichet_english_stemmer",
                ],
            },
            "guichet_folded": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
            "guichet_prefixes": {
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "guichet_prefixes"],
            },
        },
    }
}


def _text(analyzer: str, *copy_to: str) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "text", "analyzer": analyzer}
    if copy_to:
        field["copy_to"] = list(copy_to)
    return field


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
        "name_fr": _text("guichet_french", "all_fr", "words", "prefixes"),
        "name_en": _text("guichet_english", "all_en", "words", "prefixes"),
        "organization_fr": _text("guichet_french", "all_fr", "words"),
        "organization_en": _text("guichet_english", "all_en", "words"),
        "description_fr": _text("guichet_french", "all_fr", "words"),
        "description_en": _text("guichet_english", "all_en", "words"),
        "all_fr": _text("guichet_french"),
        "all_en": _text("guichet_english"),
        # Folded, unstemmed words: what spelling suggestions are drawn from.
        "words": _text("guichet_folded"),
        "prefixes": {
            "type": "text",
            "analyzer": "guichet_prefixes",
            "search_analyzer": "guichet_folded",
        },
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
