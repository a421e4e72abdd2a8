"""Taxonomy terms in GraphQL: names for codes in French and English, the synonyms searches
match, and the editors' changes to them."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A language Guichet keeps every name in.")
class Language(Enum):
    FR = "fr"
    EN = "en"
