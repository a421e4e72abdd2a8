"""`guichet import hsds` as a user runs it: what its exit status says of a package."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.e2e.test_command import GUICHET, clean_env

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"


def guichet_import(env: dict[str, str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GUICHET, "import", "hsds", str(path), "--language", "en"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_exit_status_says_whether_the_package_was_read_kept_or_already_there(
    environ: dict[str, str], tmp_path: Path
) -> None:
    env = clean_env(**environ)
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    shutil.copy(FIXTURES / "paths_in_data" / "datapackage.json", unreadable)
    skipped = tmp_path / "skipped"
    skipped.mkdir()
    (skipped / "services.csv").write_text("id,organization_id,name\nsvc-1,,Popote\nsvc-2,,\n")

    nothing_read = guichet_import(env, unreadable)
    nothing_kept = guichet_import(env, skipped)
    first = guichet_import(env, FIXTURES / "paths_in_data")
    again = guichet_import(env, FIXTURES / "paths_in_data")

    assert nothing_read.returncode == 2
    assert "no HSDS tables or JSON records found: organizations.csv (listed in" in (
        nothing_read.stderr
    )
    assert nothing_kept.returncode == 1, nothing_kept.stderr
    assert "every record was skipped (1 service: no name; 1 service: no organization_id)" in (
        nothing_kept.stderr
    )
    assert first.returncode == 0, first.stderr
    assert re.search(r"services\s+2 new", first.stdout)
    assert "Files found where the descriptor did not list them: data/" in first.stdout
    assert again.returncode == 0, again.stderr
    assert re.search(r"services\s+0 new\s+0 changed\s+2 unchanged", again.stdout)
    assert "Nothing to record: everything is already up to date." in again.stdout
