"""The operator's smoke script, run on the fake cluster: its checks and its verdicts."""

from __future__ import annotations

from bench.opensearch_smoke import Engine, run
from infra.bootstrap import Container
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
