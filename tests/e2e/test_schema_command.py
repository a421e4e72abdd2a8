"""`guichet schema`: the API's SDL on standard output, with no database to reach."""

from __future__ import annotations

import subprocess
from pathlib import Path

import graphql

from tests.e2e.test_command import GUICHET, clean_env

# A database nothing listens on: the schema is built without one.
NOWHERE = "postgresql://guichet@127.0.0.1:9/guichet"


def test_the_schema_is_printed_as_sdl_that_graphql_core_reads(tmp_path: Path) -> None:
    env = clean_env(GUICHET_DATABASE_URL=NOWHERE, GUICHET_DATA_DIR=str(tmp_path / "data"))
    printed = subprocess.run([GUICHET, "schema"], env=env, capture_output=True, text=True,
                             timeout=60)  # fmt: skip

    assert printed.returncode == 0, printed.stderr
    schema = graphql.build_schema(printed.stdout)
    assert schema.query_type is not None
    assert schema.query_type.name == "Query"
    assert schema.mutation_type is not None
    assert schema.mutation_type.name == "Mutation"
    assert schema.subscription_type is not None
    assert schema.subscription_type.name == "Subscription"
    assert "registerOrganization" in schema.mutation_type.fields
    assert printed.stderr == ""


def test_the_schema_is_written_to_a_file_when_asked(tmp_path: Path) -> None:
    env = clean_env(GUICHET_DATABASE_URL=NOWHERE, GUICHET_DATA_DIR=str(tmp_path / "data"))
    target = tmp_path / "schema.graphql"
    written = subprocess.run([GUICHET, "schema", "--output", str(target)], env=env,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    printed = subprocess.run([GUICHET, "schema"], env=env, capture_output=True, text=True,
                             timeout=60)  # fmt: skip

    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    assert f"written to {target}" in written.stderr
    assert target.read_text(encoding="utf-8") == printed.stdout

    refused = subprocess.run([GUICHET, "schema", "--output", str(tmp_path / "no" / "such")],
                             env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.startswith("guichet: ")
    assert "No such file or directory" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
