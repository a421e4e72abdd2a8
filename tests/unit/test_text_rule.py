"""The one rule for text: what a name may hold, whatever the door it comes in by."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.text import parse_text


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
