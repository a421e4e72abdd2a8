"""Which HSDS columns the import names as left out, and the labelled lines it adds to fields
the model holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.hsds.columns import ages, labelled, left_out
from infra.hsds.planner import plan_package
from infra.hsds.report import Report
from infra.hsds.source import read_package
from infra.hsds.territory_names import TerritoryNames


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
    (tmp_path / "services.csv").write_text(
        "id,organization_id,name,licenses,email\ns1,o1,Aide,L-1,\ns2,o1,Aide,,\n"
    )
    (tmp_path / "funding.csv").write_text("id,service_id,source\nf1,s1,United Way\n")

    assert left_out(read_package(tmp_path)) == {
        "funding": ["(the whole table)", "source"],
        "service": ["licenses"],  # not `email`, empty in every row
    }


def test_cells_guarded_by_the_csv_export_are_read_as_they_were(tmp_path: Path) -> None:
    (tmp_path / "services.csv").write_text(
        "id,organization_id,name,description\n"
        "s1,o1,'=Aide,'+1 for seniors\n"
        "s2,o1,'@home,'-\tminus\n"
        "s3,o1,'Quoted',it's\n"
    )

    rows = read_package(tmp_path).rows("service")

    assert [(r["name"], r["description"]) for r in rows] == [
        ("=Aide", "+1 for seniors"),
        ("@home", "-\tminus"),
        ("'Quoted'", "it's"),  # a quote before anything else is the source's own
    ]


def test_the_metadata_table_is_named_once_as_a_table_not_used(tmp_path: Path) -> None:
    (tmp_path / "services.csv").write_text("id,organization_id,name\ns1,o1,Aide\n")
    (tmp_path / "metadata.csv").write_text(
        "id,resource_id,resource_type,last_action_date,field_name\nm1,s1,service,2024-01-01,name\n"
    )
    report = Report()

    plan_package(read_package(tmp_path), report, language="en", territories=TerritoryNames([]))

    assert (report.ignored_files, report.tables_not_used) == ([], ["metadata"])
    assert "metadata" not in report.columns_left_out
    assert report.render().count("metadata") == 1
    assert "Tables not used: metadata" in report.render()


def test_the_terms_line_says_names_held_are_kept_whoever_gave_them() -> None:
    report = Report()
    report.count("taxonomy_term", "unchanged")

    assert "already known (names already in Guichet are kept)" in report.render()


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


def test_an_api_page_without_phones_or_schedules_holds_none_to_replace(tmp_path: Path) -> None:
    page = {
        "contents": [
            {"id": "s1", "name": "Aide", "organization_id": "o1", "description": "Repas"},
            {"id": "s2", "name": "Aide", "organization_id": "o1", "phones": []},
        ]
    }
    (tmp_path / "services.json").write_text(json.dumps(page))

    plan = plan_package(
        read_package(tmp_path), Report(), language="fr", territories=TerritoryNames([])
    )

    first, second = (service.absent for service in plan.services)
    assert {"phones", "schedule", "service_areas", "taxonomy_codes", "languages"} <= first
    assert "description" not in first
    # An object holding an empty list says "no phones": that replaces what Guichet holds.
    assert "phones" not in second
    assert "description" in second


def test_phones_a_json_service_takes_from_its_location_are_held(tmp_path: Path) -> None:
    (tmp_path / "services.json").write_text(
        json.dumps([{"id": "s1", "name": "Aide", "organization_id": "o1"}])
    )
    location = {
        "id": "l1", "organization_id": "o1", "name": "Bureau", "location_type": "physical",
        "phones": [{"id": "p1", "number": "514-555-0100"}],
    }  # fmt: skip
    (tmp_path / "locations.json").write_text(json.dumps([location]))
    link = {"id": "sl1", "service_id": "s1", "location_id": "l1"}
    (tmp_path / "service_at_locations.json").write_text(json.dumps([link]))

    plan = plan_package(
        read_package(tmp_path), Report(), language="fr", territories=TerritoryNames([])
    )

    (service,) = plan.services
    assert [phone.number for phone in service.phones] == ["5145550100"]
    assert "phones" not in service.absent
    assert "schedule" in service.absent
