"""Names for taxonomy codes: each term of a vocabulary, its names in French and English and the
synonyms people search it by, as facts an editor can change.

One aggregate per term, not one per vocabulary: two editors changing two terms never conflict,
and a batch of definitions saves only the terms it adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import limits
from domain.errors import InvalidInput
from domain.events import Fact
from domain.text import parse_text, visible
from domain.values import LocalizedText, parse_taxonomy, taxonomy_ancestors


class Language(StrEnum):
    FR = "fr"
    EN = "en"


def term_id(code: str) -> UUID:
    """A term is known by its code; the id follows from it."""
    return uuid5(NAMESPACE_URL, f"guichet:taxonomy:{code}")


def parse_code(field: str, code: str) -> str:
    """One taxonomy code, by the rule of a service's codes, named by `field` when refused."""
    try:
        [parsed] = parse_taxonomy(field, [code])
    except InvalidInput as refused:
        raise InvalidInput(field, refused.message.removeprefix(f"{refused.field}: ")) from None
    return parsed


def parse_synonyms(field: str, synonyms: tuple[str, ...] | list[str]) -> list[str]:
    """Synonyms trimmed, without blanks or repeats (compared without case), bounded."""
    limits.bounded(field, synonyms, limits.SYNONYMS_MAX)
    kept: dict[str, str] = {}
    for index, raw in enumerate(synonyms):
        text = parse_text(f"{field}[{index}]", raw, max_length=limits.SYNONYM_MAX)
        if visible(text):
            kept.setdefault(text.casefold(), text)
    return list(kept.values())


@dataclass(frozen=True, slots=True)
class TermSpec:
    """A term as a source gives it; `parent_code` None means the code's own parent, and `top`
    none at all (the handler decides which: see `domain.handlers.taxonomy`)."""

    code: str
    name_fr: str
    name_en: str
    parent_code: str | None = None
    vocabulary: str = "guichet"
    synonyms_fr: tuple[str, ...] = ()
    synonyms_en: tuple[str, ...] = ()
    top: bool = False


class TaxonomyTerm(Aggregate):
    TOPIC = "guichet.TaxonomyTerm"

    class Event(Fact):
        pass

    class Defined(Aggregate.Created, Event):
        TOPIC = "guichet.TaxonomyTerm.Defined"
        code: str
        parent_code: str | None
        name: LocalizedText
        vocabulary: str
        synonyms_fr: list[str]
        synonyms_en: list[str]

    Created = Defined

    @event(Defined)
    def __init__(
        self,
        code: str,
        parent_code: str | None,
        name: LocalizedText,
        vocabulary: str,
        synonyms_fr: list[str],
        synonyms_en: list[str],
        actor: str,
        occurred_at: datetime,
    ) -> None:
        self.code = code
        self.parent_code = parent_code
        self.name = name
        self.vocabulary = vocabulary
        self.synonyms: dict[str, list[str]] = {
            Language.FR.value: list(synonyms_fr),
            Language.EN.value: list(synonyms_en),
        }

    @classmethod
    def define(cls, spec: TermSpec, *, actor: str, at: datetime) -> TaxonomyTerm:
        code = parse_code("code", spec.code)
        parent = None if spec.top else _parent(code, spec.parent_code)
        vocabulary = parse_text(
            "vocabulary", spec.vocabulary, max_length=limits.CODE_MAX, required=True
        )
        return cls._create(
            cls.Defined,
            id=term_id(code),
            timestamp=at,
            code=code,
            parent_code=parent,
            name=_name(spec.name_fr, spec.name_en),
            vocabulary=vocabulary,
            synonyms_fr=parse_synonyms("synonyms.fr", spec.synonyms_fr),
            synonyms_en=parse_synonyms("synonyms.en", spec.synonyms_en),
            actor=actor,
            occurred_at=at,
        )

    class Renamed(Event):
        TOPIC = "guichet.TaxonomyTerm.Renamed"
        name: LocalizedText

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, TaxonomyTerm)
            aggregate.name = self.name

    class SynonymsChanged(Event):
        """The synonyms of one language, all of them as they now are."""

        TOPIC = "guichet.TaxonomyTerm.SynonymsChanged"
        language: str
        synonyms: list[str]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, TaxonomyTerm)
            aggregate.synonyms[self.language] = list(self.synonyms)

    def rename(self, name_fr: str, name_en: str, *, actor: str, at: datetime) -> None:
        name = _name(name_fr, name_en)
        if name == self.name:
            return
        self.trigger_event(self.Renamed, name=name, actor=actor, occurred_at=at, timestamp=at)

    def change_synonyms(
        self, language: Language, synonyms: tuple[str, ...], *, actor: str, at: datetime
    ) -> None:
        parsed = parse_synonyms("synonyms", synonyms)
        if parsed == self.synonyms[language.value]:
            return
        self.trigger_event(
            self.SynonymsChanged, language=language.value, synonyms=parsed,
            actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip


def code_parent(code: str) -> str | None:
    """`BD-1800.2000` → `BD-1800`, `BD` → `B` (the top level is the category's first letter)."""
    ancestors = taxonomy_ancestors(code)
    return ancestors[0] if ancestors else None


def _parent(code: str, parent_code: str | None) -> str | None:
    if parent_code is None or not parent_code.strip():
        return code_parent(code)
    parent = parse_code("parentCode", parent_code)
    if parent == code:
        raise InvalidInput("parentCode", f"term {code} cannot be its own parent")
    return parent


def _name(fr: str, en: str) -> LocalizedText:
    return LocalizedText.parse("name", fr, en, required=True, max_length=limits.NAME_MAX)
