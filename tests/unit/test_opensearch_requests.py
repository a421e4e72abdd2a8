"""Every request the OpenSearch adapter sends, recorded on a fake cluster through each of its
paths, checked against the shapes of OpenSearch's REST API (`tests.support.opensearch_shapes`):
endpoint, method, query parameters, body keys, query DSL clauses and the fields they name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.demo import load_demo
from infra.search.opensearch import OpenSearchIndex
from infra.search.opensearch_bootstrap import index_body
from infra.territories import load_reference
from projections.search_query import Cursor, Point, SearchQuery
from tests.support.fake_opensearch import FakeCluster, Index
from tests.support.opensearch_process import rename, start
from tests.support.opensearch_shapes import (
    ADAPTER,
    Schema,
    endpoint_of,
    problems_of,
    recorded_problems,
)

SCHEMA = Schema.of(index_body())
NEAR = Point(45.5017, -73.5673)
AFTER = Cursor(3, 1.5, 0.0, uuid.UUID(int=7))
QUERIES = [
    SearchQuery(),
    SearchQuery(text="aide alimentaire", first=5),
    SearchQuery(text="food bank", text_categories=("BD-1800",), facets=False),
    SearchQuery(text="aide", near=NEAR, categories=("BD",), languages=("fr", "en"),
                territories=("CA-QC",), open_at=datetime(2026, 3, 2, 15, tzinfo=UTC),
                include_inactive=True),
    SearchQuery(text="aide", near=NEAR, after=AFTER),
    SearchQuery(near=NEAR, after=Cursor(0, 2.5, 0.0, uuid.UUID(int=9))),
    SearchQuery(text="aide", after=AFTER),
]  # fmt: skip
NOTHING_FOUND = {
    "took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "failed": 0},
    "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []},
}  # fmt: skip


async def tour(container: Container, cluster: FakeCluster) -> None:
    """Each path of the adapter: first start, live pages, a rebuild, a volume reset with a
    concrete index named like the write alias, searches of every shape, spelling, prefixes."""
    load_reference(container.operations, container.clock)
    load_demo(container.directory_handler, container.clock.now())
    process = start(container, cluster)
    process.runner.bring_up_to_date()
    rename(container)
    process.runner.bring_up_to_date()
    process.runner.rebuild()
    cluster.indices.clear()
    cluster.indices[process.names.write] = Index({}, {})
    process.runner.bring_up_to_date()
    index = OpenSearchIndex(cluster.async_client(), process.names, container.search_view,
                            container.taxonomy.matching)  # fmt: skip
    for query in QUERIES:
        await index.search(query)
    cluster.fail(200, lambda r: r.path.endswith("/_search"), body=NOTHING_FOUND)
    await index.search(SearchQuery(text="alimentaires"))  # nothing found: a respelling
    await index.autocomplete("aide a", 10)
    await index.close()


async def test_every_request_the_adapter_sends_has_a_shape_in_opensearchs_api(
    container: Container,
) -> None:
    cluster = FakeCluster()
    await tour(container, cluster)
    assert len(cluster.requests) > 40
    assert recorded_problems(cluster.requests) == []
    sent = {endpoint.name for r in cluster.requests if (endpoint := endpoint_of(r.method, r.path))}
    assert sent == ADAPTER, "each kind of request the adapter sends is exercised here"
    bulks = [r for r in cluster.requests if r.path == "/_bulk"]
    assert bulks
    assert all(r.params["require_alias"] == "true" for r in bulks)
    moves = [r for r in cluster.requests if r.path == "/_aliases" and "-write" in str(r.body)]
    assert moves
    assert all("is_write_index" in str(r.body) for r in moves)
    assert any("suggest" in (r.body or {}) for r in cluster.requests if r.path.endswith("_search"))


GOOD = {"query": {"bool": {"filter": [{"term": {"removed": False}}]}}, "size": 1}
MAPPED: dict[str, Any] = {"mappings": {"properties": {"a": {"type": "keyword"}}}}


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", "/_cat/indices", {}, None),
        ("POST", "/guichet-x-directory/_update_by_query", {}, {}),
        ("POST", "/_bulk", {"refresh": "now"}, [{"index": {"_index": "x"}}, {"doc_id": "a"}]),
        ("POST", "/_bulk", {"require_alias": "yes"}, [{"index": {"_index": "x"}}, {}]),
        ("POST", "/_bulk", {"consistency": "one"}, [{"index": {"_index": "x"}}, {}]),
        ("POST", "/_bulk", {}, []),
        ("POST", "/_bulk", {}, [{"index": {"_index": "x", "version_type": "force"}}, {}]),
        ("POST", "/_bulk", {}, [{"index": {"_index": "x"}}, {"not_mapped": 1}]),
        ("POST", "/x/_search", {}, {**GOOD, "rank": 1}),
        ("POST", "/x/_search", {}, {"query": {"bool": {"must": [{"dis_max": {"queries": [
            {"constant_score": {"filter": {"match_phrase_fuzzy": {"name_fr": "x"}}}}]}}]}}}),
        ("POST", "/x/_search", {}, {"query": {"term": {"not_mapped": 1}}}),
        ("POST", "/x/_search", {}, {"query": {"multi_match": {
            "query": "x", "fields": ["name_fr"], "type": "cross_fields", "fuzziness": 1}}}),
        ("POST", "/x/_search", {}, {"query": {"match": {"name_fr": {"query": "x",
                                                                    "operator": "xor"}}}}),
        ("POST", "/x/_search", {}, {"sort": [{"doc_id": "up"}]}),
        ("POST", "/x/_search", {}, {"sort": [{"doc_id": "asc"}], "search_after": [1, 2]}),
        ("POST", "/x/_search", {}, {"aggs": {"a": {"terms": {"field": "city", "top": 3}}}}),
        ("POST", "/x/_search", {}, {"suggest": {"s": {"text": "x", "term": {
            "field": "words", "max_edits": 3}}}}),
        ("POST", "/x/_search", {}, {"timeout": "2 seconds"}),
        ("POST", "/_aliases", {}, {"actions": [{"swap": {"index": "a", "alias": "b"}}]}),
        ("POST", "/_aliases", {}, {"actions": [{"add": {"index": "a"}}]}),
        ("POST", "/_aliases", {}, {"actions": [{"add": {"index": "a", "alias": "b",
                                                        "write": True}}]}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"filter": {"f": {"type": "stemmer",
                                                                          "language": "fr"}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"filter": {"f": {"type": "icu"}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"analyzer": {"a": {
            "tokenizer": "standard", "filter": ["undefined"]}}}}}),
        ("PUT", "/x-v1", {}, {"mappings": {"properties": {"a": {"type": "text",
                                                                "analyzer": "undefined"}}}}),
        ("PUT", "/x-v1", {}, {"mappings": {"properties": {"a": {"type": "string"}}}}),
        ("PUT", "/x-v1", {}, {**MAPPED, "template": {}}),
        ("PUT", "/X-v1", {}, MAPPED),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"filter": {"f": {
            "type": "snowball", "language": "Klingon"}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"filter": {"f": {
            "type": "stop", "stopwords": "french"}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"tokenizer": {"t": {
            "type": "path_hierarchy", "delimiter": " ", "levels": 2}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"tokenizer": {"t": {
            "type": "path_hierarchy", "delimiter": ", "}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"tokenizer": {"t": {
            "type": "path_hierarchy", "reverse": "yes"}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"char_filter": {"c": {
            "type": "mapping", "mappings": ["' -> \\u0020"]}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"char_filter": {"c": {
            "type": "mapping", "mappings": [" => x"]}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"char_filter": {"c": {
            "type": "mapping", "mappings": ["' => \\u02"]}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"char_filter": {"c": {
            "type": "pattern_replace", "replacement": " "}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"analyzer": {"a": {
            "tokenizer": "standard", "char_filter": ["mapping"]}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"analysis": {"normalizer": {"n": {
            "tokenizer": "standard", "filter": ["lowercase"]}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"similarity": {"s": {"type": "scripted"}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"similarity": {"s": {"type": "scripted",
                                                                "script": "return 1;"}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"index": {"similarity": {"s": {
            "type": "scripted", "script": {"source": "1", "lang": "python"}}}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"similarity": {"s": {"type": "classic"}}}}),
        ("PUT", "/x-v1", {}, {"settings": {"similarity": {"BM25": {"type": "BM25"}}}}),
        ("PUT", "/x-v1", {}, {"mappings": {"properties": {"a": {"type": "text",
                                                                "similarity": "guichet_rank"}}}}),
        ("PUT", "/x-v1", {}, {"mappings": {"properties": {"a": {"type": "text",
                                                                "index_options": "all"}}}}),
        ("PUT", "/x-v1", {}, {"mappings": {"properties": {"a": {"type": "text",
                                                                "norms": "no"}}}}),
        ("POST", "/x/_search", {}, {"query": {"multi_match": {
            "query": "x", "fields": ["name_fr"], "type": "cross_fields", "analyzer": "french2"}}}),
        ("POST", "/x/_search", {}, {"query": {"multi_match": {
            "query": "x", "fields": ["name_fr"], "zero_terms_query": "some"}}}),
        ("POST", "/x/_search", {}, {"query": {"script_score": {"query": {"match_all": {}}}}}),
        ("POST", "/x/_search", {}, {"query": {"script_score": {"query": {"match_all": {}},
                                                              "script": {"code": "1"}}}}),
        ("POST", "/x/_search", {}, {"sort": [{"_script": {"order": "asc",
                                                          "script": {"source": "1"}}}]}),
        ("POST", "/x/_search", {}, {"sort": [{"_script": {"type": "number"}}]}),
        ("POST", "/x/_search", {}, {"suggest": {"s": {"text": "x", "term": {
            "field": "words", "accuracy": 1.5}}}}),
        ("POST", "/x/_search", {}, {"suggest": {"s": {"text": "x", "term": {
            "field": "words", "string_distance": "hamming"}}}}),
        ("POST", "/x/_search", {}, {"suggest": {"s": {"text": "x", "term": {
            "field": "words", "lowercase_terms": True}}}}),
        ("POST", "/x/_search", {}, {"suggest": {"s": {"text": "x", "term": {
            "field": "words", "min_word_length": 0}}}}),
        ("POST", "/x/_search", {}, {"suggest": {"s": {"text": "x", "term": {
            "field": "words", "max_term_freq": 2.5}}}}),
        ("POST", "/x/_search", {}, {"suggest": {"s": {"term": {"field": "words"}}}}),
        ("HEAD", "/", {}, {"query": {}}),
        ("POST", "/x/_analyze", {}, {"analyzer": "undefined", "text": "x"}),
    ],
)  # fmt: skip
def test_the_table_refuses_what_opensearchs_api_has_not(
    method: str, path: str, params: dict[str, str], body: Any
) -> None:
    assert problems_of(method, path, params, body, SCHEMA) != []


def test_the_table_accepts_a_well_formed_request() -> None:
    assert problems_of("POST", "/x/_search", {}, GOOD, SCHEMA) == []
    assert problems_of("PUT", "/x-v1", {}, index_body(), SCHEMA) == []
