"""The taxonomy read model: each term with its parent, names and synonyms, and the folded
words of each of its labels, which searches match typed words against."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.taxonomy import TaxonomyTerm, code_parent
from domain.values import LocalizedText
from projections.base import Positioned
from projections.search_query import folded_words

TOPICS = tuple(
    get_topic(cls)
    for cls in (TaxonomyTerm.Defined, TaxonomyTerm.Renamed, TaxonomyTerm.SynonymsChanged)
)


@dataclass(frozen=True)
class Term:
    """A term as the API, search, statistics and exports read it."""

    code: str
    id: UUID
    parent_code: str | None
    name: LocalizedText
    vocabulary: str
    synonyms_fr: tuple[str, ...]
    synonyms_en: tuple[str, ...]
    version: int
    position: int

    def name_in(self, language: str) -> str:
        """The name in `language`, or in the other one when it has none there."""
        first, other = (self.name.en, self.name.fr) if language == "en" else (
            self.name.fr, self.name.en
        )  # fmt: skip
        return first or other

    @property
    def labels(self) -> list[str]:
        """Every text the term is known by: its names, then its synonyms."""
        return [
            text
            for text in (self.name.fr, self.name.en, *self.synonyms_fr, *self.synonyms_en)
            if text
        ]


def label_words(term: Term) -> list[tuple[int, str]]:
    """(label number, folded word) for each distinct word of each label."""
    return sorted(
        {(index, word) for index, label in enumerate(term.labels) for word in folded_words(label)}
    )


def fold(page: Iterable[Positioned], known: Mapping[UUID, Term]) -> dict[UUID, Term]:
    """The terms the page defines or changes, as they are after it."""
    changed: dict[UUID, Term] = {}
    for item in page:
        event, id = item.event, item.event.originator_id
        current = changed.get(id) or known.get(id)
        if isinstance(event, TaxonomyTerm.Defined):
            changed[id] = Term(
                code=event.code, id=id, parent_code=event.parent_code, name=event.name,
                vocabulary=event.vocabulary, synonyms_fr=tuple(event.synonyms_fr),
                synonyms_en=tuple(event.synonyms_en), version=event.originator_version,
                position=item.position,
            )  # fmt: skip
        elif current is None:
            continue
        elif isinstance(event, TaxonomyTerm.Renamed):
            changed[id] = replace(
                current, name=event.name, version=event.originator_version,
                position=item.position,
            )  # fmt: skip
        elif isinstance(event, TaxonomyTerm.SynonymsChanged):
            synonyms = tuple(event.synonyms)
            fr, en = current.synonyms_fr, current.synonyms_en
            changed[id] = replace(
                current,
                synonyms_fr=synonyms if event.language == "fr" else fr,
                synonyms_en=synonyms if event.language == "en" else en,
                version=event.originator_version,
                position=item.position,
            )
    return changed


def shown_parent(term: Term, defined: Mapping[str, Term]) -> str | None:
    """The parent a term is shown under: its own when that is a term, else the nearest code
    above it that is one (a term defined before parents had to exist), else none."""
    parent = term.parent_code
    while parent is not None and parent not in defined:
        parent = code_parent(parent)
    return parent


def with_ancestors(codes: Iterable[str], defined: Mapping[str, Term]) -> dict[str, str | None]:
    """Each defined code of `codes` and every term above it → the parent it is shown under,
    so that a parent is always one of the codes returned."""
    found: dict[str, str | None] = {}
    pending = [code for code in codes if code in defined]
    while pending:
        code = pending.pop()
        if code not in found:
            found[code] = parent = shown_parent(defined[code], defined)
            if parent is not None:
                pending.append(parent)
    return found
