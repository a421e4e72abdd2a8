"""Indices and aliases of the OpenSearch search projection through starts, races, crashes and
a volume reset, on a fake cluster (no OpenSearch server runs here) and the real database."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import pytest
from psycopg import sql

from infra.bootstrap import Container
from infra.demo import load_demo
from infra.failures import ServiceUnavailable
from infra.territories import load_reference
from tests.support.fake_opensearch import Crash, FakeCluster, Request
from tests.support.opensearch_process import Process, live_documents, rename, start


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def built(container: Container, cluster: FakeCluster) -> tuple[Process, int]:
    """The demo directory, indexed by a first process; and how many documents searches see."""
    load_reference(container.operations, container.clock)
    load_demo(container.directory_handler, container.clock.now())
    forget_postgresql_search(container)
    first = start(container, cluster)
    first.runner.bring_up_to_date()
    names = first.names
    assert cluster.holding(names.alias) == cluster.holding(names.write)
    return first, live_documents(cluster, names.alias)


def forget_postgresql_search(container: Container) -> None:
    """A deployment that always searched on OpenSearch: no tables of the other adapter."""
    container.views["search"].drop()
    with container.datastore.transaction(commit=True) as curs:
        curs.execute(
            sql.SQL("DELETE FROM {} WHERE name = 'search'").format(
                container.views["search"].table("guichet_views")
            )
        )


def settled(cluster: FakeCluster, process: Process, documents: int) -> None:
    """One index, read and written, marked as the write index, holding every document."""
    names = process.names
    [index] = cluster.holding(names.write)
    assert cluster.write_index(names.write) == index
    assert cluster.holding(names.alias) == [index]
    assert live_documents(cluster, names.alias) == documents
    assert sorted(cluster.indices) == [index], "the other indices are deleted"


def index_creation(request: Request) -> bool:
    return request.method == "PUT" and not request.path.startswith("/_")


def test_the_first_start_makes_one_index_with_both_aliases(
    built: tuple[Process, int], cluster: FakeCluster
) -> None:
    first, documents = built
    assert documents > 0
    settled(cluster, first, documents)


def test_two_processes_starting_together_after_a_killed_rebuild_make_one_write_index(
    container: Container, cluster: FakeCluster, built: tuple[Process, int]
) -> None:
    """Each process makes the view at start, then brings it up to date or waits for the one
    that does. Both are held at the creation of an index until the other gets there too: only
    one may get there."""
    first, documents = built
    first.view.drop()  # a rebuild killed after its first step
    together = threading.Barrier(2, timeout=2.0)

    def wait_for_the_other(request: Request) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):  # the other never came
            together.wait()

    cluster.before(index_creation, wait_for_the_other)
    cluster.before(index_creation, wait_for_the_other)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            start(container, cluster).runner.bring_up_to_date(timeout=30)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    settled(cluster, first, documents)


def nth_bulk(n: int) -> Callable[[Request], bool]:
    seen = 0

    def when(request: Request) -> bool:
        nonlocal seen
        seen += request.path == "/_bulk"
        return request.path == "/_bulk" and seen == n

    return when


# Requests a rebuild sends, in order; it is killed just before the one named.
STEPS: dict[str, Callable[[Request], bool]] = {
    "making the new index": index_creation,
    "moving the write alias": lambda r: r.path == "/_aliases" and "add" in str(r.body),
    "the first page": lambda r: r.path == "/_bulk",
    "a later page": nth_bulk(3),
    "the refresh before the swap": lambda r: r.path.endswith("/_refresh"),
    "the swap of the read alias": lambda r: r.path == "/_aliases" and "-write" not in str(r.body),
    "deleting the old index": lambda r: r.method == "DELETE",
}  # fmt: skip


@pytest.mark.parametrize("step", ["after dropping the tables", *STEPS])
def test_a_rebuild_killed_at_any_step_leaves_searches_on_a_complete_index(
    container: Container, cluster: FakeCluster, built: tuple[Process, int], step: str
) -> None:
    first, documents = built
    killed = start(container, cluster, page_size=100)
    if step in STEPS:

        def kill(request: Request) -> None:
            raise Crash(step)

        cluster.before(STEPS[step], kill)
        with pytest.raises(Crash):
            killed.runner.rebuild()
    else:
        killed.view.drop()
    assert live_documents(cluster, first.names.alias) == documents
    start(container, cluster).runner.bring_up_to_date()
    settled(cluster, first, documents)


def test_with_the_write_alias_gone_the_next_start_replays_into_a_new_index(
    container: Container, cluster: FakeCluster, built: tuple[Process, int]
) -> None:
    """A volume reset: no index, no alias, and the tracking position at the head of the log.
    Never a concrete index named like the alias."""
    first, documents = built
    cluster.indices.clear()
    rename(container)
    start(container, cluster).runner.bring_up_to_date()
    settled(cluster, first, documents)


def test_a_running_projection_that_loses_its_write_alias_waits_and_makes_a_new_index(
    container: Container, cluster: FakeCluster, built: tuple[Process, int]
) -> None:
    first, documents = built
    cluster.indices.clear()
    rename(container)
    with pytest.raises(ServiceUnavailable, match="replays the log"):
        first.runner.catch_up()
    bulks = [r for r in cluster.requests if r.path == "/_bulk"]
    assert bulks[-1].params["require_alias"] == "true"
    assert cluster.indices == {}, "no index made by a write"
    first.runner.bring_up_to_date()
    settled(cluster, first, documents)


def test_a_concrete_index_named_like_the_write_alias_is_replaced(
    container: Container, cluster: FakeCluster, built: tuple[Process, int]
) -> None:
    """Left by a write without `require_alias` after a volume reset."""
    first, documents = built
    cluster.indices.clear()
    client = cluster.client()
    client.bulk(body=[{"index": {"_index": first.names.write, "_id": "x"}}, {"doc_id": "x"}])
    assert first.names.write in cluster.indices
    start(container, cluster).runner.bring_up_to_date()
    settled(cluster, first, documents)


def test_the_runner_makes_the_index_as_soon_as_opensearch_answers_without_new_events(
    container: Container, cluster: FakeCluster
) -> None:
    cluster.down = True
    forget_postgresql_search(container)
    process = start(container, cluster)
    process.runner.start()
    try:
        time.sleep(0.5)
        assert cluster.indices == {}
        cluster.down = False
        deadline = time.monotonic() + 20
        while not cluster.holding(process.names.alias) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cluster.holding(process.names.alias) == cluster.holding(process.names.write)
        assert len(cluster.holding(process.names.alias)) == 1
    finally:
        process.runner.stop()


def test_a_changed_mapping_is_another_definition(container: Container) -> None:
    from infra.search import opensearch_index

    view = start(container, FakeCluster()).view
    before = view.definition()
    original = dict(opensearch_index.MAPPINGS["properties"])
    try:
        opensearch_index.MAPPINGS["properties"]["extra"] = {"type": "keyword"}
        assert view.definition() != before
    finally:
        opensearch_index.MAPPINGS["properties"] = original
    assert view.definition() == before


def test_a_changed_mapping_is_rebuilt_into_a_new_index_searches_move_to(
    container: Container, cluster: FakeCluster, built: tuple[Process, int]
) -> None:
    from infra.search import opensearch_index

    first, documents = built
    [old] = cluster.holding(first.names.alias)
    properties = opensearch_index.MAPPINGS["properties"]
    properties["extra"] = {"type": "keyword"}
    try:
        start(container, cluster).runner.bring_up_to_date()  # a new version starting
    finally:
        del properties["extra"]
    settled(cluster, first, documents)
    [new] = cluster.holding(first.names.alias)
    assert new != old
    assert "extra" in cluster.indices[new].mappings["properties"]


def test_switching_from_postgresql_replays_the_log_into_a_new_index(
    container: Container, cluster: FakeCluster
) -> None:
    """The PostgreSQL adapter's tables are at the head of the log; an empty index must not
    be taken as up to date."""
    load_reference(container.operations, container.clock)
    load_demo(container.directory_handler, container.clock.now())
    container.runners["search"].bring_up_to_date()
    assert container.views["search"].position() == container.head()
    process = start(container, cluster)
    process.runner.bring_up_to_date()
    documents = live_documents(cluster, process.names.alias)
    assert documents > 0
    settled(cluster, process, documents)
