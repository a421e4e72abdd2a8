"""A package's taxonomy terms are defined with their names and parents, once, and never over
an editor's change."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.handlers.taxonomy import RenameTerm
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.hsds.importer import ImportContext, import_package
from infra.hsds.report import Report
from infra.territories import load_reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def directory(container: Container) -> Container:
    load_reference(container.operations, SystemClock())
    return container


def run(container: Container, path: Path, language: str = "fr") -> Report:
    return import_package(
        ImportContext(container.directory_handler, "importer", AT, language), path
    )


def terms(container: Container) -> dict[str, tuple[str | None, str, str, str]]:
    container.runners["taxonomy"].bring_up_to_date()
    return {
        t.code: (t.parent_code, t.name.fr, t.name.en, t.vocabulary)
        for t in container.taxonomy.terms()
    }


def test_a_package_s_terms_are_defined_with_names_and_parents(directory: Container) -> None:
    report = run(directory, FIXTURES / "v2_tabular", "en")

    # Their parents BD-5000 and ND are in neither the package nor the log: at the top.
    assert terms(directory) == {
        "BD-5000.6500": (None, "", "Home delivered meals", "AIRS"),
        "ND-6500": (None, "", "Job search", "AIRS"),
    }
    assert (
        report.written[("taxonomy_term", "new")],
        report.written[("taxonomy_term", "unchanged")],
    ) == (2, 0)


def test_nested_terms_of_hsds_3_and_parents_named_by_id(
    directory: Container, tmp_path: Path
) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "taxonomy_terms.json").write_text(json.dumps([
        {"id": "t-child", "code": "BD-1800.2000", "name": "Banques alimentaires",
         "parent_id": "t-parent", "taxonomy": "Taxonomie régionale"},
        {"id": "t-parent", "code": "bd-1800", "name": "Alimentation d'urgence"},
        {"id": "t-bad", "code": "not a code", "name": "Ignoré"},
        {"id": "t-blank", "code": "BD-1900", "name": "  "},
    ]))  # fmt: skip
    run(directory, package)

    assert terms(directory) == {
        # No term BD nor B in this log: the top, not a parent that is no term.
        "BD-1800": (None, "Alimentation d'urgence", "", "hsds"),
        "BD-1800.2000": ("BD-1800", "Banques alimentaires", "", "Taxonomie régionale"),
    }


def test_importing_again_keeps_an_editor_s_names(directory: Container) -> None:
    run(directory, FIXTURES / "v2_tabular", "en")
    directory.taxonomy_handler.rename(
        RenameTerm("ND-6500", "Recherche d'emploi", "Job search help"), actor="edith", at=AT
    )
    again = run(directory, FIXTURES / "v2_tabular", "en")

    assert terms(directory)["ND-6500"][1:3] == ("Recherche d'emploi", "Job search help")
    assert (
        again.written[("taxonomy_term", "new")],
        again.written[("taxonomy_term", "unchanged")],
    ) == (0, 2)
