"""Random rounding of public counts: multiples of 5 kept, the others rounded up or down so that
on average they are the count, and the same cell with the same count always rounded alike."""

from __future__ import annotations

import pytest

from projections.rounding import BASE, RandomRounding, random_round

ROUNDING = RandomRounding(b"a secret of the deployment")


@pytest.mark.parametrize("count", [0, 5, 10, 35, 1_000, 123_455])
def test_a_multiple_of_five_stays(count: int) -> None:
    assert {ROUNDING(count, "channel", "", str(n), 40) for n in range(200)} == {count}


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 29, 1_001, 123_459])
def test_a_count_goes_to_one_of_its_two_multiples_of_five_unbiased(count: int) -> None:
    draws = [ROUNDING(count, "need", "", f"BD-{n}", 40) for n in range(20_000)]
    low = count - count % BASE
    assert set(draws) == {low, low + BASE}
    # Rounded up with probability r/5: the mean is the count (4 standard errors at most).
    up = sum(value > count for value in draws) / len(draws)
    rate = (count % BASE) / BASE
    assert abs(up - rate) < 4 * (rate * (1 - rate) / len(draws)) ** 0.5
    assert abs(sum(draws) / len(draws) - count) < 0.1


def test_the_same_cell_and_count_round_alike_and_others_afresh() -> None:
    first = [ROUNDING(n, "gender", "", "male", 40) for n in range(500)]
    assert first == [ROUNDING(n, "gender", "", "male", 40) for n in range(500)]
    assert first == [
        RandomRounding(ROUNDING.secret)(n, "gender", "", "male", 40) for n in range(500)
    ]
    # Another secret, cell or whole draws anew: some of the 400 counts not multiples of 5 move.
    for other in (
        [RandomRounding(b"another")(n, "gender", "", "male", 40) for n in range(500)],
        [ROUNDING(n, "gender", "", "female", 40) for n in range(500)],
        [ROUNDING(n, "gender", "", "male", 41) for n in range(500)],
    ):
        assert sum(a != b for a, b in zip(first, other, strict=True)) > 50


def test_the_draw_decides_the_direction() -> None:
    assert random_round(7, 0.0) == 10  # 0 < 2/5: up
    assert random_round(7, 0.39) == 10
    assert random_round(7, 0.4) == 5
    assert random_round(7, 0.999) == 5
    assert random_round(10, 0.0) == 10
