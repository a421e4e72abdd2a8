"""Every OpenSearch failure is `SEARCH_UNAVAILABLE` for a search, and a wait or an operator's
error for the projection, never an unexpected error nor a view stopped at a fact; on a fake
cluster answering with OpenSearch's documented errors."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from domain.directory import Organization
from domain.values import LocalizedText
from infra.bootstrap import Container
from infra.demo import load_demo
from infra.failures import ServiceUnavailable
from infra.search.opensearch import BulkRefused, OpenSearchIndex
from infra.search.opensearch_errors import SearchEngineRefused
from infra.territories import load_reference
from projections.search_query import SearchQuery, SearchTimeout, SearchUnavailable
from tests.support.fake_opensearch import (
    ALL_SHARDS_FAILED,
    CLUSTER_BLOCK,
    FakeCluster,
    Request,
    error,
)
from tests.support.opensearch_process import Process, rename, start

Fault = Callable[[FakeCluster], None]


def searches(request: Request) -> bool:
    return request.path.endswith("/_search")


def bulks(request: Request) -> bool:
    return request.path == "/_bulk"


def down(cluster: FakeCluster) -> None:
    cluster.down = True


def gone(cluster: FakeCluster) -> None:
    cluster.indices.clear()  # a volume reset, or the index deleted by hand: 404


def status(code: int, body: tuple[int, dict[str, Any]] | None = None) -> Fault:
    return lambda cluster: cluster.fail(code, searches, times=9, body=body[1] if body else None)


def partial(cluster: FakeCluster) -> None:
    shards = {"total": 2, "successful": 1, "failed": 1, "skipped": 0, "failures": []}
    hits = {"total": {"value": 0, "relation": "eq"}, "hits": []}
    cluster.fail(200, searches, times=9, body={"_shards": shards, "hits": hits})


UNAVAILABLE: dict[str, Fault] = {
    "connection refused": down,
    "index not found (404)": gone,
    "all shards failed (503)": status(503, ALL_SHARDS_FAILED),
    "cluster block (429)": status(429, CLUSTER_BLOCK),
    "too many requests (429)": status(429, error(429, "rejected_execution_exception", "full")),
    "internal error (500)": status(500),
    "bad gateway (502)": status(502),
    "gateway timeout (504)": status(504),
    "some shards failed (200)": partial,
}


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def process(container: Container, cluster: FakeCluster) -> Process:
    load_reference(container.operations, container.clock)
    load_demo(container.directory_handler, container.clock.now())
    process = start(container, cluster)
    process.runner.bring_up_to_date()
    return process


def index_of(container: Container, cluster: FakeCluster, process: Process) -> OpenSearchIndex:
    return OpenSearchIndex(cluster.async_client(), process.names, container.search_view)


@pytest.mark.parametrize("fault", UNAVAILABLE)
async def test_a_search_meeting_an_opensearch_failure_is_search_unavailable(
    container: Container, cluster: FakeCluster, process: Process, fault: str
) -> None:
    index = index_of(container, cluster, process)
    found = await index.search(SearchQuery(text="aide", first=5))
    assert found.total > 0
    UNAVAILABLE[fault](cluster)
    with pytest.raises(SearchUnavailable) as raised:
        await index.search(SearchQuery(text="aide", first=5))
    assert raised.value.code == "SEARCH_UNAVAILABLE"
    with pytest.raises(SearchUnavailable):
        await index.autocomplete("aide", 5)
    await index.close()


async def test_a_search_opensearch_does_not_answer_in_time_is_search_timeout(
    container: Container, cluster: FakeCluster, process: Process
) -> None:
    index = index_of(container, cluster, process)
    cluster.fail("timeout", searches)
    with pytest.raises(SearchTimeout) as raised:
        await index.search(SearchQuery(text="aide"))
    assert raised.value.code == "SEARCH_TIMEOUT"
    await index.close()


# Refusals that stay until someone acts: expired or rotated credentials, a request too large for
# the cluster's `http.max_content_length`, a request of ours OpenSearch cannot parse.
REFUSED: dict[str, tuple[int, dict[str, Any]]] = {
    "credentials refused (401)": error(401, "security_exception", "missing authentication"),
    "forbidden (403)": error(403, "security_exception", "no permissions for [indices:data/read]"),
    "too large (413)": error(413, "content_too_long_exception", "request too large"),
    "our request (400)": error(400, "parsing_exception", "unknown query [x]"),
}


@pytest.mark.parametrize("refusal", REFUSED)
async def test_a_search_opensearch_refuses_is_search_unavailable_and_logged_once_for_the_operator(
    container: Container, cluster: FakeCluster, process: Process, refusal: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    code, body = REFUSED[refusal]
    index = index_of(container, cluster, process)
    for call in (index.search(SearchQuery(text="aide")), index.autocomplete("aide", 5)):
        cluster.fail(code, searches, times=9, body=body)
        caplog.clear()
        with (
            caplog.at_level(logging.INFO, "infra.search"),
            pytest.raises(SearchUnavailable) as raised,
        ):
            await call
        cluster.faults.clear()
        assert raised.value.code == "SEARCH_UNAVAILABLE"
        assert "retry later" in str(raised.value)
        assert str(code) not in str(raised.value), "the details are the operator's"
        [record] = [r for r in caplog.records if r.name.startswith("infra.search")]
        assert record.levelno == logging.ERROR
        assert f"{code} {body['error']['type']}" in record.getMessage()
    await index.close()


async def test_a_passing_failure_is_logged_once_as_a_warning(
    container: Container, cluster: FakeCluster, process: Process,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    index = index_of(container, cluster, process)
    UNAVAILABLE["all shards failed (503)"](cluster)
    with caplog.at_level(logging.INFO, "infra.search"), pytest.raises(SearchUnavailable):
        await index.search(SearchQuery(text="zzzzzz introuvable"))  # would respell: 2 requests
    [record] = [r for r in caplog.records if r.name.startswith("infra.search")]
    assert record.levelno == logging.WARNING
    assert "503 search_phase_execution_exception" in record.getMessage()
    await index.close()


SEARCH = """query { searchServices(text: "aide") {
  __typename ... on SearchConnection { totalCount } ... on SearchUnavailableError { code message } }
  autocomplete(prefix: "aide") { name { fr } }
  territories(first: 1) { ... on TerritoryList { totalCount } } }"""


@pytest.mark.parametrize("fault", ["index not found (404)", "all shards failed (503)",
                                   "cluster block (429)", *REFUSED])  # fmt: skip
async def test_graphql_answers_search_unavailable_and_keeps_the_other_fields(
    container: Container, cluster: FakeCluster, process: Process, fault: str
) -> None:
    container.search = index_of(container, cluster, process)
    if fault in REFUSED:
        code, body = REFUSED[fault]
        cluster.fail(code, searches, times=9, body=body)
    else:
        UNAVAILABLE[fault](cluster)
    async with (
        LifespanManager(create_app(container, run_projections=False)) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://guichet.test"
        ) as http,
    ):
        answer = (await http.post("/graphql", json={"query": SEARCH})).json()
    assert "errors" not in answer, answer
    found = answer["data"]["searchServices"]
    assert (found["__typename"], found["code"]) == ("SearchUnavailableError", "SEARCH_UNAVAILABLE")
    assert "retry later" in found["message"]
    assert answer["data"]["autocomplete"] == []
    assert isinstance(answer["data"]["territories"]["totalCount"], int)


def item_error(code: int, kind: str) -> Fault:
    def fail(cluster: FakeCluster) -> None:
        item = {"index": {"_index": "x", "_id": "y", "status": code,
                          "error": {"type": kind, "reason": "injected"}}}  # fmt: skip
        cluster.fail(200, bulks, body={"took": 1, "errors": True, "items": [item]})

    return fail


WAITS: dict[str, Fault] = {
    "connection refused": down,
    "cluster block (429)": lambda c: c.fail(429, bulks, body=CLUSTER_BLOCK[1]),
    "unavailable (503)": lambda c: c.fail(503, bulks),
    "an item rejected (429)": item_error(429, "es_rejected_execution_exception"),
    "an item unavailable (503)": item_error(503, "unavailable_shards_exception"),
}


@pytest.mark.parametrize("fault", WAITS)
def test_the_projection_waits_out_an_outage_and_then_applies_the_page(
    container: Container, cluster: FakeCluster, process: Process, fault: str
) -> None:
    rename(container)
    WAITS[fault](cluster)
    before = process.view.position()
    with pytest.raises(ServiceUnavailable, match="OpenSearch"):
        process.runner.catch_up()
    assert process.view.position() == before
    cluster.down = False
    process.runner.catch_up()
    assert process.view.position() == container.head()


def test_documents_opensearch_refuses_stop_the_projection_at_the_fact(
    container: Container, cluster: FakeCluster, process: Process
) -> None:
    rename(container)
    item_error(400, "strict_dynamic_mapping_exception")(cluster)
    with pytest.raises(BulkRefused):
        process.runner.catch_up()


def test_an_index_opensearch_refuses_to_make_is_an_operators_error(
    container: Container, cluster: FakeCluster
) -> None:
    refusal = error(400, "illegal_argument_exception", "unknown filter type")[1]
    cluster.fail(400, lambda r: r.method == "PUT" and not r.path.startswith("/_"), body=refusal)
    with pytest.raises(SearchEngineRefused, match="unknown filter type"):
        start(container, cluster).runner.bring_up_to_date()


def test_a_page_without_documents_sends_nothing(
    container: Container, cluster: FakeCluster, process: Process
) -> None:
    organization = Organization.register(
        uuid.uuid4(), LocalizedText("Sans services", "No services"), LocalizedText("", ""),
        None, actor="edith", at=datetime(2026, 1, 15, tzinfo=UTC),
    )  # fmt: skip
    container.operations.save(organization)
    sent = len(cluster.requests)
    process.runner.catch_up()
    assert process.view.position() == container.head()
    assert cluster.requests[sent:] == []
