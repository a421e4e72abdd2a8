"""The text of a search: parsed once, by the one text rule, and bounded in length and words."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from projections.search_query import SearchQuery, parse_prefix, respelled


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("aide\x00alimentaire", "NUL"),
        ("aide\x85", "control character"),
        ("a" * 201, "200 characters"),
        (" ".join(["aide"] * 13), "12 words"),
        ("aide-" * 12 + "logement", "12 words"),
        ("¼ " * 7, "12 words"),  # seven characters, fourteen words once folded
    ],
)
def test_a_text_past_the_rule_is_refused_naming_text(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        SearchQuery(text=text)

    assert raised.value.field == "text"
    assert problem in raised.value.message


def test_a_text_is_trimmed_folded_in_spaces_and_blank_is_none() -> None:
    assert SearchQuery(text="  aide \n  alimentaire ").text == "aide alimentaire"
    assert SearchQuery(text=" " * 300).text is None
    assert SearchQuery(text=" ".join(["aide"] * 12)).words == ["aide"] * 12


def test_spelling_candidates_are_distinct_words_of_five_to_forty_letters_only() -> None:
    query = SearchQuery(text="Dénaigement aide dénaigement " + "x" * 41 + " 12345")

    assert query.respell_candidates == ["denaigement"]


def test_a_respelled_query_keeps_everything_but_its_words() -> None:
    query = SearchQuery(text="Dénaigement aide", first=5)

    again = respelled(query, {"denaigement": "deneigement"})

    assert again is not None
    assert (again.text, again.first) == ("deneigement aide", 5)
    assert respelled(query, {"logement": "logements"}) is None


def test_a_prefix_is_bounded_to_50_characters() -> None:
    assert parse_prefix("prefix", " dénei ") == "dénei"
    with pytest.raises(InvalidInput) as raised:
        parse_prefix("prefix", "a" * 51)
    assert raised.value.field == "prefix"
