"""The taxonomy view on PostgreSQL: terms as the log left them, names in a language, and the
codes a text names, typos and synonyms included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.handlers.taxonomy import ChangeSynonyms, Language, RenameTerm
from infra import replay
from infra.bootstrap import Container
from infra.taxonomy import load_taxonomy, reference_terms

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def loaded(container: Container) -> Container:
    load_taxonomy(container.taxonomy_handler, AT)
    container.runners["taxonomy"].bring_up_to_date()
    return container


def test_every_reference_term_is_in_the_view_with_its_parent(loaded: Container) -> None:
    terms = {term.code: term for term in loaded.taxonomy.terms()}
    assert set(terms) == {spec.code for spec in reference_terms()}
    food = terms["BD-1800.2000"]
    assert (food.parent_code, food.name.fr, food.name.en) == (
        "BD-1800",
        "Aide alimentaire",
        "Food aid",
    )
    assert "food bank" in food.synonyms_en
    assert terms["BD"].parent_code == "B"
    top = [term.code for term in loaded.taxonomy.children(None, None, 50)]
    assert top == ["B", "D", "F", "H", "J", "L", "N", "P", "R", "T", "Y"]
    assert [t.code for t in loaded.taxonomy.children("B", "BH", 2)] == ["BM", "BT"]


def test_names_come_in_the_language_asked(loaded: Container) -> None:
    codes = ["BD-1800.2000", "BH-1800", "ZZ-0000"]
    assert loaded.taxonomy.names(codes, "fr") == {
        "BD-1800.2000": "Aide alimentaire",
        "BH-1800": "Refuges pour personnes itinérantes",
    }
    assert loaded.taxonomy.names(codes, "en")["BH-1800"] == "Homeless shelters"


@pytest.mark.parametrize(
    "text",
    [
        "food bank", "banque alimentaire", "emergency food", "dépannage alimentaire",
        "fod bank", "food bnk", "banque alimentair", "Banque  ALIMENTAIRE", "emergncy food",
        "aide alimentaire",
    ],
)  # fmt: skip
def test_a_name_or_synonym_with_one_typo_a_word_names_the_food_aid_code(
    loaded: Container, text: str
) -> None:
    assert "BD-1800.2000" in loaded.taxonomy.matching(text)


def test_a_text_names_the_codes_below_its_term_and_nothing_unrelated(loaded: Container) -> None:
    food = loaded.taxonomy.matching("food")
    assert {"BD", "BD-1800", "BD-1800.2000", "BD-5000.6500"} <= set(food)
    assert not any(code.startswith("BH") for code in food)
    assert loaded.taxonomy.matching("food bank laval") == ()
    assert loaded.taxonomy.matching("à de") == ()
    assert loaded.taxonomy.matching("refuge") == ("BH-1800",)


def test_an_editor_s_synonyms_and_names_are_matched_at_once(loaded: Container) -> None:
    assert "BD-1800.2000" not in loaded.taxonomy.matching("soupe populaire")
    loaded.taxonomy_handler.change_synonyms(
        ChangeSynonyms("BD-1800.2000", Language.FR, ("soupe populaire",)), actor="ed", at=AT
    )
    loaded.taxonomy_handler.rename(
        RenameTerm("BH-1800", "Hébergement", "Lodging"), actor="ed", at=AT
    )
    loaded.runners["taxonomy"].bring_up_to_date()

    assert "BD-1800.2000" in loaded.taxonomy.matching("soupe populaire")
    # The French synonyms given replace the old ones; the English ones stay.
    assert "BD-1800.2000" not in loaded.taxonomy.matching("banque alimentaire")
    assert "BD-1800.2000" in loaded.taxonomy.matching("food bank")
    assert loaded.taxonomy.names(["BH-1800"], "en") == {"BH-1800": "Lodging"}
    assert loaded.taxonomy.matching("personnes itinérantes") == ()


def test_a_replay_of_the_log_gives_the_same_terms_and_words(loaded: Container) -> None:
    loaded.taxonomy_handler.change_synonyms(
        ChangeSynonyms("BD-1800.2000", Language.EN, ("soup kitchen",)), actor="ed", at=AT
    )
    loaded.runners["taxonomy"].bring_up_to_date()
    [verdict] = replay.verify(loaded, ["taxonomy"])
    assert verdict.identical, verdict.differences
