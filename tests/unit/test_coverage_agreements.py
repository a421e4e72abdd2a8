"""Coverage agreements: the rules on their dates and on what may follow what."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.coverage import CoverageAgreement
from domain.errors import InvalidInput

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def agreement(until: date | None = date(2021, 4, 1)) -> CoverageAgreement:
    return CoverageAgreement.agree(
        uuid4(), ["RA-15", "RA-15", " RA-14 "], ["WEB", "phone"], date(2020, 12, 15), until,
        "Fonds d'urgence pour l'appui communautaire", None, "COVID-19", actor="a", at=AT,
    )  # fmt: skip


def test_an_agreement_keeps_its_territories_and_channels_cleaned() -> None:
    made = agreement()
    assert made.territories == ["RA-15", "RA-14"]
    assert made.channels == ["phone", "web"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda a: a.extend(date(2021, 3, 1), None, actor="a", at=AT), "effectiveUntil",
         "ends after the current end"),
        (lambda a: a.end_early(date(2021, 5, 1), None, actor="a", at=AT), "effectiveUntil",
         "before the current end"),
        (lambda a: a.end_early(date(2020, 12, 15), None, actor="a", at=AT), "effectiveUntil",
         "not after it starts"),
        (lambda a: a.amend(["RA-15"], ["fax"], date(2020, 12, 15), "F", None, None, actor="a",
                           at=AT), "channels[0]", "is not one of"),
        (lambda a: a.amend([], ["web"], date(2020, 12, 15), "F", None, None, actor="a", at=AT),
         "territories", "at least one territory"),
    ],
)  # fmt: skip
def test_contradictory_facts_are_refused_with_the_field(
    change: object, field: str, message: str
) -> None:
    made = agreement()
    with pytest.raises(InvalidInput) as error:
        change(made)  # type: ignore[operator]
    assert error.value.field == field
    assert message in error.value.message


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not after it starts"):
        agreement(until=date(2020, 12, 1))


def test_a_cancelled_agreement_cannot_be_extended() -> None:
    made = agreement()
    made.cancel("recorded in error", actor="a", at=AT)
    with pytest.raises(InvalidInput, match="cancelled"):
        made.extend(date(2022, 1, 1), None, actor="a", at=AT)


def test_extending_and_ending_early_move_the_end() -> None:
    made = agreement()
    made.extend(date(2022, 1, 1), "mandate extended", actor="a", at=AT)
    assert made.effective_until == date(2022, 1, 1)
    made.end_early(date(2021, 10, 1), "funding ended", actor="a", at=AT)
    assert made.effective_until == date(2021, 10, 1)
    open_ended = agreement(until=None)
    with pytest.raises(InvalidInput, match="already open-ended"):
        open_ended.extend(None, None, actor="a", at=AT)


def test_territory_changes_refuse_what_cannot_be() -> None:
    from domain.territories import Territory, TerritoryKind

    territory = Territory.define(
        "60035", "L'Épiphanie", TerritoryKind.MUNICIPALITY, "MRC-600", 5000, [], actor="a", at=AT
    )
    with pytest.raises(InvalidInput, match="already in MRC-600"):
        territory.move("MRC-600", date(2012, 1, 1), None, actor="a", at=AT)
    with pytest.raises(InvalidInput, match="its own parent"):
        territory.move("60035", date(2012, 1, 1), None, actor="a", at=AT)
    territory.merge_into("60037", date(2018, 5, 23), "merged", actor="a", at=AT)
    with pytest.raises(InvalidInput, match="was merged into 60037"):
        territory.rename("Autre", date(2019, 1, 1), None, actor="a", at=AT)
