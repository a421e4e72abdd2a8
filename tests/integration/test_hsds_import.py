"""`guichet import hsds` on packages written here with the dirt real exports have."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest

from domain.directory import Organization
from domain.handlers.directory import AmendService, DeactivateRecord, RegisterOrganization
from domain.handlers.directory_import import ServiceState
from domain.locations import Location, ServiceAtLocation, service_at_location_id
from domain.records import Status
from domain.services import Service
from domain.values import NO_SCHEDULE, NO_TEXT, LocalizedText
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.hsds.importer import ImportContext, Importer, import_package
from infra.hsds.plan import OrganizationIn, Plan, ServiceIn, record_id
from infra.hsds.report import Report
from infra.hsds.source import PackageError
from infra.territories import load_reference
from projections.search_query import SearchQuery

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ENTRAIDE = UUID("0b8e3c1a-2f4d-4e6a-8c1b-9d7e6f5a4b01")
FOOD_BANK = UUID("5f0c6a51-6d1e-4c3b-9a51-0c1f3a7e2b01")
HOMEWORK = UUID("5f0c6a51-6d1e-4c3b-9a51-0c1f3a7e2b02")
DEFUNCT = UUID("5f0c6a51-6d1e-4c3b-9a51-0c1f3a7e2b04")


@pytest.fixture
def directory(container: Container) -> Container:
    load_reference(container.operations, SystemClock())
    return container


def run(container: Container, path: Path, language: str = "fr") -> Report:
    return import_package(
        ImportContext(container.directory_handler, "importer", AT, language), path
    )


def written(report: Report, kind: str) -> dict[str, int]:
    return {o: report.written[(kind, o)] for o in ("new", "changed", "unchanged")}


def skipped(report: Report) -> dict[tuple[str, str], int]:
    return {key: tally.count for key, tally in report.skipped.items()}


def mapped(report: Report) -> dict[tuple[str, str], int]:
    return {key: tally.count for key, tally in report.mapped.items()}


def get(container: Container, id: UUID) -> object:
    return container.operations.repository.get(id)


def test_hsds_3_json_folder_maps_nested_objects_and_reports_its_dirt(
    directory: Container,
) -> None:
    report = run(directory, FIXTURES / "v3_json")

    assert written(report, "organization") == {"new": 2, "changed": 0, "unchanged": 0}
    # The service whose organization is in neither the package nor Guichet is kept.
    assert written(report, "service") == {"new": 4, "changed": 0, "unchanged": 0}
    assert written(report, "placeholder organization")["new"] == 1
    assert written(report, "location") == {"new": 3, "changed": 0, "unchanged": 0}
    assert written(report, "service_at_location") == {"new": 2, "changed": 0, "unchanged": 0}
    assert skipped(report) == {("service", "duplicate id"): 1}
    assert report.columns_left_out == {"location": ["url"]}
    assert mapped(report) == {
        ("placeholder organization", "flagged for review"): 1,
        ("service", "flagged for review"): 1,
        ("service", "phone number not understood, left out"): 1,
        ("service", "language not understood, left out"): 1,
        ("service", "service area not a known territory, left out"): 1,
        ("service", "taxonomy term not in the taxonomy file, left out"): 1,
        ("organization", "website not a web address, left out"): 1,
        ("location", "no coordinates"): 1,
    }
    duplicate = report.skipped[("service", "duplicate id")]
    assert duplicate.examples == [
        "services.json[3]: '5f0c6a51-6d1e-4c3b-9a51-0c1f3a7e2b01', first at services.json[0]"
    ]

    service = get(directory, FOOD_BANK)
    assert isinstance(service, Service)
    assert service.name.fr == "Banque alimentaire du quartier"
    assert service.name.en == ""
    assert [(p.number, p.kind) for p in service.phones] == [
        ("4505550101", "voice"),
        ("4505550102", "fax"),
    ]
    assert [(h.weekday, h.opens, h.closes) for h in service.schedule.hours] == [
        (1, "09:00", "12:00"),
        (2, "09:00", "12:00"),
        (3, "09:00", "12:00"),
        (4, "13:00", "16:00"),
    ]
    assert service.languages == ["fr", "ht"]
    assert service.service_areas == ["RA-13"]  # "Laval": the broadest territory of that name
    assert service.taxonomy_codes == ["BD-1800.2000"]
    assert service.eligibility.fr == "Résidents de Laval à faible revenu"
    assert service.verified_at == datetime(2026, 1, 15, 5, tzinfo=UTC)  # midnight in Montréal

    homework = get(directory, HOMEWORK)
    assert isinstance(homework, Service)
    assert homework.service_areas == ["CMM"]
    assert homework.flagged == "temporarily closed in the imported HSDS data"
    defunct = get(directory, DEFUNCT)
    assert isinstance(defunct, Service)
    assert defunct.status is Status.INACTIVE

    organization = get(directory, ENTRAIDE)
    assert isinstance(organization, Organization)
    assert organization.website == "https://www.entraide-laval.example"
    location = get(directory, UUID("71000000-0000-4000-8000-000000000001"))
    assert isinstance(location, Location)
    assert location.address is not None
    assert location.address.postal_code == "H7V 1A1"
    assert location.coordinates is not None
    assert location.coordinates.latitude == pytest.approx(45.5369)
    virtual = get(directory, UUID("71000000-0000-4000-8000-000000000003"))
    assert isinstance(virtual, Location)
    assert virtual.virtual


def test_importing_the_same_package_again_records_nothing(directory: Container) -> None:
    first = run(directory, FIXTURES / "v2_tabular")
    head = directory.operations.recorder.max_notification_id()
    again = run(directory, FIXTURES / "v2_tabular")

    assert first.events > 0
    assert again.events == 0
    assert directory.operations.recorder.max_notification_id() == head
    for kind in ("organization", "service", "location", "service_at_location"):
        assert written(again, kind)["new"] == written(again, kind)["changed"] == 0
        assert written(again, kind)["unchanged"] == written(first, kind)["new"]
    assert skipped(again) == skipped(first)


def test_a_changed_package_amends_records_and_keeps_the_other_language(
    directory: Container, tmp_path: Path
) -> None:
    package = tmp_path / "package"
    shutil.copytree(FIXTURES / "v2_tabular", package)
    run(directory, package)
    id = record_id("service", "svc-1")
    service = get(directory, id)
    assert isinstance(service, Service)
    directory.directory_handler.amend_service(
        AmendService(
            id, service.version, name=type(service.name)(fr=service.name.fr, en="Meals on wheels")
        ),
        actor="ed",
        at=AT,
    )
    services = (package / "services.csv").read_text()
    renamed = services.replace("Popote roulante", "Popote du Nord").replace("5 $", "6 $")
    (package / "services.csv").write_text(renamed)

    report = run(directory, package)

    assert written(report, "service") == {"new": 0, "changed": 1, "unchanged": 2}
    service = get(directory, id)
    assert isinstance(service, Service)
    assert (service.name.fr, service.name.en) == ("Popote du Nord", "Meals on wheels")
    assert service.fees.fr == "6 $ par repas"
    facts = list(directory.operations.repository.event_store.get(id))[-2:]
    assert [type(fact) for fact in facts] == [Service.Renamed, Service.FeesChanged]
    assert {getattr(fact, "reason", None) for fact in facts} == {"imported from HSDS data"}


def test_hsds_2_data_package_with_old_column_names(directory: Container) -> None:
    report = run(directory, FIXTURES / "v2_tabular")

    assert written(report, "organization")["new"] == 2
    assert written(report, "service")["new"] == 3  # one under a placeholder organization
    assert written(report, "location")["new"] == 3
    assert written(report, "service_at_location")["new"] == 4
    assert skipped(report) == {
        ("organization", "duplicate id"): 1,
        ("service", "no name"): 1,
        ("service_at_location", "its location was not imported and is not active in Guichet"): 1,
    }
    assert mapped(report) == {
        ("placeholder organization", "flagged for review"): 1,
        ("service", "flagged for review"): 1,
        ("service", "opening hours not understood, left out"): 1,
        ("service", "language not understood, left out"): 1,
        ("service", "taxonomy term not in the taxonomy file, left out"): 1,
        ("service", "taxonomy code not understood, left out"): 1,
        ("location", "no coordinates"): 1,
        ("location", "coordinates not understood, left out"): 1,
    }
    assert report.ignored_files == []
    assert report.columns_left_out["contact"][0] == "(the whole table)"
    assert report.columns_left_out["organization"] == ["email"]  # the others empty in every row

    meals = get(directory, record_id("service", "svc-1"))
    assert isinstance(meals, Service)
    assert [(h.weekday, h.opens, h.closes) for h in meals.schedule.hours] == [
        (day, "09:00", "17:00") for day in range(1, 6)
    ]
    assert meals.languages == ["fr", "en"]
    assert meals.service_areas == ["ARR-66023-ahuntsic-cartierville"]
    assert meals.taxonomy_codes == ["BD-5000.6500"]
    assert meals.fees.fr == "5 $ par repas"
    assert [(p.number, p.extension) for p in meals.phones] == [("5145550199", "12")]
    jobs = get(directory, record_id("service", "svc-2"))
    assert isinstance(jobs, Service)
    assert [(h.weekday, h.opens) for h in jobs.schedule.hours] == [(1, "09:00"), (3, "09:00")]
    assert jobs.languages == ["es", "ar", "tl"]
    assert jobs.service_areas == ["66023"]
    assert jobs.taxonomy_codes == ["ND-6500"]
    link = service_at_location_id(record_id("service", "svc-2"), record_id("location", "loc-3"))
    assert isinstance(get(directory, link), ServiceAtLocation)


def test_hsds_1_1_zip_without_descriptor(directory: Container, tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zip:
        for path in sorted((FIXTURES / "v1_tabular").iterdir()):
            zip.write(path, f"export/{path.name}")

    report = run(directory, archive)

    assert written(report, "service")["new"] == 1
    assert written(report, "service_at_location")["new"] == 1
    assert mapped(report) == {
        ("location", "no organization_id, taken from a service there"): 1,
        ("service", "holiday closure not plausible, left out"): 1,
    }
    service = get(directory, record_id("service", "1"))
    assert isinstance(service, Service)
    assert [(h.weekday, h.opens, h.closes) for h in service.schedule.hours] == [
        (2, "08:30", "11:30"),
        (4, "13:00", "16:00"),
    ]
    assert service.schedule.closed_on == (
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 26),
    )
    assert service.taxonomy_codes == ["PH-1250.1000"]
    assert service.eligibility.fr == "Enfants de 18 mois à 5 ans"
    assert service.service_areas == ["RA-13"]
    location = get(directory, record_id("location", "1"))
    assert isinstance(location, Location)
    assert location.organization_id == record_id("organization", "1")
    assert location.address is not None
    assert location.address.street == "1500, boulevard de l'Avenir, Bureau 2"
    assert location.accessibility.fr == "Rampe d'accès Entrée côté stationnement"
    organization = get(directory, record_id("organization", "1"))
    assert isinstance(organization, Organization)
    assert organization.website == "https://maisonfamille.example"


def test_english_packages_fill_the_english_text(directory: Container) -> None:
    run(directory, FIXTURES / "v2_tabular", language="en")
    service = get(directory, record_id("service", "svc-1"))
    assert isinstance(service, Service)
    assert (service.name.fr, service.name.en) == ("", "Popote roulante")


async def test_imported_services_are_found_by_search(directory: Container) -> None:
    run(directory, FIXTURES / "v2_tabular")
    directory.runners["territories"].catch_up()
    directory.runners["search"].catch_up()

    page = await directory.search.search(SearchQuery(text="popote"))

    assert [hit.service_id for hit in page.hits] == [record_id("service", "svc-1")]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"README.txt": "not hsds"}, "no HSDS tables or JSON records found"),
        ({"services.json": "{not json"}, "services.json: not valid JSON"),
        ({"datapackage.json": '{"name": "x"}'}, "not a data package descriptor with resources"),
    ],
)
def test_unreadable_packages_are_refused_before_anything_is_written(
    directory: Container, tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    head = directory.operations.recorder.max_notification_id()

    with pytest.raises(PackageError, match=message):
        run(directory, tmp_path)

    assert directory.operations.recorder.max_notification_id() == head


def test_report_is_json_serialisable(directory: Container) -> None:
    report = run(directory, FIXTURES / "v3_json")
    data = json.loads(json.dumps(report.as_dict()))
    assert {"kind": "service", "outcome": "new", "count": 4} in data["written"]
    assert data["placeholders"] == {"new": 1, "unchanged": 0}
    assert data["flagged"] == 2
    assert "Skipped (not imported)" in report.render()


def test_a_missing_organization_becomes_a_flagged_placeholder_and_a_held_one_is_untouched(
    directory: Container, tmp_path: Path
) -> None:
    closed = record_id("organization", "org-closed")
    handler = directory.directory_handler
    handler.register_organization(
        RegisterOrganization(closed, LocalizedText("Fermé", "")), actor="ed", at=AT
    )
    handler.deactivate_record(DeactivateRecord(closed, 1, "closed"), actor="ed", at=AT)
    (tmp_path / "organizations.csv").write_text("id,name\norg-1,Entraide Laval\n")
    (tmp_path / "services.csv").write_text(
        "id,organization_id,name\n"
        "svc-1,org-1,Dépannage\n"
        "svc-2,org-closed,Popote\n"
        "svc-3,org-gone,Friperie\n"
    )
    (tmp_path / "service_area.csv").write_text(
        "id,service_id,service_area\narea-1,svc-1,99999\narea-2,svc-1,65005\n"
    )

    report = run(directory, tmp_path)
    again = run(directory, tmp_path)

    assert written(report, "service") == {"new": 2, "changed": 0, "unchanged": 0}
    # org-closed is held by Guichet: left as it is (not counted as a placeholder), and its
    # service refused by the rules.
    assert written(report, "placeholder organization") == {"new": 1, "changed": 0, "unchanged": 0}
    refused = report.skipped[
        ("service", "its organization is not in the package nor active in Guichet")
    ]
    assert refused.examples == [
        f"services.csv line 3: organization_id: {closed} is not an active organization"
    ]
    held = get(directory, closed)
    assert isinstance(held, Organization)
    assert (held.name.fr, held.status, held.flagged) == ("Fermé", Status.INACTIVE, None)
    placeholder = get(directory, record_id("organization", "org-gone"))
    assert isinstance(placeholder, Organization)
    assert placeholder.name.fr == "Organisation inconnue (source : org-gone)"
    reason = "organization 'org-gone' is referred to in the HSDS package but is not in it"
    assert placeholder.flagged == reason
    kept = get(directory, record_id("service", "svc-3"))
    assert isinstance(kept, Service)
    assert kept.organization_id == placeholder.id
    assert kept.flagged == f"{reason}; imported under a placeholder organization"
    assert report.flagged == 2
    assert again.events == 0
    assert written(again, "placeholder organization")["unchanged"] == 1  # org-gone, not org-closed
    # An unknown area is a value left out of a service the import keeps, as the report says.
    assert mapped(report) == {
        ("service", "service area not a known territory, left out"): 1,
        ("placeholder organization", "flagged for review"): 1,
        ("service", "flagged for review"): 1,
    }
    service = get(directory, record_id("service", "svc-1"))
    assert isinstance(service, Service)
    assert service.service_areas == ["65005"]
    assert record_id("service", "svc-2") not in directory.operations.repository


def planned_service(owner: UUID, key: str, line: int, areas: tuple[str, ...]) -> ServiceIn:
    return ServiceIn(
        id=record_id("service", key), where=f"services.csv line {line}", organization_id=owner,
        name=LocalizedText("Popote", ""), description=NO_TEXT, eligibility=NO_TEXT,
        fees=NO_TEXT, application_process=NO_TEXT, phones=(), schedule=NO_SCHEDULE,
        languages=(), service_areas=areas, taxonomy_codes=(), status=ServiceState.ACTIVE,
        assured_on=None, assurer=None,
    )  # fmt: skip


def test_a_plan_naming_an_unknown_territory_is_refused_as_the_api_would(
    directory: Container,
) -> None:
    owner = OrganizationIn(
        record_id("organization", "org-1"), "organizations.csv line 2",
        LocalizedText("Entraide", ""), NO_TEXT, None,
    )  # fmt: skip
    services = [
        planned_service(owner.id, "svc-1", 2, ("65005", "99999")),
        planned_service(owner.id, "svc-2", 3, ("65005",)),
    ]
    context = ImportContext(directory.directory_handler, "importer", AT, "fr")

    report = Importer(context, Report()).run(Plan(organizations=[owner], services=services))

    assert skipped(report) == {("service", "refused"): 1}
    assert report.skipped[("service", "refused")].examples == [
        "services.csv line 2: service_areas[1]: '99999' is not a known territory code"
    ]
    assert record_id("service", "svc-1") not in directory.operations.repository
    assert written(report, "service")["new"] == 1
