"""Terms an export or the HSDS API shows come with every term above them, and a parent recorded
before parents had to exist is shown as the nearest term above it."""

from __future__ import annotations

from uuid import uuid4

from domain.values import LocalizedText
from projections.taxonomy import Term, shown_parent, with_ancestors


def term(code: str, parent: str | None) -> Term:
    return Term(code, uuid4(), parent, LocalizedText(fr=code, en=code), "guichet", (), (), 1, 1)


def test_a_parent_that_is_no_term_is_shown_as_the_nearest_term_above_it() -> None:
    defined = {t.code: t for t in (term("D", None), term("DT-8900", "DT"), term("XY-1000", "XY"))}

    assert shown_parent(defined["DT-8900"], defined) == "D"
    assert shown_parent(defined["XY-1000"], defined) is None
    assert with_ancestors(["DT-8900", "ZZ-1000"], defined) == {"DT-8900": "D", "D": None}
