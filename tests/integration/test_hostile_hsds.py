"""HSDS packages with NUL bytes, other control characters and lone surrogates in their cells:
the import goes on, stores none of them, says where it cleaned or what it left out, and every
view applies what it stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from domain.directory import Organization
from domain.services import Service
from domain.text import check_stored
from domain.values import NO_TEXT, LocalizedText
from infra.bootstrap import Container
from infra.hsds.importer import ImportContext, Importer, import_package
from infra.hsds.plan import OrganizationIn, Plan, record_id
from infra.hsds.report import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HALTE = UUID("0b8e3c1a-2f4d-4e6a-8c1b-9d7e6f5a4b09")


def run(container: Container, folder: str) -> Report:
    context = ImportContext(container.directory_handler, "importer", AT, "fr")
    return import_package(context, FIXTURES / folder)


def views_apply_everything(container: Container) -> None:
    for runner in container.runners.values():
        runner.catch_up()
    for status in container.status():
        assert (status.name, status.lag, status.error) == (status.name, 0, None)


def every_stored_fact_passes(container: Container) -> None:
    operations = container.operations
    stored = operations.recorder.select_notifications(1, 10_000)
    assert stored
    for notification in stored:
        check_stored("fact", vars(operations.mapper.to_domain_event(notification)))


def test_a_csv_cell_with_a_nul_byte_is_cleaned_and_reported(container: Container) -> None:
    assert b"\x00" in (FIXTURES / "hostile_cells" / "organizations.csv").read_bytes()
    report = run(container, "hostile_cells")

    entraide: object = container.operations.repository.get(record_id("organization", "1"))
    assert isinstance(entraide, Organization)
    assert (entraide.name.fr, entraide.description.fr) == ("Entraide Laval", "Banque alimentaire")
    femmes: object = container.operations.repository.get(record_id("organization", "3"))
    assert isinstance(femmes, Organization)
    assert femmes.description.fr == "Ligne d'écoute"
    food: object = container.operations.repository.get(record_id("service", "1"))
    assert isinstance(food, Service)
    assert (food.name.fr, food.description.fr) == ("Aide alimentaire", "Paniers hebdomadaires")

    cleaned = report.mapped[("organization", "control characters removed")]
    assert cleaned.count == 4
    assert "NUL" in cleaned.examples[0]
    assert report.mapped[("service", "control characters removed")].count == 3
    # A name of control characters only cannot stand: that record is skipped, with the reason.
    assert report.skipped[("organization", "no name")].count == 1
    assert report.written[("organization", "new")] == 2
    assert report.written[("service", "new")] == 2
    every_stored_fact_passes(container)
    views_apply_everything(container)


def test_a_json_string_with_a_nul_or_a_lone_surrogate_is_cleaned(container: Container) -> None:
    report = run(container, "hostile_json")
    halte: object = container.operations.repository.get(HALTE)
    assert isinstance(halte, Organization)
    assert (halte.name.fr, halte.description.fr) == ("Halte du Nord", "Accueil de jour")
    assert report.mapped[("organization", "control characters removed")].count == 2
    assert "surrogate" in report.render()
    every_stored_fact_passes(container)
    views_apply_everything(container)


def test_a_record_the_domain_refuses_is_skipped_and_the_import_goes_on(
    container: Container,
) -> None:
    report = Report()
    refused = OrganizationIn(
        record_id("organization", "bad"), "organizations.csv line 2",
        LocalizedText(fr="n" * 301, en=""), NO_TEXT, None,
    )  # fmt: skip
    kept = OrganizationIn(
        record_id("organization", "good"), "organizations.csv line 3",
        LocalizedText(fr="Entraide", en=""), NO_TEXT, None,
    )  # fmt: skip
    context = ImportContext(container.directory_handler, "importer", AT, "fr")
    Importer(context, report).run(Plan(organizations=[refused, kept]))
    skipped = report.skipped[("organization", "refused")]
    assert skipped.count == 1
    assert "name.fr: is longer than 300 characters" in skipped.examples[0]
    assert report.written[("organization", "new")] == 1
    views_apply_everything(container)
