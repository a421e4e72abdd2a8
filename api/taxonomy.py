"""Taxonomy terms in GraphQL: names for codes in French and English, the synonyms searches
match, and the editors' changes to them."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from api.consistency import reach
from api.context import Info
from api.described import CONSISTENT_WITH, EXPECTED_VERSION, INPUT, VERSION, outcomes
from api.errors import (
    EXPECTED,
    ConsistencyTimeoutError,
    InvalidInputError,
    NotAuthorizedError,
    NotFoundError,
    VersionConflictError,
    as_error,
)
from api.handling import written
from api.pagination import AFTER, Connection, decode, first_argument, first_of, keyset
from api.shared import LocalizedTextInput, LocalizedTextType, Receipt
from api.vocabulary import Language
from domain import limits
from domain.errors import NotFound
from domain.handlers.taxonomy import ChangeSynonyms, DefineTerm, RenameTerm, TermSpec
from domain.handlers.taxonomy import Language as DomainLanguage
from domain.taxonomy import parse_code
from projections.taxonomy import Term

# A page of terms holds at most this many; the whole shipped reference fits in one.
TERMS_PAGE = 200
CURSOR_TAG = "taxonomyTerms"
CODE = limits.at_most(limits.CODE_MAX)
UNCHECKED = f"{EXPECTED_VERSION} Left out: written whatever the version."
SYNONYMS = (
    f"{limits.at_most(limits.SYNONYMS_MAX, 'synonyms')} Each at most {limits.SYNONYM_MAX:,} "
    "characters."
)


@strawberry.type(name="TaxonomyTerm", description="A taxonomy code with its names and synonyms.")
class TaxonomyTermType:
    code: str = strawberry.field(description="Like BD-1800.2000: each part narrows the last.")
    name: LocalizedTextType = strawberry.field(description="Its name, in French and English.")
    parent_code: str | None = strawberry.field(description="The term this one lies under.")
    vocabulary: str = strawberry.field(description="Where the term comes from.")
    synonyms_fr: list[str] = strawberry.field(description="Other names searches match, in French.")
    synonyms_en: list[str] = strawberry.field(description="Other names searches match, in English.")
    version: int = strawberry.field(
        description=f"{VERSION} Pass it as expectedVersion to change the term."
    )

    @strawberry.field(description="The term directly above, when it is defined.")
    async def parent(self, info: Info) -> TaxonomyTermType | None:
        if self.parent_code is None:
            return None
        return await info.context.loaders.taxonomy_term.load(self.parent_code)

    @classmethod
    def of(cls, term: Term) -> TaxonomyTermType:
        return cls(
            code=term.code, name=LocalizedTextType.of(term.name), parent_code=term.parent_code,
            vocabulary=term.vocabulary, synonyms_fr=list(term.synonyms_fr),
            synonyms_en=list(term.synonyms_en), version=term.version,
        )  # fmt: skip


@strawberry.type(description="Taxonomy terms in code order.")
class TaxonomyTermConnection(Connection[TaxonomyTermType]):
    pass


TaxonomyTermResult = Annotated[
    TaxonomyTermType | NotFoundError | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("TaxonomyTermResult", description=outcomes(
        "The term (NotFoundError names the code when no term has it)", NotFoundError,
        InvalidInputError, ConsistencyTimeoutError,
    )),
]  # fmt: skip
TaxonomyTermsResult = Annotated[
    TaxonomyTermConnection | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union("TaxonomyTermsResult", description=outcomes(
        "A page of terms", InvalidInputError, ConsistencyTimeoutError
    )),
]  # fmt: skip
TaxonomyChangeResult = Annotated[
    Receipt | InvalidInputError | NotFoundError | VersionConflictError | NotAuthorizedError,
    strawberry.union("TaxonomyChangeResult", description=outcomes(
        "The receipt: the term's id, its new version, the log position", InvalidInputError,
        NotFoundError, VersionConflictError, NotAuthorizedError,
    )),
]  # fmt: skip


@strawberry.type
class TaxonomyQuery:
    @strawberry.field(description="A taxonomy term by its code. Anyone.")
    async def taxonomy_term(
        self, info: Info, code: Annotated[str, strawberry.argument(description=CODE)],
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> TaxonomyTermResult:  # fmt: skip
        try:
            parsed = parse_code("code", code)
            await reach(info.context, ("taxonomy",), consistent_with)
            found = await info.context.loaders.taxonomy_term.load(parsed)
            if found is None:
                raise NotFound("taxonomy term", parsed)
            return found
        except EXPECTED as error:
            return cast(TaxonomyTermResult, as_error(error))

    @strawberry.field(
        description="The terms directly under `parent` (the top ones when it is left out), in "
        f"code order: `first` (1 to {TERMS_PAGE}) after the cursor `after`. Anyone."
    )
    async def taxonomy_terms(
        self, info: Info,
        parent: Annotated[str | None, strawberry.argument(
            description=f"The code of the term above those listed. {CODE}"
        )] = None,
        first: Annotated[int, first_argument(50, TERMS_PAGE)] = 50,
        after: Annotated[str | None, AFTER] = None,
        consistent_with: Annotated[int | None, CONSISTENT_WITH] = None,
    ) -> TaxonomyTermsResult:  # fmt: skip
        context = info.context
        try:
            size = first_of(first, TERMS_PAGE)
            above = parse_code("parent", parent) if parent is not None else None
            start = decode(CURSOR_TAG, after, (str,))[0] if after is not None else None
            await reach(context, ("taxonomy",), consistent_with)
            view = context.container.taxonomy
            terms = await context.call(view.children, above, start, size + 1)

            async def count() -> int:
                return await context.call(view.count_children, above)

            return keyset(
                TaxonomyTermConnection, terms, size, tag=CURSOR_TAG, key=lambda t: (t.code,),
                node=TaxonomyTermType.of, after=after, counter=count,
            )  # fmt: skip
        except EXPECTED as error:
            return cast(TaxonomyTermsResult, as_error(error))


@strawberry.input(description="A new term: its code, names and synonyms.")
class DefineTaxonomyTermInput:
    code: str = strawberry.field(description=f"Like BD-1800.2000. {CODE}")
    name: LocalizedTextInput = strawberry.field(
        description=limits.at_most(limits.NAME_MAX, "characters in each language")
    )
    parent_code: str | None = strawberry.field(
        default=None, description=f"Left out: the code with its last part cut. {CODE}"
    )
    synonyms_fr: list[str] = strawberry.field(default_factory=list, description=SYNONYMS)
    synonyms_en: list[str] = strawberry.field(default_factory=list, description=SYNONYMS)


@strawberry.input(description="A term's new names.")
class RenameTaxonomyTermInput:
    code: str = strawberry.field(description=f"The term's code. {CODE}")
    name: LocalizedTextInput = strawberry.field(
        description=limits.at_most(limits.NAME_MAX, "characters in each language")
    )
    expected_version: int | None = strawberry.field(default=None, description=UNCHECKED)


@strawberry.input(description="A term's synonyms in one language, all of them.")
class ChangeTaxonomySynonymsInput:
    code: str = strawberry.field(description=f"The term's code. {CODE}")
    language: Language = strawberry.field(description="The language of the synonyms.")
    synonyms: list[str] = strawberry.field(description=f"All of them, as they now are. {SYNONYMS}")
    expected_version: int | None = strawberry.field(default=None, description=UNCHECKED)


@strawberry.type
class TaxonomyMutation:
    @strawberry.mutation(
        description="A new term of Guichet's own vocabulary (fact "
        "guichet.TaxonomyTerm.Defined); searches and `categories` name its code from then "
        "on. Editors only."
    )
    async def define_taxonomy_term(
        self, info: Info, input: Annotated[DefineTaxonomyTermInput, INPUT]
    ) -> TaxonomyChangeResult:
        return cast(TaxonomyChangeResult, await written(
            info, info.context.container.taxonomy_handler.define,
            lambda: DefineTerm(TermSpec(
                input.code, input.name.fr or "", input.name.en or "", input.parent_code,
                synonyms_fr=_bounded("synonymsFr", input.synonyms_fr),
                synonyms_en=_bounded("synonymsEn", input.synonyms_en),
            )),
        ))  # fmt: skip

    @strawberry.mutation(
        description="A term's names in French and English (fact "
        "guichet.TaxonomyTerm.Renamed), as searches and service pages show them. Editors only."
    )
    async def rename_taxonomy_term(
        self, info: Info, input: Annotated[RenameTaxonomyTermInput, INPUT]
    ) -> TaxonomyChangeResult:
        return cast(TaxonomyChangeResult, await written(
            info, info.context.container.taxonomy_handler.rename,
            lambda: RenameTerm(
                input.code, input.name.fr or "", input.name.en or "", input.expected_version
            ),
        ))  # fmt: skip

    @strawberry.mutation(
        description="A term's synonyms in one language, replaced by these (fact "
        "guichet.TaxonomyTerm.SynonymsChanged); searches match them from then on. Editors only."
    )
    async def change_taxonomy_synonyms(
        self, info: Info, input: Annotated[ChangeTaxonomySynonymsInput, INPUT]
    ) -> TaxonomyChangeResult:
        return cast(TaxonomyChangeResult, await written(
            info, info.context.container.taxonomy_handler.change_synonyms,
            lambda: ChangeSynonyms(
                input.code, DomainLanguage(input.language.value),
                _bounded("synonyms", input.synonyms), input.expected_version,
            ),
        ))  # fmt: skip


def _bounded(field: str, synonyms: list[str]) -> tuple[str, ...]:
    """Counted before anything is made of them; each is parsed by the domain."""
    limits.bounded(field, synonyms, limits.SYNONYMS_MAX)
    return tuple(synonyms)
