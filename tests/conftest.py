"""One embedded PostgreSQL per test process (each xdist worker has its own); one schema per test."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from psycopg import sql

from api.app import create_app
from infra.bootstrap import Container, tokens_for
from infra.database import Database
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings
from tests.support.graphql import GraphQLClient
from tests.support.tokens import TOKENS_SETTING

# A throwaway cluster need not survive a crash of the machine: commits wait for no disk.
THROWAWAY = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One worker a core, and one more: tests spend much of their time waiting on PostgreSQL
    and on the processes they start, so on 2 cores a third worker took the suite from about
    400 s to 275 s. `PYTEST_XDIST_AUTO_NUM_WORKERS` still chooses, when set."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if chosen:
        return int(chosen)
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedPostgres(
        tmp_path_factory.mktemp("pg"), dbname="guichet_test", settings=THROWAWAY
    )
    yield server.start()
    server.stop()


def stop_projections(container: Container) -> None:
    """Tells every projection runner to stop, and wakes them all at once.

    A runner waits for the log's notifications half a second at a time, and is otherwise told
    to stop one runner after another (as the app's shutdown does): each test then waited
    for each of its views in turn, seconds per test.
    """
    runners = container.runners.values()
    for runner in runners:
        runner.request_stop()
    with (
        contextlib.suppress(psycopg.OperationalError),  # a test may have stopped its server
        psycopg.connect(container.database.conninfo, autocommit=True) as conn,
    ):
        for channel in {runner.channel for runner in runners}:
            conn.execute(sql.SQL("NOTIFY {}").format(sql.Identifier(channel)))


@pytest.fixture
def environ(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "GUICHET_DATABASE_URL": database_url,
        "GUICHET_DATABASE_SCHEMA": f"t_{uuid.uuid4().hex[:12]}",
        "GUICHET_DATA_DIR": str(tmp_path / "data"),
        "GUICHET_TOKENS": TOKENS_SETTING,
        "GUICHET_POOL_SIZE": "4",
    }


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return Settings.from_environ(environ)


@pytest.fixture
def make_container() -> Iterator[Callable[[dict[str, str]], Container]]:
    """Builds containers from environments; closes them and drops their schemas after the test."""
    built: list[Container] = []

    def make(environ: dict[str, str]) -> Container:
        settings = Settings.from_environ(environ)
        assert settings.database_url is not None
        database = Database.from_url(settings.database_url, settings.database_schema)
        built.append(Container(settings, database, tokens_for(settings)))
        return built[-1]

    yield make
    for container in built:
        stop_projections(container)
        container.close()
        with (
            contextlib.suppress(psycopg.OperationalError),  # a test may have stopped its server
            psycopg.connect(container.database.conninfo, autocommit=True) as conn,
        ):
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                    sql.Identifier(container.database.schema)
                )
            )


@pytest.fixture
def container(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> Container:
    return make_container(environ)


@pytest.fixture
async def http(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://guichet.test") as client:
            yield client
        stop_projections(container)


@pytest.fixture
def graphql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)
