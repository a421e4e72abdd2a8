"""Disclosure control of public figures, checked the way an attacker reads them: every relation
between a published whole and its published parts leaves 0 or at least the threshold."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from projections.statistics import Cell, Columns, Contact, Filter, Tallies, category, compute
from projections.statistics_report import Published, publish, safe_cell, to_csv

T = 5
START = date(2020, 3, 2)
REGIONS = {"66023": "TE-66", "65005": "TE-65", "58227": "TE-58", "81017": "RA-07"}
TOP = {"place": 3, "need": 4, "unmet": 4, "organization": 3}


def tallies(table: str, counts: dict[str, int], **totals: int) -> Tallies:
    cells = [Cell(key, count) for key, count in sorted(counts.items(), key=lambda kv: -kv[1])]
    contacts = totals.pop("contacts", sum(counts.values()))
    return Tallies(
        contacts=contacts, needs=totals.get("needs", 0), referrals=0, unmet=0,
        interpreter=totals.get("interpreter", 0), wait=(0, 0), handle=(0, 0),
        tables={table: cells},
    )  # fmt: skip


def keys(published: Published, table: str) -> dict[str, int | None]:
    return {cell.key: cell.count for cell in published.tables[table]}


def public(figures: Tallies) -> Published:
    return publish(figures, exact=False, threshold=T, label=lambda _t, _k: "", first=TOP)


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    shown = public(tallies("gender", {"female": 40, "male": 30, "unknown": 9, "other": 2}))
    assert keys(shown, "gender") == {"female": 40, "male": 30}  # 81 - 70 = 11 people unknown
    assert shown.contacts.value == 81


def test_a_large_remainder_needs_no_second_cell() -> None:
    shown = public(tallies("gender", {"female": 40, "male": 30, "other": 2, "unknown": 3}))
    assert keys(shown, "gender") == {"female": 40, "male": 30}


def test_months_of_a_channel_cannot_give_a_hidden_month_back() -> None:
    figures = Tallies(
        contacts=27, needs=0, referrals=0, unmet=0, interpreter=0, wait=(0, 0), handle=(0, 0),
        tables={
            "channel": [Cell("phone", 20), Cell("email", 7)],
            "month": [Cell("phone", 20, "2020-03"), Cell("email", 5, "2020-03"),
                      Cell("email", 2, "2020-04")],
        },
    )  # fmt: skip
    shown = public(figures)
    assert keys(shown, "channel") == {"phone": 20, "email": 7}
    # email in March would give email in April: 7 - 5 = 2.
    assert [(c.group, c.key) for c in shown.tables["month"]] == [("2020-03", "phone")]


def test_the_places_of_a_region_hidden_for_another_are_hidden_too() -> None:
    figures = Tallies(
        contacts=60, needs=0, referrals=0, unmet=0, interpreter=0, wait=(0, 0), handle=(0, 0),
        tables={
            "region": [Cell("TE-66", 50), Cell("RA-07", 7), Cell("TE-58", 3)],
            "place": [Cell("66023", 50, "TE-66"), Cell("81017", 7, "RA-07"),
                      Cell("58227", 3, "TE-58")],
        },
    )  # fmt: skip
    shown = public(figures)
    assert keys(shown, "region") == {"TE-66": 50}
    # Gatineau's 7 would give its region's 7, and Longueuil's 3 as 60 - 50 - 7.
    assert keys(shown, "place") == {"66023": 50}


def test_interpreters_hidden_when_those_without_one_are_few() -> None:
    shown = public(tallies("gender", {"female": 20}, interpreter=17))
    assert shown.interpreter.suppressed
    assert shown.contacts.value == 20


def test_a_ratio_is_hidden_with_its_small_part() -> None:
    shown = public(tallies("gender", {"female": 200}, needs=3))
    assert shown.needs.suppressed
    assert shown.needs_per_contact is None  # 0.015 x 200 would give the 3 needs back


def test_shares_of_known_answers_are_left_out_when_the_unknown_ones_are_hidden() -> None:
    shown = public(tallies("age_band", {"60-69": 20, "40-49": 10, "unknown": 2, "0-19": 3}))
    assert keys(shown, "age_band") == {"60-69": 20, "40-49": 10}
    assert all(cell.share is None for cell in shown.tables["age_band"])
    clear = public(tallies("age_band", {"60-69": 20, "40-49": 10, "unknown": 8}))
    assert {c.key: c.share for c in clear.tables["age_band"]}["60-69"] == 66.67


def random_contacts(rng: random.Random, count: int) -> list[Contact]:
    found = []
    for number in range(count):
        needs = [rng.choice(["BD-1", "BD-2", "BT-1", "PH-1", "PH-2", "LR-9"])
                 for _ in range(rng.randrange(4))]  # fmt: skip
        found.append(
            Contact(
                row_id=number + 1, position=number + 1, disposition="completed",
                day=START + timedelta(days=rng.randrange(70)),
                channel=rng.choice(["phone"] * 6 + ["email", "chat"]),
                language=rng.choice(["fr"] * 5 + ["en", "es"]), interpreter=rng.random() < 0.1,
                inquirer_type=rng.choice(["self", "self", "third_party"]),
                age_band=rng.choice(["60-69", "40-49", "0-19", "unknown"]),
                gender=rng.choice(["female", "male", "other", "unknown"]),
                territory=rng.choice([*REGIONS, "confidential"]),
                wait_seconds=30, handle_seconds=200, need_codes=needs,
                need_unmet=[rng.choice(["", "", "cost", "transport"]) for _ in needs],
                referral_organizations=[rng.choice("abcdef") for _ in range(rng.randrange(3))],
            )
        )  # fmt: skip
    return found


Part = Callable[[Any], bool]  # a Cell or a PublishedCell


def matching(of: Callable[[Any], str], key: str) -> Part:
    return lambda cell: of(cell) == key


def relations(exact: Tallies) -> list[tuple[int, str, Part, str, str]]:
    """(whole, table, part, parent table, parent key) for every sum a reader can form."""
    found: list[tuple[int, str, Part, str, str]] = []
    totals = {"contacts": exact.contacts, "needs": exact.needs, "unmet": exact.unmet,
              "referrals": exact.referrals}  # fmt: skip
    for table, total in (("channel", "contacts"), ("language", "contacts"),
                         ("gender", "contacts"), ("age_band", "contacts"),
                         ("inquirer_type", "contacts"), ("region", "contacts"),
                         ("category", "needs"), ("need", "needs"), ("unmet", "unmet"),
                         ("unmet_reason", "unmet"), ("organization", "referrals")):  # fmt: skip
        found.append((totals[total], table, lambda _c: True, "total", total))
    for parent, child, of in (
        ("channel", "month", lambda c: c.key), ("region", "place", lambda c: c.group),
        ("category", "need", lambda c: category(c.key)),
        ("unmet", "unmet_need_reason", lambda c: c.group),
        ("unmet_reason", "unmet_need_reason", lambda c: c.key),
    ):  # fmt: skip
        for cell in exact.tables[parent]:
            found.append((cell.count, child, matching(of, cell.key), parent, cell.key))
    return found


@pytest.mark.parametrize("seed", range(60))
def test_no_published_relation_leaves_a_small_group(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    columns = Columns()
    columns.add(random_contacts(rng, rng.randrange(12, 160)))
    exact = compute(columns, Filter(START, START + timedelta(days=69)), REGIONS)
    shown = public(exact)
    visible = {
        "total": {"contacts": shown.contacts.value, "needs": shown.needs.value,
                  "unmet": shown.unmet.value, "referrals": shown.referrals.value},
        **{table: {c.key: c.count for c in cells} for table, cells in shown.tables.items()},
    }  # fmt: skip
    for cells in shown.tables.values():
        assert all(cell.count is not None and cell.count >= T for cell in cells)
    for whole, table, part, parent, key in relations(exact):
        parts = [c.count for c in shown.tables[table] if part(c) and c.count is not None]
        if visible[parent].get(key) is None:
            assert not parts, (table, parent, key)  # a hidden whole hides its parts
            continue
        left = whole - sum(parts)
        assert left == 0 or left >= T, (table, parent, key, whole, parts)


def test_text_cells_that_start_a_formula_are_written_as_text() -> None:
    for text in ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                 "\tx", "\rx"):  # fmt: skip
        assert safe_cell(text) == "'" + text
    assert safe_cell("Carrefour =1") == "Carrefour =1"
    figures = Tallies(
        contacts=9, needs=0, referrals=9, unmet=0, interpreter=0, wait=(3, -30), handle=(0, 0),
        tables={"organization": [Cell("=1+1", 9)]},
    )  # fmt: skip
    exact = publish(figures, exact=True, threshold=T, label=lambda _t, _k: "-1", first={})
    rows = list(csv.reader(to_csv(exact).splitlines()))
    assert ["organization", "", "'=1+1", "'-1", "9", "100.0", "False"] in rows
    wait = "Attente moyenne (secondes)"
    assert ["average", "", "average_wait_seconds", wait, "-10.0", "", "False"] in rows
