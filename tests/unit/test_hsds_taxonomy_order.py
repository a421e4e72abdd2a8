"""A package's terms are defined parents first, whatever order and shape its rows have."""

from __future__ import annotations

from domain.handlers.taxonomy import TermSpec
from infra.hsds.taxonomy import parents_first


def spec(code: str, parent: str | None = None) -> TermSpec:
    return TermSpec(code, code, code, parent)


def test_a_long_chain_is_ordered_from_its_top() -> None:
    chain = [spec("ZZ-1000")] + [spec(f"ZZ-{1000 + n}", f"ZZ-{999 + n}") for n in range(1, 3000)]

    ordered = parents_first(list(reversed(chain)))

    assert [s.code for s in ordered] == [s.code for s in chain]


def test_derived_parents_count_and_a_cycle_still_ends() -> None:
    given = [
        spec("BD-1800.2000"), spec("BD-1800"), spec("BD"),
        spec("ZZ-1008", "ZZ-1009"), spec("ZZ-1009", "ZZ-1008"),
    ]  # fmt: skip

    ordered = [s.code for s in parents_first(given)]

    assert ordered.index("BD") < ordered.index("BD-1800") < ordered.index("BD-1800.2000")
    assert sorted(ordered) == sorted(s.code for s in given)
