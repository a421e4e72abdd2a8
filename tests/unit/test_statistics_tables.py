"""Every table of the column engine against a plain count: the attributes counted together
(`Columns.joint`), months by channel, and needs with their reasons counted at once
(`Columns.need_pairs`), for contacts rewritten after they were read and as of a position."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from projections.statistics import BLOCK, Columns, Contact, Filter, compute, month_label
from projections.statistics_columns import month_number

START = date(2019, 1, 1)
CODES = ["BD-1800", "BD-1800.2000", "LH-2600", "NL-6000"]
REASONS = ["", "", "cost_too_high", "no_transport", "waiting_list_full"]


def contact(rng: random.Random, row_id: int, position: int, offset: int) -> Contact:
    needs = rng.randrange(4)
    return Contact(
        row_id=row_id, position=position,
        disposition="completed" if rng.random() > 0.1 else "abandoned",
        day=START + timedelta(days=offset), channel=rng.choice(["phone", "email", "chat"]),
        language=rng.choice(["fr", "en", "es", ""]), interpreter=rng.random() < 0.1,
        inquirer_type=rng.choice(["self", "third_party", "professional", "unknown"]),
        age_band=rng.choice(["0-19", "20-29", "70+", "unknown"]),
        gender=rng.choice(["female", "male", "other", "unknown"]),
        territory=rng.choice(["65005", "66023", "confidential", None]),
        wait_seconds=rng.choice([None, rng.randrange(600)]),
        handle_seconds=rng.choice([None, rng.randrange(1800)]),
        need_codes=[rng.choice(CODES) for _ in range(needs)],
        need_unmet=[rng.choice(REASONS) for _ in range(needs)],
        referral_organizations=[f"org-{rng.randrange(9)}" for _ in range(rng.randrange(4))],
    )  # fmt: skip


def plain(contacts: dict[int, Contact], query: Filter) -> dict[str, Counter[tuple[str, str]]]:
    chosen = [
        c for c in contacts.values()
        if c.disposition == "completed" and query.start <= c.day <= query.end
        and (query.channel is None or c.channel == query.channel)
        and (query.territories is None or c.territory in query.territories)
        and (query.until is None or c.position <= query.until)
    ]  # fmt: skip
    tables: dict[str, Counter[tuple[str, str]]] = {
        name: Counter(("", getattr(c, name)) for c in chosen)
        for name in ("channel", "language", "inquirer_type", "age_band", "gender")
    }
    tables["month"] = Counter((month_label(month_number(c.day)), c.channel) for c in chosen)
    pairs = [
        (code, reason)
        for c in chosen
        for code, reason in zip(c.need_codes, c.need_unmet, strict=True)
    ]
    tables["need"] = Counter(("", code) for code, _ in pairs)
    tables["unmet"] = Counter(("", code) for code, reason in pairs if reason)
    tables["unmet_reason"] = Counter(("", reason) for _, reason in pairs if reason)
    tables["unmet_need_reason"] = Counter((code, reason) for code, reason in pairs if reason)
    tables["organization"] = Counter(("", o) for c in chosen for o in c.referral_organizations)
    tables["totals"] = Counter({
        ("", "contacts"): len(chosen), ("", "interpreter"): sum(c.interpreter for c in chosen),
        ("", "waited"): sum(c.wait_seconds is not None for c in chosen),
        ("", "wait"): sum(c.wait_seconds or 0 for c in chosen),
        ("", "handled"): sum(c.handle_seconds is not None for c in chosen),
        ("", "handle"): sum(c.handle_seconds or 0 for c in chosen),
        ("", "unmet"): sum(1 for _, reason in pairs if reason),
    })  # fmt: skip
    return tables


def test_every_table_equals_a_plain_count() -> None:
    rng = random.Random(20)  # noqa: S311 - test data
    count = 2 * BLOCK
    latest: dict[int, Contact] = {}
    columns = Columns()
    batch = [contact(rng, n + 1, n + 1, n * 400 // count) for n in range(count)]
    columns.add(batch)
    latest.update((c.row_id, c) for c in batch)
    for correction in range(2):
        # Some contacts corrected after they were read, a new language among them.
        position = max(c.position for c in latest.values())
        rewritten = [
            contact(rng, row_id, position + index + 1, rng.randrange(400))
            for index, row_id in enumerate(rng.sample(sorted(latest), 500))
        ]
        rewritten[0].language = f"new-{correction}"
        columns.add(rewritten)
        latest.update((c.row_id, c) for c in rewritten)
        for _ in range(30):
            a, b = sorted(rng.randrange(400) for _ in range(2))
            query = Filter(
                START + timedelta(days=a), START + timedelta(days=b),
                rng.choice([None, "phone", "fax"]), rng.choice([None, frozenset({"65005"})]),
                rng.choice([None, position]),
            )  # fmt: skip
            tallies = compute(columns, query, {})
            expected = plain(latest, query)
            for name, counted in expected.items():
                if name == "totals":
                    continue
                found = Counter({(cell.group, cell.key): cell.count
                                 for cell in tallies.tables[name]})  # fmt: skip
                assert found == +counted, (name, query)
            totals = expected["totals"]
            assert tallies.contacts == totals["", "contacts"]
            assert tallies.interpreter == totals["", "interpreter"]
            assert tallies.unmet == totals["", "unmet"]
            assert tallies.needs == sum(expected["need"].values())
            assert tallies.wait == (totals["", "waited"], totals["", "wait"])
            assert tallies.handle == (totals["", "handled"], totals["", "handle"])
