"""Given/When/Then on the taxonomy handler, on the event store's in-memory recorder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput, NotFound, VersionConflict
from domain.handlers.taxonomy import (
    ChangeSynonyms,
    DefineTerm,
    DefineTerms,
    Language,
    RenameTerm,
    TaxonomyHandler,
    TermSpec,
)
from domain.operations import Operations
from domain.taxonomy import TaxonomyTerm, code_parent, term_id
from infra.demo import TEMPLATES
from infra.demo_calls import UNMET
from infra.taxonomy import load_taxonomy, reference_terms

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FOOD = TermSpec("BD-1800.2000", "Aide alimentaire", "Food aid", synonyms_en=("food bank",))


@pytest.fixture
def operations() -> Operations:
    return Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def handler(operations: Operations) -> TaxonomyHandler:
    return TaxonomyHandler(operations)


def term(operations: Operations, code: str) -> TaxonomyTerm:
    found: object = operations.repository.get(term_id(code))
    assert isinstance(found, TaxonomyTerm)
    return found


def test_a_defined_term_has_its_names_synonyms_and_the_code_s_parent(
    handler: TaxonomyHandler, operations: Operations
) -> None:
    handler.define(DefineTerm(TermSpec("BD-1800", "Aliments", "Food")), actor="editor", at=AT)
    handler.define(DefineTerm(FOOD), actor="editor", at=AT)

    food = term(operations, "BD-1800.2000")
    assert (food.parent_code, food.name.fr, food.name.en) == (
        "BD-1800",
        "Aide alimentaire",
        "Food aid",
    )
    assert food.synonyms == {"fr": [], "en": ["food bank"]}


def test_a_code_defined_twice_by_an_editor_is_refused(handler: TaxonomyHandler) -> None:
    handler.define(DefineTerm(FOOD), actor="editor", at=AT)
    with pytest.raises(InvalidInput, match="defined already"):
        handler.define(DefineTerm(FOOD), actor="editor", at=AT)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (TermSpec("food", "Aide", "Aid"), "code"),
        (TermSpec("BD", "", ""), "name"),
        (TermSpec("BD", "Nourri\x00ture", ""), "name.fr"),
        (TermSpec("BD", "Alimentation", "Food", parent_code="BD"), "parentCode"),
        (TermSpec("BD", "Alimentation", "Food", synonyms_fr=("x" * 101,)), "synonyms.fr[0]"),
        (TermSpec("BD", "Alimentation", "Food", synonyms_en=("a",) * 31), "synonyms.en"),
    ],
)
def test_a_term_is_refused_with_the_field_at_fault(
    handler: TaxonomyHandler, spec: TermSpec, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        handler.define(DefineTerm(spec), actor="editor", at=AT)
    assert refused.value.field == field


def test_synonyms_are_trimmed_without_blanks_or_repeats(
    handler: TaxonomyHandler, operations: Operations
) -> None:
    handler.define(DefineTerm(FOOD), actor="editor", at=AT)
    given = (" banque  alimentaire ", "", "Banque Alimentaire", "dépannage")
    handler.change_synonyms(
        ChangeSynonyms("BD-1800.2000", Language.FR, given), actor="editor", at=AT
    )
    assert term(operations, "BD-1800.2000").synonyms["fr"] == ["banque alimentaire", "dépannage"]


def test_a_rename_records_a_fact_and_the_same_names_record_none(
    handler: TaxonomyHandler, operations: Operations
) -> None:
    handler.define(DefineTerm(FOOD), actor="editor", at=AT)
    renamed = handler.rename(
        RenameTerm("bd-1800.2000", "Dépannage", "Food help", 1), actor="ed", at=AT
    )
    again = handler.rename(RenameTerm("BD-1800.2000", "Dépannage", "Food help"), actor="ed", at=AT)

    assert (renamed.version, again.version) == (2, 2)
    assert term(operations, "BD-1800.2000").name.en == "Food help"


def test_a_change_on_an_old_version_is_a_conflict(handler: TaxonomyHandler) -> None:
    handler.define(DefineTerm(FOOD), actor="editor", at=AT)
    handler.rename(RenameTerm("BD-1800.2000", "Dépannage", "Food help"), actor="ed", at=AT)
    with pytest.raises(VersionConflict):
        handler.change_synonyms(
            ChangeSynonyms("BD-1800.2000", Language.EN, ("pantry",), 1), actor="ed", at=AT
        )


def test_an_unknown_term_is_not_found(handler: TaxonomyHandler) -> None:
    with pytest.raises(NotFound, match="BD-1800"):
        handler.rename(RenameTerm("BD-1800", "Aide", "Aid"), actor="ed", at=AT)


def test_the_reference_loads_once_and_keeps_an_editor_s_change(
    handler: TaxonomyHandler, operations: Operations
) -> None:
    first = load_taxonomy(handler, AT)
    handler.rename(
        RenameTerm("BD-1800.2000", "Banques alimentaires", "Food banks"), actor="ed", at=AT
    )
    position = operations.current_position()
    second = load_taxonomy(handler, AT)

    assert (first.new, first.known) == (len(reference_terms()), 0)
    assert (second.new, second.known, second.position) == (0, len(reference_terms()), position)
    assert term(operations, "BD-1800.2000").name.fr == "Banques alimentaires"


def test_a_batch_defines_only_the_new_terms(handler: TaxonomyHandler) -> None:
    handler.define(DefineTerm(FOOD), actor="editor", at=AT)
    defined = handler.define_all(
        DefineTerms((TermSpec("BD", "Alimentation", "Food"), FOOD, TermSpec("BD", "X", "Y"))),
        actor="import", at=AT,
    )  # fmt: skip
    assert (defined.new, defined.known) == (1, 2)


def test_the_reference_names_every_code_of_the_demo_and_its_ancestors() -> None:
    terms = {spec.code: spec for spec in reference_terms()}
    used = {template.taxonomy for template in TEMPLATES} | set(UNMET)
    ancestors = set()
    for code in used:
        parent = code_parent(code)
        while parent is not None:
            ancestors.add(parent)
            parent = code_parent(parent)
    assert not (used | ancestors) - set(terms)
    assert all(spec.name_fr and spec.name_en for spec in terms.values())
    order = [spec.code for spec in reference_terms()]
    parents = {code: code_parent(code) for code in order}
    assert all(order.index(p) < order.index(c) for c, p in parents.items() if p is not None)


def test_terms_another_process_defines_meanwhile_are_counted_as_known(
    handler: TaxonomyHandler, operations: Operations, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_in_chunks = operations.save_in_chunks
    raced: list[bool] = []

    def racing(aggregates: list[TaxonomyTerm]) -> int:
        if not raced:
            raced.append(True)
            TaxonomyHandler(operations).define(DefineTerm(FOOD), actor="other", at=AT)
        return save_in_chunks(aggregates)

    monkeypatch.setattr(operations, "save_in_chunks", racing)
    defined = handler.define_all(
        DefineTerms((TermSpec("BD", "Alimentation", "Food"), FOOD)), actor="reference", at=AT
    )
    assert (defined.new, defined.known) == (1, 1)
    assert term(operations, "BD-1800.2000").version == 1


def test_a_derived_parent_is_kept_only_when_that_term_exists(
    handler: TaxonomyHandler, operations: Operations
) -> None:
    """A term given without a parent hangs under the nearest term that exists (or comes in the
    same batch), else at the top: never under a code nobody defined."""
    handler.define_all(
        DefineTerms((TermSpec("DT-8900", "Impôts", "Taxes"), TermSpec("XY", "Autre", "Other"))),
        actor="import", at=AT,
    )  # fmt: skip
    assert term(operations, "DT-8900").parent_code is None
    assert term(operations, "XY").parent_code is None

    load_taxonomy(handler, AT)  # defines D and BD-1800.2000, not DT
    handler.define_all(
        DefineTerms((
            TermSpec("DT-9000", "Crédits d'impôt", "Tax credits"),
            TermSpec("BD-1800.2000-550", "Frigos partagés", "Community fridges"),
            TermSpec("HH-0500.8000-100", "Alphabétisation", "Literacy"),
            TermSpec("HH-0500.8000", "déjà là", "already there"),
            TermSpec("LF-9999", "Nouveau", "New"),
            TermSpec("LF-9999.1000", "Sous-terme", "Child term"),
        )),
        actor="import", at=AT,
    )  # fmt: skip
    assert term(operations, "DT-9000").parent_code == "D"  # DT is no term: its parent D is
    assert term(operations, "BD-1800.2000-550").parent_code == "BD-1800.2000"
    assert term(operations, "HH-0500.8000-100").parent_code == "HH-0500.8000"
    assert term(operations, "LF-9999.1000").parent_code == "LF-9999"  # defined in the batch

    handler.define(DefineTerm(TermSpec("PH-9999.1000", "Éditeur", "Editor")), actor="e", at=AT)
    assert term(operations, "PH-9999.1000").parent_code == "PH"


def test_a_parent_must_be_a_term_first_so_the_taxonomy_stays_a_tree(
    handler: TaxonomyHandler, operations: Operations
) -> None:
    """An editor naming a parent that is no term is refused; a source's terms naming each
    other as parents are kept, the one defined first under the nearest term there is."""
    with pytest.raises(InvalidInput, match=r"QQ-9999\.1234 is not a term") as refused:
        handler.define(DefineTerm(TermSpec("ZZ-1011", "Z", "Z", "QQ-9999.1234")), actor="e", at=AT)
    assert refused.value.field == "parentCode"

    handler.define_all(
        DefineTerms((
            TermSpec("ZZ-1008", "Un", "One", "ZZ-1009"),
            TermSpec("ZZ-1009", "Deux", "Two", "ZZ-1008"),
        )),
        actor="import", at=AT,
    )  # fmt: skip

    assert term(operations, "ZZ-1008").parent_code is None
    assert term(operations, "ZZ-1009").parent_code == "ZZ-1008"
    with pytest.raises(InvalidInput, match="ZZ-1010 is not a term"):
        handler.define(DefineTerm(TermSpec("ZZ-1012", "Z", "Z", "ZZ-1010")), actor="e", at=AT)
