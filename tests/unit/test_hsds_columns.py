"""Which HSDS columns the import names as left out, and the labelled lines it adds to fields
the model holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.hsds.columns import ages, labelled, left_out
from infra.hsds.source import read_package


def test_nested_json_fields_no_table_reads_are_named_once(tmp_path: Path) -> None:
    services = [
        {"id": f"s{n}", "name": "Aide", "organization_id": "o1", "alert": "Closed Monday",
         "program": {"id": "p1", "name": "Housing"}, "cost_options": [{"amount": 5}],
         "required_documents": [{"id": f"d{n}", "document": "ID"}]}
        for n in range(3)
    ]  # fmt: skip
    (tmp_path / "services.json").write_text(json.dumps(services))

    package = read_package(tmp_path)

    assert left_out(package) == {"service": ["alert", "cost_options", "program"]}
    assert [row["document"] for row in package.rows("required_document")] == ["ID"] * 3


def test_tables_without_a_place_are_named_whole(tmp_path: Path) -> None:
    (tmp_path / "services.csv").write_text("id,organization_id,name,licenses\ns1,o1,Aide,\n")
    (tmp_path / "funding.csv").write_text("id,service_id,source\nf1,s1,United Way\n")

    assert left_out(read_package(tmp_path)) == {
        "funding": ["(the whole table)", "source"],
        "service": ["licenses"],
    }


@pytest.mark.parametrize(
    ("language", "label", "values", "line"),
    [
        (
            "en",
            "required_documents",
            ["Photo ID", "", "Lease", "Photo ID"],
            "Required documents: Photo ID; Lease",
        ),
        ("fr", "payments_accepted", ["Comptant"], "Paiements acceptés : Comptant"),
        ("en", "wait_time", ["  2   weeks "], "Wait time: 2 weeks"),
        ("en", "wait_time", ["", " "], ""),
    ],
)
def test_labelled_lines(language: str, label: str, values: list[str], line: str) -> None:
    assert labelled(language, label, values) == line


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"minimum_age": "18", "maximum_age": "64"}, ["18-64"]),
        ({"minimum_age": "65"}, ["65+"]),
        ({"maximum_age": "5"}, ["≤ 5"]),
        ({}, []),
    ],
)
def test_ages(row: dict[str, str], expected: list[str]) -> None:
    assert ages(row) == expected
