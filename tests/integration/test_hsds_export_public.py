"""An export for partners holds what the public sees; `--all` is the directory team's copy."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from domain.handlers.directory import DeactivateRecord, FlagRecordForReview
from infra import demo
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.territories import load_reference
from tests.e2e.test_command import GUICHET, clean_env

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
EDITOR = "Paulette Tremblay"
CLOSED = demo.demo_id("organization", 2)
FLAGGED = demo.demo_id("service", 1, 1)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_an_export_for_partners_leaves_out_what_the_public_does_not_see(
    container: Container, environ: dict[str, str], tmp_path: Path
) -> None:
    load_reference(container.operations, SystemClock())
    demo.load_demo(container.directory_handler, AT)
    handler = container.directory_handler
    handler.deactivate_record(DeactivateRecord(CLOSED, 1, "fermé"), actor=EDITOR, at=AT)
    handler.flag_record_for_review(
        FlagRecordForReview(FLAGGED, 1, "SECRET: le numéro de Paul"), actor=EDITOR, at=AT
    )

    def export(kind: str, folder: Path, *extra: str) -> str:
        done = subprocess.run(
            [GUICHET, "export", kind, str(folder), *extra], env=clean_env(**environ),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return "\n".join(p.read_text("utf-8") for p in sorted(folder.iterdir()))

    shared = export("csv", tmp_path / "shared")
    whole = export("csv", tmp_path / "whole", "--all")
    shared_json = export("hsds", tmp_path / "shared-json")

    for text in (shared, shared_json):
        assert str(CLOSED) not in text
        assert "SECRET" not in text
        assert EDITOR not in text
    assert str(FLAGGED) in shared  # flagged is still in service: its reason is the team's
    organizations = {row["id"] for row in rows(tmp_path / "shared" / "organizations.csv")}
    services = rows(tmp_path / "shared" / "services.csv")
    assert services
    assert {row["organization_id"] for row in services} <= organizations
    links = rows(tmp_path / "shared" / "service_at_location.csv")
    assert {row["service_id"] for row in links} <= {row["id"] for row in services}
    for found in (str(CLOSED), "SECRET", EDITOR):
        assert found in whole
    assert json.loads((tmp_path / "shared-json" / "services.json").read_text("utf-8"))


def test_a_partner_s_hsds_package_is_never_replaced(
    container: Container, environ: dict[str, str], tmp_path: Path
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "datapackage.json").write_text('{"name": "their_211", "resources": []}')
    (theirs / "organizations.csv").write_text("id,name\n1,Their record\n")

    done = subprocess.run(
        [GUICHET, "export", "csv", str(theirs)], env=clean_env(**environ),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert done.returncode == 2
    assert "holds other files" in done.stderr
    assert (theirs / "organizations.csv").read_text() == "id,name\n1,Their record\n"


def test_a_partner_s_hsds_json_files_are_never_replaced(
    container: Container, environ: dict[str, str], tmp_path: Path
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "services.json").write_text('[{"id": "their-service"}]')
    (theirs / "organizations.json").write_text('[{"id": "their-organization"}]')

    def export(folder: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GUICHET, "export", "hsds", str(folder)], env=clean_env(**environ),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    done = export(theirs)

    assert done.returncode == 2
    assert "holds other files" in done.stderr
    assert (theirs / "services.json").read_text() == '[{"id": "their-service"}]'
    ours = tmp_path / "ours"
    assert export(ours).returncode == 0
    again = export(ours)  # a folder this export wrote is written again
    assert again.returncode == 0, again.stderr
