"""Taxonomy terms: their definitions (the shipped reference, a package's taxonomy, an editor),
new names and synonyms, whoever asks.

Definitions never overwrite: a term already in the log keeps its names and synonyms whatever a
later load says, so an editor's change survives restarts and re-imports. A parent a source
names need not be defined: a package may name terms under codes it does not list, and the term
still gets its names. A term given without a parent is placed under the code's own parent only
when that term exists or comes in the same batch; otherwise under its nearest ancestor that
does, else at the top: browsing the taxonomy reaches every term, and no `parent_id` points at
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from eventsourcing.persistence import IntegrityError

from domain import limits
from domain.errors import InvalidInput, NotFound
from domain.operations import Operations, Receipt
from domain.taxonomy import (
    Language,
    TaxonomyTerm,
    TermSpec,
    code_parent,
    parse_code,
    term_id,
)

# Times a batch is tried when other processes define the same terms at once.
ATTEMPTS = 3

__all__ = [
    "ChangeSynonyms",
    "DefineTerm",
    "DefineTerms",
    "Defined",
    "Language",
    "RenameTerm",
    "TaxonomyHandler",
    "TermSpec",
]


@dataclass(frozen=True, slots=True)
class DefineTerms:
    """Terms of a source, parents before children; those already defined are left as they are."""

    terms: tuple[TermSpec, ...]


@dataclass(frozen=True, slots=True)
class DefineTerm:
    """One new term, by an editor: refused if its code is defined already."""

    term: TermSpec


@dataclass(frozen=True, slots=True)
class RenameTerm:
    code: str
    name_fr: str
    name_en: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ChangeSynonyms:
    code: str
    language: Language
    synonyms: tuple[str, ...]
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class Defined:
    """Terms defined by a `DefineTerms` (`new`, those known already are not), and the log
    position after them."""

    new: int
    known: int
    position: int


class TaxonomyHandler:
    def __init__(self, operations: Operations) -> None:
        self.operations = operations

    def define_all(self, command: DefineTerms, *, actor: str, at: datetime) -> Defined:
        """Saved in chunks, in order: after an interruption, or when another process defined
        some of the same terms at once, running it again completes the set."""
        limits.bounded("terms", command.terms, limits.TERMS_MAX)
        for _ in range(ATTEMPTS - 1):
            try:
                return self._define_new(command, actor=actor, at=at)
            except IntegrityError:
                continue
        return self._define_new(command, actor=actor, at=at)

    def _define_new(self, command: DefineTerms, *, actor: str, at: datetime) -> Defined:
        repository = self.operations.repository
        made: dict[str, TaxonomyTerm] = {}
        known = 0
        # Codes of the batch defined before the one at hand: a parent must be one of them or
        # in the log, so two terms of a source naming each other as parents make no cycle.
        earlier: set[str] = set()
        exists = self._exists()
        for spec in command.terms:
            placed = self._placed(spec, earlier, exists, strict=False)
            term = TaxonomyTerm.define(placed, actor=actor, at=at)
            earlier.add(term.code)
            if term.code in made or term.id in repository:
                known += 1
            else:
                made[term.code] = term
        return Defined(len(made), known, self.operations.save_in_chunks(list(made.values())))

    def define(self, command: DefineTerm, *, actor: str, at: datetime) -> Receipt:
        spec = self._placed(command.term, set(), self._exists(), strict=True)
        term = TaxonomyTerm.define(spec, actor=actor, at=at)
        if term.id in self.operations.repository:
            raise InvalidInput(
                "code", f"{term.code} is defined already: rename it or change its synonyms"
            )
        return self._save(term)

    def rename(self, command: RenameTerm, *, actor: str, at: datetime) -> Receipt:
        term = self._term(command.code, command.expected_version)
        term.rename(command.name_fr, command.name_en, actor=actor, at=at)
        return self._save(term)

    def change_synonyms(self, command: ChangeSynonyms, *, actor: str, at: datetime) -> Receipt:
        term = self._term(command.code, command.expected_version)
        term.change_synonyms(command.language, command.synonyms, actor=actor, at=at)
        return self._save(term)

    def _exists(self) -> Callable[[str], bool]:
        """Whether a code is a term in the log, each code looked up once."""
        found: dict[str, bool] = {}

        def exists(code: str) -> bool:
            if code not in found:
                found[code] = term_id(code) in self.operations.repository
            return found[code]

        return exists

    @staticmethod
    def _placed(
        spec: TermSpec, batch: set[str], exists: Callable[[str], bool], *, strict: bool
    ) -> TermSpec:
        """The spec with its parent: the one given when it is a term (in the log or in
        `batch`); else, the nearest code above it that is a term, or none. A parent given
        that is no term is refused when `strict` (an editor names it), and replaced otherwise
        (a source's term is kept). Terms never change parent, so a parent that must exist
        first is what keeps the taxonomy a tree."""
        given = (spec.parent_code or "").strip()
        if given:
            named = parse_code("parentCode", given)
            if named in batch or exists(named):
                return spec
            if strict:
                raise InvalidInput("parentCode", f"{named} is not a term: define it first")
        elif spec.top:
            return spec
        parent = code_parent(parse_code("code", spec.code))
        while parent is not None:
            if parent in batch or exists(parent):
                return replace(spec, parent_code=parent)
            parent = code_parent(parent)
        return replace(spec, top=True)

    def _term(self, code: str, expected_version: int | None) -> TaxonomyTerm:
        code = parse_code("code", code)
        try:
            return self.operations.load(TaxonomyTerm, term_id(code), expected_version)
        except NotFound:
            raise NotFound("taxonomy term", code) from None

    def _save(self, term: TaxonomyTerm) -> Receipt:
        return self.operations.save_record(term, term.version - len(term.pending_events))
