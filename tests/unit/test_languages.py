"""One registry of ISO 639 codes, and one form kept for each language."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.values import parse_languages


def test_each_language_is_kept_under_one_code() -> None:
    assert parse_languages("languages", ["fre", "fra", "FR", "eng"]) == ("fr", "en")


def test_a_language_without_a_two_letter_code_keeps_its_three_letters() -> None:
    assert parse_languages("languages", ["haw", "HAW"]) == ("haw",)


@pytest.mark.parametrize("code", ["zz", "xyz", "f", "fren"])
def test_a_code_no_standard_gives_is_refused_by_its_index(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_languages("languages", ["fr", code])
    assert refused.value.field == "languages[1]"
