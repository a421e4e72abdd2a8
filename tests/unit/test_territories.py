from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.territories import Territory, TerritoryKind, territory_id
from infra.territories import reference_territories
from projections.territories import ancestors

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_reference_holds_every_official_territory_and_the_cmm() -> None:
    specs = reference_territories()
    kinds = Counter(spec.kind for spec in specs)

    assert len(specs) == 1_284
    assert kinds[TerritoryKind.REGION] == 17
    assert kinds[TerritoryKind.MUNICIPALITY] == 1_130
    assert kinds[TerritoryKind.BOROUGH] == 33
    assert kinds[TerritoryKind.METROPOLITAN_COMMUNITY] == 1
    assert sum("CMM" in spec.groupings for spec in specs) == 82


def test_parents_come_before_children_and_exist() -> None:
    seen: set[str] = set()
    for spec in reference_territories():
        assert spec.parent_code is None or spec.parent_code in seen, spec
        seen.add(spec.code)


def test_ancestors_follow_the_tree_and_the_groupings() -> None:
    parents = {
        "QC": None, "RA-06": "QC", "TE-66": "RA-06", "66023": "TE-66", "CMM": "QC",
        "ARR-66023-anjou": "66023", "RA-13": "QC", "TE-65": "RA-13", "65005": "TE-65",
    }  # fmt: skip
    groupings = {"66023": ["CMM"], "65005": ["CMM"]}

    assert ancestors("65005", parents, groupings) == ["TE-65", "CMM", "RA-13", "QC"]
    assert ancestors("ARR-66023-anjou", parents, groupings) == [
        "66023", "TE-66", "CMM", "RA-06", "QC"
    ]  # fmt: skip
    assert ancestors("QC", parents, groupings) == []


def test_a_territory_id_follows_from_its_code() -> None:
    laval = Territory.define(
        "65005", "Laval", TerritoryKind.MUNICIPALITY, "TE-65", 446_369, ["CMM"], actor="a", at=AT
    )
    assert laval.id == territory_id("65005")
    [fact] = laval.collect_events()
    assert isinstance(fact, Territory.Defined)
    assert (fact.code, fact.parent_code, fact.groupings) == ("65005", "TE-65", ["CMM"])


@pytest.mark.parametrize(
    ("code", "name", "parent", "population", "field"),
    [(" ", "X", None, 1, "code"), ("X", "", None, 1, "name"), ("X", "X", "X", 1, "parent_code"),
     ("X", "X", None, -1, "population")],
)  # fmt: skip
def test_a_bad_definition_names_the_field(
    code: str, name: str, parent: str | None, population: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        Territory.define(code, name, TerritoryKind.REGION, parent, population, [], actor="a", at=AT)
    assert raised.value.field == field
