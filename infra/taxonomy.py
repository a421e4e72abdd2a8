"""The taxonomy reference shipped with Guichet: its own bilingual names for the top categories
and the codes the report and the demo use, loaded into the log as facts."""

from __future__ import annotations

import csv
from datetime import datetime
from importlib import resources

from domain.handlers.taxonomy import Defined, DefineTerms, TaxonomyHandler, TermSpec
from domain.taxonomy import code_parent

ACTOR = "guichet:reference"
VOCABULARY = "guichet"


def reference_terms() -> tuple[TermSpec, ...]:
    """Parents before their children, so each page of the log can be applied in order."""
    text = resources.files("infra.reference").joinpath("taxonomy.csv").read_text("utf-8")
    terms = [
        TermSpec(
            code=row["code"],
            name_fr=row["name_fr"],
            name_en=row["name_en"],
            parent_code=row["parent_code"] or None,
            vocabulary=VOCABULARY,
            synonyms_fr=_list(row["synonyms_fr"]),
            synonyms_en=_list(row["synonyms_en"]),
        )
        for row in csv.DictReader(text.splitlines())
    ]
    parents = {term.code: term.parent_code or code_parent(term.code) for term in terms}

    def depth(code: str) -> int:
        parent = parents.get(code)
        return 0 if parent is None else 1 + depth(parent)

    return tuple(sorted(terms, key=lambda term: depth(term.code)))


def load_taxonomy(handler: TaxonomyHandler, at: datetime) -> Defined:
    """Defines every reference term not yet in the log: a term an editor changed keeps its
    change, and a second load records nothing."""
    return handler.define_all(DefineTerms(reference_terms()), actor=ACTOR, at=at)


def _list(cell: str) -> tuple[str, ...]:
    return tuple(item for item in cell.split(";") if item.strip())
