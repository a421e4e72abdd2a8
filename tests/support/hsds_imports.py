"""Importing fixture packages in integration tests, and reading back what was recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from domain.records import Record
from domain.services import Service
from infra.bootstrap import Container
from infra.hsds.importer import ImportContext, import_package
from infra.hsds.plan import record_id
from infra.hsds.report import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def run(container: Container, path: Path, language: str = "en") -> Report:
    return import_package(
        ImportContext(container.directory_handler, "importer", AT, language), path
    )


def written(report: Report, kind: str) -> dict[str, int]:
    return {o: report.written[(kind, o)] for o in ("new", "changed", "unchanged")}


def record(container: Container, kind: str, key: str) -> Record:
    found: object = container.operations.repository.get(record_id(kind, key))
    assert isinstance(found, Record)
    return found


def service(container: Container, key: str) -> Service:
    found = record(container, "service", key)
    assert isinstance(found, Service)
    return found
