"""The schema documents itself: the SDL `guichet schema` prints passes graphql-schema-linter
(every type, field, argument, input field and enum value described; Relay's connection rules),
and matches the committed `schema.graphql`, so that every change to the API shows in review."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_command import GUICHET, clean_env

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schema.graphql"
LINT = ROOT / "tools" / "schema-lint"
LINTER = LINT / "node_modules" / ".bin" / "graphql-schema-linter"
REFRESH = ".venv/bin/guichet schema --output schema.graphql"
# A database nothing listens on: the schema is built without one.
NOWHERE = "postgresql://guichet@127.0.0.1:9/guichet"


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> str:
    data = tmp_path_factory.mktemp("schema-data")
    env = clean_env(GUICHET_DATABASE_URL=NOWHERE, GUICHET_DATA_DIR=str(data))
    done = subprocess.run([GUICHET, "schema"], env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def lint(sdl: Path) -> list[dict[str, object]]:
    """graphql-schema-linter's findings on an SDL file, with the committed rules."""
    if shutil.which("node") is None:
        pytest.fail(
            "Node.js is missing: the schema's lint needs node and npm on the PATH "
            "(scripts/schema-lint.sh installs them with apt-get, then the linter)"
        )
    if not LINTER.exists():
        pytest.fail(f"graphql-schema-linter is not installed in {LINT.relative_to(ROOT)}: "
                    "run scripts/schema-lint.sh")  # fmt: skip
    done = subprocess.run(
        [str(LINTER), "--config-directory", str(LINT), "--format", "json", str(sdl)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # 0: no finding; 1: findings (in the JSON); anything else: the linter could not run.
    assert done.returncode in (0, 1), done.stderr or done.stdout
    errors: list[dict[str, object]] = json.loads(done.stdout)["errors"]
    assert (done.returncode == 1) is bool(errors), done.stdout
    return errors


def test_the_printed_schema_has_no_lint_finding(printed: str, tmp_path: Path) -> None:
    sdl = tmp_path / "schema.graphql"
    sdl.write_text(printed, encoding="utf-8")

    findings = lint(sdl)

    report = "\n".join(f"{error['rule']}: {error['message']}" for error in findings)
    assert not findings, f"{len(findings)} findings of graphql-schema-linter:\n{report}"


def test_the_lint_finds_what_is_undescribed(tmp_path: Path) -> None:
    # The rules are on: a field without a description and a PageInfo without Relay's fields fail.
    sdl = tmp_path / "bad.graphql"
    sdl.write_text('"""The root."""\ntype Query {\n  hello: String\n}\n\n'
                   '"""A page."""\ntype PageInfo {\n  """More."""\n  hasNextPage: Boolean!\n}\n',
                   encoding="utf-8")  # fmt: skip

    rules = {str(error["rule"]) for error in lint(sdl)}

    assert {"fields-have-descriptions", "relay-page-info-spec"} <= rules


def test_the_committed_schema_is_the_printed_one(printed: str) -> None:
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    diff = "".join(difflib.unified_diff(
        committed.splitlines(keepends=True), printed.splitlines(keepends=True),
        "schema.graphql (committed)", "guichet schema (printed)",
    ))  # fmt: skip
    assert not diff, f"schema.graphql is not the schema; refresh it with `{REFRESH}`:\n{diff}"


def test_without_node_the_lint_fails_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sdl = tmp_path / "schema.graphql"
    sdl.write_text('"""The root."""\ntype Query {\n  """Hello."""\n  hello: String\n}\n')
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(pytest.fail.Exception, match=r"Node.js is missing.*schema-lint.sh"):
        lint(sdl)
