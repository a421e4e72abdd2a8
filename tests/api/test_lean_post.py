"""The lean POST path answers as strawberry's view does: every document of a corpus (valid,
invalid, over the limits, wrong variables, mutations, refusals, masked failures, bodies the
view alone reads) is sent to both, on the same app, and the answers must be the same, byte for
byte, with the same headers that matter and the same counters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from starlette.applications import Starlette
from starlette.routing import Route

from api.app import create_app
from api.http import GraphQLEndpoint
from api.schema import GuichetSchema
from infra.bootstrap import Container
from infra.persisted import digest
from tests.api.test_organizations import CENTRE, ORGANIZATION, REGISTER

HEADERS = ("content-type", "content-length", "www-authenticate", "retry-after", "allow")
MISSING = "7d1b1c70-0000-4000-8000-000000000000"
VIEWER = "query Viewer { viewer { name role } }"
DEEP = '{ organization(id: "x") { ... on Organization { name { fr } } } }'
LOG = "query ($first: Int!) { auditLog(first: $first) { ... on AuditPage { nodes { position actor } } } }"  # noqa: E501

# (body, token, what else the request carries): JSON bodies unless `content` is given.
Case = tuple[Any, str | None, dict[str, Any]]
CORPUS: list[Case] = [
    ({"query": VIEWER}, None, {}),
    ({"query": VIEWER}, "admin-token", {}),
    ({"query": VIEWER, "operationName": "Viewer"}, "editor-token", {}),
    ({"query": VIEWER, "operationName": "Other"}, None, {}),
    ({"query": VIEWER, "operationName": ""}, None, {}),
    ({"query": "query A { viewer { role } } query B { viewer { name } }"}, None, {}),
    (
        {"query": "query A { viewer { role } } query B { viewer { name } }", "operationName": "B"},
        None,
        {},
    ),
    ({"query": "{ viewer { role } } query B { viewer { name } }"}, None, {}),
    ({"query": "fragment F on Query { viewer { role } }"}, None, {}),
    ({"query": "{ viewer { role } ...F } fragment F on Query { viewer { name } }"}, None, {}),
    ({"query": "mutation { registerOrganization(input: {name: "}, "admin-token", {}),
    ({"query": "{ viewer { role } deleteEverything }"}, None, {}),
    ({"query": "{ viewer { role nope } }"}, "admin-token", {}),
    ({"query": DEEP}, None, {}),
    ({"query": '{ service(id: "x") { ... on Service { locations { name { fr } } } } }'}, None, {}),
    (
        {
            "query": "{ a: viewer { role } b: viewer { role } c: viewer { role } "
            "d: viewer { role } }"
        },
        None,
        {},
    ),
    ({"query": "{ viewer { " + "role " * 300 + "} }"}, None, {}),
    ({"query": LOG, "variables": {"first": 30}}, "auditor-token", {}),
    ({"query": LOG, "variables": {"first": 2}}, "auditor-token", {}),
    ({"query": LOG, "variables": {"first": 2.5}}, "auditor-token", {}),
    ({"query": LOG, "variables": {"first": 2}}, "counsellor-token", {}),
    ({"query": LOG, "variables": {"first": "many"}}, "auditor-token", {}),
    ({"query": LOG, "variables": {}}, "auditor-token", {}),
    ({"query": LOG, "variables": {"first": 2}}, None, {}),
    ({"query": ORGANIZATION, "variables": {"id": MISSING}}, None, {}),
    ({"query": ORGANIZATION, "variables": {"id": "not an id"}}, None, {}),
    ({"query": ORGANIZATION, "variables": {"id": ["x"]}}, None, {}),
    (
        {"query": REGISTER, "variables": {"input": {**CENTRE, "website": "nope"}}},
        "editor-token",
        {},
    ),
    ({"query": REGISTER, "variables": {"input": CENTRE}}, None, {}),
    ({"query": REGISTER, "variables": {"input": {"name": 3}}}, "editor-token", {}),
    (
        {"query": 'mutation { registerOrganization(input: {name: {fr: "X"}}) { __typename } }'},
        "editor-token",
        {},
    ),
    ({"query": "subscription { statisticsChanged { __typename } }"}, "analyst-token", {}),
    (
        {
            "query": 'subscription { statisticsChanged(from: "2026-01-01", to: "2026-02-01") '
            "{ __typename } }"
        },
        "analyst-token",
        {},
    ),
    ({"query": "{ __schema { types { fields { type { name } } } } }"}, None, {}),
    ({"query": "{ __schema { queryType { name } } }"}, None, {}),
    (
        {"query": "{ __typename }"},
        None,
        {"headers": {"Accept": "application/graphql-response+json"}},
    ),
    ({"query": "{ __typename }"}, None, {"headers": {"Accept": "text/html, application/json"}}),
    ({"query": ""}, None, {}),
    ({"query": None}, None, {}),
    ({}, None, {}),
    ({"query": 3}, None, {}),
    ({"query": VIEWER, "variables": [1]}, None, {}),
    ({"query": VIEWER, "extensions": "x"}, None, {}),
    ({"query": VIEWER, "operationName": 7}, None, {}),
    ([{"query": VIEWER}], None, {}),
    ({"query": VIEWER, "extensions": {"persistedQuery": {"sha256Hash": 5}}}, None, {}),
    ({"query": VIEWER, "extensions": {"persistedQuery": {"sha256Hash": "00"}}}, None, {}),
    ({"extensions": {"persistedQuery": {"sha256Hash": digest(VIEWER)}}}, None, {}),
    (
        {
            "query": "{ __typename }",
            "extensions": {"persistedQuery": {"sha256Hash": digest(VIEWER)}},
        },
        None,
        {},
    ),
    (None, None, {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
    (
        None,
        None,
        {
            "content": b'{"query": "{ __typename }"}',
            "headers": {"Content-Type": "Application/JSON; Charset=UTF-8"},
        },
    ),
    (
        None,
        None,
        {"content": b'{"query": "{ __typename }"}', "headers": {"Content-Type": "text/plain"}},
    ),
    (None, None, {"content": b'{"query": "{ __typename }"}', "headers": {}}),
    ({"query": VIEWER}, "stolen-or-typo", {}),
    ({"query": VIEWER}, None, {"headers": {"Authorization": "Basic abc"}}),
    ({"query": VIEWER, "variables": {"pad": "x" * 3000}}, None, {}),
]


def endpoint_of(app: Starlette) -> GraphQLEndpoint:
    for route in app.routes:
        if isinstance(route, Route) and isinstance(route.endpoint, GraphQLEndpoint):
            return route.endpoint
    raise AssertionError("no GraphQL endpoint")


@pytest.fixture
async def limited(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> tuple[Container, Starlette]:
    container = make_container({
        **environ, "GUICHET_MAX_QUERY_DEPTH": "2", "GUICHET_MAX_ALIASES": "3",
        "GUICHET_MAX_TOKENS": "200", "GUICHET_MAX_COST": "250", "GUICHET_RATE_LIMIT": "10000",
        "GUICHET_MAX_BODY_BYTES": "2000",
    })  # fmt: skip
    container.persisted.add(VIEWER, "ops", datetime.now(UTC))
    return container, create_app(container, run_projections=False)


Answer = httpx.Response | Exception


async def both(app: Starlette, case: Case) -> tuple[Answer, Answer]:
    body, token, request = case
    endpoint = endpoint_of(app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(request.get("headers", {}))
    sent = {"content": request["content"]} if "content" in request else {"json": body}
    answers: list[Answer] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        for lean in (endpoint.lean, None):
            kept, endpoint.lean = endpoint.lean, lean
            try:
                answers.append(await http.post("/graphql", headers=headers, **sent))
            except Exception as error:  # a failure must be the same one too
                answers.append(error)
            finally:
                endpoint.lean = kept
    return answers[0], answers[1]


def same(lean: Answer, view: Answer) -> None:
    # Neither path may fail after answering (the counters once did on a name not a string).
    assert not isinstance(lean, Exception), lean
    assert not isinstance(view, Exception), view
    assert lean.status_code == view.status_code, (lean.text, view.text)
    assert lean.content == view.content
    for name in HEADERS:
        assert lean.headers.get(name) == view.headers.get(name), name


def counted(container: Container) -> dict[tuple[str, ...], float]:
    metric = container.metrics.requests
    return {
        tuple(sample.labels.values()): sample.value
        for family in metric.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    }


@pytest.mark.parametrize("case", CORPUS, ids=[str(n) for n in range(len(CORPUS))])
async def test_both_paths_answer_alike(limited: tuple[Container, Starlette], case: Case) -> None:
    container, app = limited
    before = counted(container)
    lean, view = await both(app, case)
    same(lean, view)
    # Each request counted once by each path, under the same labels.
    grown = {labels: n - before.get(labels, 0.0) for labels, n in counted(container).items()}
    assert [n for n in grown.values() if n] == ([] if isinstance(lean, Exception) else [2.0])


async def test_a_mutation_runs_once_per_path(limited: tuple[Container, Starlette]) -> None:
    container, app = limited
    document = "mutation ($input: RegisterOrganizationInput!) { registerOrganization(input: $input) { __typename } }"  # noqa: E501
    lean, view = await both(app, ({"query": document, "variables": {"input": CENTRE}},
                                  "editor-token", {}))  # fmt: skip
    same(lean, view)
    assert isinstance(lean, httpx.Response)
    assert lean.json() == {"data": {"registerOrganization": {"__typename": "Receipt"}}}
    assert container.head() == 2


async def test_unexpected_errors_are_masked_alike(
    limited: tuple[Container, Starlette], caplog: pytest.LogCaptureFixture
) -> None:
    container, app = limited
    with psycopg.connect(container.database.conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {}.directory_organizations DROP COLUMN website").format(
                sql.Identifier(container.database.schema)
            )
        )
    with caplog.at_level(logging.ERROR, logger="guichet.api"):
        lean, view = await both(app, ({"query": ORGANIZATION, "variables": {"id": MISSING}},
                                      None, {}))  # fmt: skip
    same(lean, view)
    assert isinstance(lean, httpx.Response)
    assert lean.json()["errors"][0]["message"] == "Unexpected error."
    logged = [record for record in caplog.records if "website" in str(record.exc_info)]
    assert len(logged) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ __schema { queryType { name } } }"},
        {"query": VIEWER},
        {"extensions": {"persistedQuery": {"sha256Hash": digest(VIEWER)}}},
    ],
)
async def test_production_refusals_are_alike(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container], body: Any
) -> None:
    container = make_container(
        {**environ, "GUICHET_MODE": "production", "GUICHET_PUBLIC_PERSISTED_ONLY": "true"}
    )
    container.persisted.add(VIEWER, "ops", datetime.now(UTC))
    app = create_app(container, run_projections=False)
    for token in (None, "editor-token"):
        same(*await both(app, (body, token, {})))


async def test_a_document_nested_too_deeply_is_told_alike(container: Container) -> None:
    nested = "[" * 2000 + "1" + "]" * 2000
    app = create_app(container, run_projections=False)
    lean, view = await both(app, ({"query": f"{{ viewer(x: {nested}) {{ role }} }}"}, None, {}))
    same(lean, view)
    assert isinstance(lean, httpx.Response)
    assert lean.status_code == 400


def test_the_lean_path_does_what_each_extension_does(container: Container) -> None:
    """`api.post` does the work of these extensions, and knows of no other: a new extension
    (or a directive, or a schema setting the view reads) must be done there too."""
    schema = endpoint_of(create_app(container, run_projections=False)).schema
    assert isinstance(schema, GuichetSchema)
    assert [getattr(extension, "__name__", None) for extension in schema.extensions] == [
        "Masking", "tokens", "parser_cache", "Limits", "validation_cache", "RequestLimits",
    ]  # fmt: skip
    assert not schema.directives
    config = schema.config
    assert config.batching_config is None
    assert not config.disable_field_suggestions
    assert not config.enable_experimental_incremental_execution


async def test_a_document_sent_again_is_answered_as_the_first_time(
    limited: tuple[Container, Starlette],
) -> None:
    # The lean path keeps a document's validation by its text: the second answer, and one after
    # the parse and validation caches were emptied, are the first's and the view's.
    from strawberry.extensions.parser_cache import _get_parse_cache
    from strawberry.extensions.validation_cache import _get_validate_cache

    from api.schema import CACHE_SIZE

    _, app = limited
    cases: list[Case] = [
        ({"query": "{ viewer { role nope } }"}, "admin-token", {}),
        ({"query": DEEP}, None, {}),
        ({"query": VIEWER}, "editor-token", {}),
        ({"query": "{ viewer { role } } query B { viewer { name } }"}, None, {}),
    ]
    for round in range(3):
        if round == 2:
            # strawberry types its lru_cache wrappers as plain callables.
            _get_parse_cache(CACHE_SIZE).cache_clear()  # type: ignore[attr-defined]
            _get_validate_cache(CACHE_SIZE).cache_clear()  # type: ignore[attr-defined]
        for case in cases:
            lean, view = await both(app, case)
            same(lean, view)
