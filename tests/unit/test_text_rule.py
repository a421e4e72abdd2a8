"""The one rule for text: what a name may hold, whatever the door it comes in by."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.taxonomy import parse_synonyms
from domain.text import parse_text
from domain.values import LocalizedText


@pytest.mark.parametrize(
    "raw",
    ["\u200b", "\u200b\u200d\ufeff", "\u2060 \u00a0", "\u00ad"],
)
def test_a_required_text_of_invisible_characters_is_blank(raw: str) -> None:
    with pytest.raises(InvalidInput, match="name: is required and must not be blank"):
        parse_text("name", raw, max_length=50, required=True)


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2069"])
def test_a_bidirectional_override_is_refused_naming_it(control: str) -> None:
    with pytest.raises(InvalidInput, match="bidirectional control character") as refused:
        parse_text("name", f"Banque{control}alimentaire", max_length=50)
    assert refused.value.field == "name"


def test_right_to_left_text_keeps_its_marks() -> None:
    arabic = "\u0628\u0646\u0643 \u0627\u0644\u0637\u0639\u0627\u0645\u200f (Montr\u00e9al)"
    assert parse_text("name", arabic, max_length=50, required=True) == arabic


def test_a_name_of_invisible_characters_in_both_languages_is_refused() -> None:
    with pytest.raises(InvalidInput, match="needs a French or an English text"):
        LocalizedText.parse("name", "\u200b\u200d", "\u2060", required=True, max_length=50)


def test_a_language_of_invisible_characters_alone_has_no_text() -> None:
    name = LocalizedText.parse("name", "\u200b", "Food bank", required=True, max_length=50)
    assert name == LocalizedText(fr="", en="Food bank")


def test_a_synonym_of_invisible_characters_is_dropped() -> None:
    assert parse_synonyms("synonyms", ["\u200b", "\u2060\u00a0", "colis"]) == ["colis"]
