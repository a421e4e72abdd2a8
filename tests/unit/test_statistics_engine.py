"""The column engine against a plain count, over contacts mostly but not wholly in day order
(the engine skips blocks of days outside the period)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from projections.statistics import BLOCK, Columns, Contact, Filter, compute

START = date(2019, 1, 1)


def contacts(count: int) -> list[Contact]:
    rng = random.Random(3)  # noqa: S311 - test data
    found = []
    for number in range(count):
        # mostly in the order they happened; one in fifty entered late, for an earlier day
        offset = number * 700 // count if rng.random() > 0.02 else rng.randrange(700)
        found.append(
            Contact(
                row_id=number + 1, position=number + 1,
                disposition="completed" if rng.random() > 0.1 else "test",
                day=START + timedelta(days=offset), channel=rng.choice(["phone", "email"]),
                language=rng.choice(["fr", "en"]), interpreter=False, inquirer_type="self",
                age_band="unknown", gender=rng.choice(["female", "male"]),
                territory=rng.choice(["65005", "66023", "confidential"]),
                wait_seconds=30, handle_seconds=200,
                need_codes=["BD-1800"] * rng.randrange(3), need_unmet=[],
                referral_organizations=[],
            )
        )  # fmt: skip
    for contact in found:
        contact.need_unmet = [""] * len(contact.need_codes)
    return found


def test_counts_equal_a_plain_count_for_any_period() -> None:
    every = contacts(3 * BLOCK)
    columns = Columns()
    columns.add(every)
    rng = random.Random(9)  # noqa: S311 - test data
    for _ in range(40):
        a, b = sorted(rng.randrange(700) for _ in range(2))
        first, last = START + timedelta(days=a), START + timedelta(days=b)
        channel = rng.choice([None, "phone"])
        territories = rng.choice([None, frozenset({"65005"})])
        tallies = compute(columns, Filter(first, last, channel, territories), {})
        mine = [
            c for c in every
            if c.disposition == "completed" and first <= c.day <= last
            and (channel is None or c.channel == channel)
            and (territories is None or c.territory in territories)
        ]  # fmt: skip
        assert tallies.contacts == len(mine)
        assert tallies.needs == sum(len(c.need_codes) for c in mine)
        genders = Counter(c.gender for c in mine)
        assert {cell.key: cell.count for cell in tallies.tables["gender"]} == dict(genders)
