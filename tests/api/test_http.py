"""GraphQL over HTTP: status codes, media types, authentication, limits, masking."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from strawberry.extensions.validation_cache import _get_validate_cache

from api.app import create_app
from api.schema import CACHE_SIZE
from infra.bootstrap import Container
from infra.embedded import EmbeddedPostgres
from tests.api.test_organizations import CENTRE, ORGANIZATION, REGISTER
from tests.support.graphql import GraphQLClient


async def test_an_unparsable_document_is_400_with_the_parser_message(
    graphql: GraphQLClient, container: Container
) -> None:
    response = await graphql.post(
        "mutation { registerOrganization(input: {name: ", token="admin-token"
    )

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["message"].startswith("Syntax Error:")
    assert body["errors"][0]["locations"]
    assert container.head() == 0


async def test_an_unknown_field_is_named(graphql: GraphQLClient, container: Container) -> None:
    response = await graphql.post(
        'mutation { registerOrganization(input: {name: {fr: "X"}}) { __typename } '
        "deleteEverything }",
        token="admin-token",
    )

    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert any("deleteEverything" in message for message in messages), messages
    assert container.head() == 0


async def test_an_unknown_token_is_401_and_writes_nothing(
    graphql: GraphQLClient, container: Container
) -> None:
    response = await graphql.post(REGISTER, {"input": CENTRE}, token="stolen-or-typo")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "token is not valid" in response.json()["errors"][0]["message"]
    assert container.head() == 0


async def test_a_malformed_authorization_header_is_401(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ viewer { role } }"}, headers={"Authorization": "Basic abc"}
    )
    assert response.status_code == 401
    assert "Bearer <token>" in response.json()["errors"][0]["message"]


async def test_tokens_map_to_roles(graphql: GraphQLClient) -> None:
    anonymous = await graphql.data("{ viewer { name role } }")
    editor = await graphql.data("{ viewer { name role } }", token="editor-token")

    assert anonymous["viewer"] == {"name": "anonymous", "role": "public"}
    assert editor["viewer"] == {"name": "edith", "role": "editor"}


async def test_a_mutation_over_get_is_405(http: httpx.AsyncClient, container: Container) -> None:
    response = await http.get(
        "/graphql",
        params={
            "query": 'mutation { registerOrganization(input: {name: {fr: "X"}}) { __typename } }'
        },
        headers={"Authorization": "Bearer admin-token"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert container.head() == 0


async def test_queries_work_over_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{ viewer { role } }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"role": "public"}}}


async def test_the_media_type_follows_accept(http: httpx.AsyncClient) -> None:
    query = {"query": "{ viewer { role } }"}
    modern = await http.post(
        "/graphql",
        json=query,
        headers={"Accept": "application/graphql-response+json, application/json;q=0.9"},
    )
    legacy = await http.post("/graphql", json=query, headers={"Accept": "application/json"})

    assert modern.headers["content-type"].startswith("application/graphql-response+json")
    assert legacy.headers["content-type"].startswith("application/json")


async def test_browsers_get_graphiql(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_unexpected_errors_are_masked_and_logged(
    graphql: GraphQLClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    with psycopg.connect(container.database.conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {}.directory_organizations DROP COLUMN website").format(
                sql.Identifier(container.database.schema)
            )
        )

    with caplog.at_level(logging.ERROR, logger="guichet.api"):
        response = await graphql.post(ORGANIZATION, {"id": "7d1b1c70-0000-4000-8000-000000000000"})

    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "website" not in response.text
    assert any("website" in str(record.exc_info) for record in caplog.records)


async def test_health_reports_database_and_lag(
    http: httpx.AsyncClient, graphql: GraphQLClient, container: Container
) -> None:
    await graphql.data(REGISTER, {"input": CENTRE}, "editor-token")

    response = await http.get("/health", headers={"Authorization": "Bearer admin-token"})

    body = response.json()
    assert response.status_code == 200
    assert body["database"] == {"reachable": True}
    assert body["head"] >= 1
    assert [p["name"] for p in body["projections"]] == list(container.views)
    for projection in body["projections"]:
        assert projection["lag"] == body["head"] - projection["position"]
        assert projection["failing"] is False


async def test_health_says_a_projection_fails_but_not_why(
    http: httpx.AsyncClient, container: Container
) -> None:
    runner = container.runners["directory"]
    runner.stop()  # a running runner clears its error once it applies a page again
    runner.last_error = "connection to db.internal:5432 refused"

    response = await http.get("/health")

    failing = {p["name"]: p["failing"] for p in response.json()["projections"]}
    assert failing["directory"] is True
    assert not any(failing[name] for name in failing if name != "directory")
    assert "db.internal" not in response.text


async def test_projection_lag_is_in_graphql(graphql: GraphQLClient) -> None:
    receipt = (await graphql.data(REGISTER, {"input": CENTRE}, "editor-token"))[
        "registerOrganization"
    ]
    await graphql.data(
        ORGANIZATION, {"id": receipt["id"], "after": receipt["position"]}, "editor-token"
    )

    data = await graphql.data(
        "{ projections { ... on Projections { statuses { name position head lag } } } }",
        token="monitoring-token",
    )

    [directory] = [p for p in data["projections"]["statuses"] if p["name"] == "directory"]
    assert directory["position"] >= receipt["position"]
    assert directory["lag"] == directory["head"] - directory["position"]


async def test_limits_are_built_once_so_validation_is_cached(graphql: GraphQLClient) -> None:
    cache = _get_validate_cache(CACHE_SIZE)
    document = "query CacheProbe { viewer { name role } }"
    await graphql.data(document)
    hits = cache.cache_info().hits  # type: ignore[attr-defined]

    await graphql.data(document)
    await graphql.data(document)

    assert cache.cache_info().hits == hits + 2  # type: ignore[attr-defined]


async def test_health_is_503_when_the_database_is_down(
    tmp_path: Path,
    environ: dict[str, str],
    make_container: Callable[[dict[str, str]], Container],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = EmbeddedPostgres(tmp_path / "down")
    url = server.start()
    container = make_container({**environ, "GUICHET_DATABASE_URL": url})
    server.stop()
    app = create_app(container, run_projections=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as http:
        with caplog.at_level(logging.WARNING, logger="api.health"):
            response = await http.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "unavailable", "database": {"reachable": False}}
    # Why is for the log, not for whoever asks.
    assert any("database is unreachable: " in r.getMessage() for r in caplog.records)


async def test_a_json_body_that_is_not_an_object_is_400(http: httpx.AsyncClient) -> None:
    for body in (b'"x"', b"1", b"true", b"null"):
        response = await http.post(
            "/graphql", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, (body, response.text)
        assert response.json() == {
            "errors": [{"message": "The request body must be a JSON object."}]
        }
    batch = await http.post("/graphql", json=[{"query": "{ __typename }"}])
    assert batch.status_code == 400, batch.text
    assert "Batching" in batch.text, batch.text
