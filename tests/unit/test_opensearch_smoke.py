"""The operator's smoke script, run on the fake cluster: its checks and its verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml

import bench
from bench.opensearch_smoke import Engine, closed_port, run
from bench.support import create, drop
from infra.bootstrap import Container
from infra.database import Database
from tests.support.fake_opensearch import FakeCluster, Request
from tests.support.opensearch_shapes import recorded_problems


def test_every_check_passes_on_the_fake_and_each_says_what_it_saw(container: Container) -> None:
    cluster = FakeCluster()
    said: list[str] = []
    assert run(Engine.fake(cluster), container, said.append)
    assert len(said) == 7
    assert all(line.startswith("ok ") for line in said), said
    print("\n".join(said))
    assert "201 then 409" in said[2]
    assert "SEARCH_UNAVAILABLE" in said[5]
    assert "SEARCH_UNAVAILABLE" in said[6]
    assert recorded_problems(cluster.requests) == []
    assert cluster.indices == {}, "the smoke test deletes what it made"


def test_a_cluster_that_does_not_refuse_a_page_applied_again_fails_the_smoke_test(
    container: Container,
) -> None:
    cluster = FakeCluster()
    created = {"index": {"_index": "x", "_id": "y", "status": 201, "result": "created"}}

    def second_bulk(request: Request) -> bool:
        body = request.body
        return request.path == "/_bulk" and len(body) == 2 and body[0]["index"]["version"] == 1

    cluster.fail(200, second_bulk, times=2, body={"took": 1, "errors": False, "items": [created]})
    said: list[str] = []
    assert not run(Engine.fake(cluster), container, said.append)
    assert said[-1].startswith("FAIL a page applied twice")
    assert "[201, 201]" in said[-1]


def test_an_analysis_that_reads_words_otherwise_than_postgresql_fails_the_smoke_test(
    container: Container,
) -> None:
    cluster = FakeCluster()
    unstemmed = {"tokens": [{"token": "banques", "start_offset": 0, "end_offset": 7,
                             "type": "word", "position": 0}]}  # fmt: skip
    cluster.fail(200, lambda r: r.path.endswith("/_analyze"), body=unstemmed)
    said: list[str] = []
    assert not run(Engine.fake(cluster), container, said.append)
    assert said[-1].startswith("FAIL analysis of French and English")
    assert "['banques'], PostgreSQL ['aid', 'alimentair', 'banqu'" in said[-1]


def schemas(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT nspname FROM pg_namespace")}


def test_against_a_refused_port_each_failure_is_one_line_and_the_exit_code_1(
    database_url: str, tmp_path: Path
) -> None:
    # As from a copy without the test code: a run against a server must not need it.
    (tmp_path / "bench").symlink_to(Path(bench.__file__).parent, target_is_directory=True)
    before = schemas(database_url)
    environ = {key: value for key, value in os.environ.items() if not key.startswith("GUICHET_")}
    environ |= {"GUICHET_DATABASE_URL": database_url,
                "GUICHET_OPENSEARCH_URL": f"http://127.0.0.1:{closed_port()}"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bench.opensearch_smoke"], cwd=tmp_path, env=environ,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    assert lines[0].startswith("FAIL first start"), lines
    assert lines[1].startswith("FAIL deleting guichet-bench_"), lines
    assert lines[2:] == ["a check failed"]
    assert schemas(database_url) == before, "its own schema dropped, no other touched"


def test_the_help_says_what_it_makes_in_postgresql_and_opensearch() -> None:
    done = subprocess.run([sys.executable, "-m", "bench.opensearch_smoke", "--help"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    said = " ".join(done.stdout.split())
    assert "GUICHET_DATABASE_URL set, a schema bench_<time>_<random> is made there" in said
    assert "no other schema is read or written" in said
    assert "guichet-bench_<time>_<random>-directory" in said


def test_a_benchmark_schema_that_exists_is_refused_not_taken_over(database_url: str) -> None:
    database = Database.from_url(database_url, "bench_taken")
    create(database)
    try:
        with pytest.raises(psycopg.errors.DuplicateSchema):
            create(database)  # dropped at the end of the run that made it, never by another
    finally:
        drop(database)


def test_the_readmes_override_file_publishes_the_stacks_opensearch_on_the_loopback() -> None:
    root = Path(bench.__file__).parents[1]
    command = "docker compose -f docker-compose.yml -f deploy/opensearch-published.yml up -d"
    assert command in (root / "README.md").read_text()
    stack = yaml.safe_load((root / "docker-compose.yml").read_text())
    override = yaml.safe_load((root / "deploy/opensearch-published.yml").read_text())
    assert set(override["services"]) <= set(stack["services"])
    assert override["services"]["opensearch"]["ports"] == ["127.0.0.1:9200:9200"]
    assert "ports" not in stack["services"]["opensearch"], "then the override is not needed"
