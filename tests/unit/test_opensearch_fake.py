"""The fake cluster answers as OpenSearch documents it, through opensearch-py's own client and
exceptions: the behaviours the bootstrap, crash and failure tests rely on."""

from __future__ import annotations

import pytest
from opensearchpy import NotFoundError, OpenSearch, RequestError, TransportError
from opensearchpy.exceptions import ConnectionError as Unreachable

from infra.search.opensearch_bootstrap import index_body
from tests.support.fake_opensearch import CLUSTER_BLOCK, FakeCluster

WRITE = "d-write"


def document(index: str, id: str, version: int) -> list[dict[str, object]]:
    action = {"_index": index, "_id": id, "version": version, "version_type": "external"}
    return [{"index": action}, {"doc_id": id}]


def test_an_alias_over_two_indices_without_a_write_index_refuses_every_write() -> None:
    """The state two processes creating an index each with the alias left behind."""
    cluster = FakeCluster()
    client = cluster.client()
    for index in ("d-v1", "d-v2"):
        client.indices.create(index=index, body={"aliases": {WRITE: {}}})
    answer = client.bulk(body=document(WRITE, "a", 1))
    assert answer["errors"]
    item = answer["items"][0]["index"]
    assert item["status"] == 400
    assert item["error"]["type"] == "illegal_argument_exception"
    assert "no write index is defined for alias" in item["error"]["reason"]


def test_two_write_indices_for_one_alias_are_refused() -> None:
    cluster = FakeCluster()
    client = cluster.client()
    for index in ("d-v1", "d-v2"):
        client.indices.create(index=index)
    add = {"add": {"index": "d-v1", "alias": WRITE, "is_write_index": True}}
    client.indices.update_aliases(body={"actions": [add]})
    again = {"add": {"index": "d-v2", "alias": WRITE, "is_write_index": True}}
    with pytest.raises(RequestError, match="illegal_state_exception"):
        client.indices.update_aliases(body={"actions": [again]})
    assert cluster.write_index(WRITE) == "d-v1"


def test_external_versions_make_a_page_applied_twice_a_conflict() -> None:
    client = FakeCluster().client()
    client.indices.create(index="d-v1", body={"aliases": {WRITE: {}}})
    first = client.bulk(body=document(WRITE, "a", 5), params={"require_alias": "true"})
    again = client.bulk(body=document(WRITE, "a", 5), params={"require_alias": "true"})
    assert first["items"][0]["index"]["status"] == 201
    assert again["items"][0]["index"]["status"] == 409
    assert again["items"][0]["index"]["error"]["type"] == "version_conflict_engine_exception"


def test_without_require_alias_a_write_makes_an_index_named_like_the_alias() -> None:
    cluster = FakeCluster()
    client = cluster.client()
    refused = client.bulk(body=document(WRITE, "a", 1), params={"require_alias": "true"})
    assert refused["items"][0]["index"]["status"] == 404
    assert cluster.indices == {}
    client.bulk(body=document(WRITE, "a", 1))
    assert WRITE in cluster.indices
    with pytest.raises(RequestError, match="invalid_alias_name_exception"):
        client.indices.update_aliases(body={"actions": [{"add": {"index": WRITE, "alias": WRITE}}]})


def test_alias_actions_apply_together_or_not_at_all() -> None:
    cluster = FakeCluster()
    client = cluster.client()
    client.indices.create(index="d-v1", body={"aliases": {"d": {}}})
    client.indices.create(index="d-v2")
    swap = [{"remove": {"index": "d-v1", "alias": "d"}}, {"add": {"index": "d-v2", "alias": "d"}},
            {"remove": {"index": "d-v2", "alias": "missing"}}]  # fmt: skip
    with pytest.raises(NotFoundError, match="aliases_not_found_exception"):
        client.indices.update_aliases(body={"actions": swap})
    assert cluster.holding("d") == ["d-v1"]
    client.indices.update_aliases(body={"actions": swap[:2]})
    assert cluster.holding("d") == ["d-v2"]


def test_failures_are_opensearch_pys_own_exceptions() -> None:
    cluster = FakeCluster()
    client = cluster.client()
    with pytest.raises(NotFoundError, match="index_not_found_exception"):
        client.search(index="d", body={})
    client.indices.create(index="d-v1")
    cluster.fail(429, body=CLUSTER_BLOCK[1])
    with pytest.raises(TransportError) as raised:
        client.search(index="d-v1", body={})
    assert raised.value.status_code == 429
    assert raised.value.error == "cluster_block_exception"
    cluster.down = True
    with pytest.raises(Unreachable):
        client.search(index="d-v1", body={})
    assert [r.path for r in cluster.requests][-2:] == ["/d-v1/_search"] * 2


def analysed(client: OpenSearch, analyzer: str, text: str) -> list[str]:
    answer = client.indices.analyze(index="d-v1", body={"analyzer": analyzer, "text": text})
    return [token["token"] for token in answer["tokens"]]


def test_analyze_runs_the_index_s_own_analysers_as_their_components_document() -> None:
    cluster = FakeCluster()
    client = cluster.client()
    client.indices.create(index="d-v1", body=index_body())
    french = "L\u2019aide alimentaire des banques d'Île-de-Montréal"
    assert analysed(client, "guichet_french", french) == [
        "aid", "alimentair", "banqu", "ile", "montreal",
    ]  # fmt: skip
    assert analysed(client, "guichet_english", "Children's food banks") == [
        "children", "food", "bank",
    ]  # fmt: skip
    # path_hierarchy, reversed, on spaces: the name from each word on.
    assert analysed(client, "guichet_name_starts", "Aide à domicile") == [
        "aide a domicile", "a domicile", "domicile",
    ]  # fmt: skip
    assert analysed(client, "guichet_words", "Halte-garderie_2e") == ["halte", "garderie", "2e"]


def test_analyze_refuses_what_the_index_does_not_define() -> None:
    cluster = FakeCluster()
    client = cluster.client()
    client.indices.create(index="d-v1", body=index_body())
    with pytest.raises(RequestError):
        analysed(client, "guichet_klingon", "x")
