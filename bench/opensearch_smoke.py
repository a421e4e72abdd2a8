"""Checks an OpenSearch cluster the way Guichet uses it, one line per check, and exits 1 when
any failed (or when what it made could not be deleted).

    GUICHET_OPENSEARCH_URL=http://localhost:9200 python -m bench.opensearch_smoke
    python -m bench.opensearch_smoke --fake     # the same steps on the in-memory fake

It runs from a checkout with the test extras (`pip install -e ".[dev]"`), not from the image.

PostgreSQL: with GUICHET_DATABASE_URL set, it makes a schema of its own there
(`bench_<time>_<random>`, refused if it exists), loads the territories and the demo directory
into it and drops it at the end; it reads and writes no other schema. Without it, a temporary
embedded PostgreSQL. Its indices are named after that schema (`guichet-bench_<time>_<random>-
directory`, its `-write` alias, its `-template`) and are deleted at the end.

The projections started together are threads of this process, each with its own PostgreSQL
sessions and HTTP client, which is what the locks and OpenSearch see of a process; the rebuild
"stopped mid-way" is interrupted by an exception raised after its first page, so nothing of
the rebuild's own runs after it, as after a kill.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opensearchpy import AsyncOpenSearch, OpenSearch

from bench.support import bench_container
from infra.bootstrap import Container
from infra.demo import load_demo
from infra.runner import ProjectionRunner
from infra.search.opensearch import OpenSearchIndex, OpenSearchSearchView
from infra.search.opensearch_index import IndexNames
from infra.territories import load_reference
from projections.search_query import SearchQuery, SearchUnavailable

if TYPE_CHECKING:
    from tests.support.fake_opensearch import FakeCluster

THREADS = 4
SAMPLES = {
    "guichet_french": (
        "french",
        "L'aide alimentaire des banques d'Île-de-Montréal, ouvertes aux étudiants",
    ),
    "guichet_english": ("english", "Children's food banks open to students on Saturdays"),
}


class Failed(Exception):
    pass


@dataclass
class Engine:
    """Where the checks send their requests: a server, or the fake."""

    client: Callable[[], OpenSearch]
    async_client: Callable[[], AsyncOpenSearch]
    unreachable: Callable[[], AsyncOpenSearch]

    @classmethod
    def server(cls, url: str) -> Engine:
        closed = f"http://127.0.0.1:{closed_port()}"
        return cls(lambda: OpenSearch(hosts=[url], timeout=30),
                   lambda: AsyncOpenSearch(hosts=[url], timeout=10),
                   lambda: AsyncOpenSearch(hosts=[closed], timeout=2, max_retries=0))  # fmt: skip

    @classmethod
    def fake(cls, cluster: FakeCluster | None = None) -> Engine:
        # Imported here: a run against a server needs no test code.
        from tests.support.fake_opensearch import FakeCluster

        cluster = cluster or FakeCluster()
        down = FakeCluster()
        down.down = True
        return cls(cluster.client, cluster.async_client, down.async_client)


def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Smoke:
    def __init__(self, engine: Engine, container: Container) -> None:
        self.engine = engine
        self.container = container
        self.names = IndexNames.for_schema(container.database.schema)
        self.client = engine.client()

    def process(self, page_size: int = 2000) -> tuple[OpenSearchSearchView, ProjectionRunner]:
        view = OpenSearchSearchView(self.container.datastore, self.engine.client(), self.names)
        view.create()
        ops = self.container.operations
        runner = ProjectionRunner(view, ops.recorder, ops.mapper, self.container.database,
                                  page_size=page_size)  # fmt: skip
        return view, runner

    def layout(self) -> dict[str, dict[str, Any]]:
        found = self.client.indices.get_alias(index=self.names.pattern)
        return {index: entry.get("aliases", {}) for index, entry in found.items()}

    def settled(self) -> str:
        """One index, carrying both aliases, the write alias marked as its write index."""
        layout = self.layout()
        if len(layout) != 1:
            raise Failed(f"{len(layout)} indices, not 1: {layout}")
        [(index, aliases)] = layout.items()
        if self.names.alias not in aliases or self.names.write not in aliases:
            raise Failed(f"{index} carries {sorted(aliases)}, not both aliases")
        if not aliases[self.names.write].get("is_write_index"):
            raise Failed(f"{index} is not marked is_write_index")
        return index

    def count(self) -> int:
        self.client.indices.refresh(index=self.names.alias)
        return int(self.client.count(index=self.names.alias)["count"])

    def first_start(self) -> str:
        load_reference(self.container.operations, self.container.clock)
        load_demo(self.container.directory_handler, self.container.clock.now())
        self.process()[1].bring_up_to_date()
        return f"{self.settled()} holds {self.count()} documents"

    def analysis(self) -> str:
        """Each analyser's words for a sample, and the same words as PostgreSQL's
        `to_tsvector(configuration, unaccent(text))` finds them, which the embedded search
        matches on: folded, apostrophes cut, stop words dropped, Snowball stems."""
        said = []
        for analyzer, (configuration, text) in SAMPLES.items():
            body = {"analyzer": analyzer, "text": text}
            answer = self.client.indices.analyze(index=self.names.alias, body=body)
            tokens = [token["token"] for token in answer["tokens"]]
            if not tokens:
                raise Failed(f"{analyzer} made no token of {text!r}")
            with self.container.database.connect() as conn:
                row = conn.execute(
                    "SELECT array_agg(lexeme ORDER BY lexeme)"
                    " FROM unnest(to_tsvector(%s::regconfig, public.unaccent(%s)))",
                    (configuration, text),
                ).fetchone()
            # PostgreSQL also keeps a hyphenated word whole, which OpenSearch does not (the
            # README's parity section): its pieces are what both compare.
            lexemes = [lexeme for lexeme in (row[0] if row else []) if "-" not in lexeme]
            if sorted(set(tokens)) != lexemes:
                raise Failed(f"{analyzer} read {tokens}, PostgreSQL {lexemes}")
            said.append(f"{analyzer}: {' '.join(tokens)}")
        return "; ".join(said) + " (as PostgreSQL reads them)"

    def page_twice(self) -> str:
        id = str(uuid.uuid4())
        action = {"index": {"_index": self.names.write, "_id": id, "version": 1,
                            "version_type": "external"}}  # fmt: skip
        body = [action, {"doc_id": id, "removed": True, "active": False}]
        statuses = []
        for _ in range(2):
            answer = self.client.bulk(body=body, params={"require_alias": "true"})
            statuses.append(answer["items"][0]["index"]["status"])
        if statuses != [201, 409]:
            raise Failed(f"statuses {statuses}, not [201, 409]")
        return "201 then 409"

    def together(self) -> str:
        self.process()[0].drop()  # as a rebuild stopped after its first step
        started = [self.process() for _ in range(THREADS)]
        failures: list[BaseException] = []

        def run(runner: ProjectionRunner) -> None:
            try:
                runner.bring_up_to_date(timeout=300)
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=run, args=(runner,)) for _, runner in started]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise Failed(f"{len(failures)} of {THREADS} failed: {failures[0]!r}")
        return f"{THREADS} projections: one write index, {self.settled()}"

    def interrupted_rebuild(self) -> str:
        before = self.count()
        old = self.settled()
        runner = self.process(page_size=50)[1]

        def interrupt(progress: Any) -> None:
            raise KeyboardInterrupt  # past `except Exception`: nothing of the rebuild's own runs

        with contextlib.suppress(KeyboardInterrupt):
            runner.rebuild(on_page=interrupt)
        readers = [i for i, aliases in self.layout().items() if self.names.alias in aliases]
        if readers != [old] or self.count() != before:
            raise Failed(f"after the interruption searches read {readers} ({self.count()} "
                         "documents)")  # fmt: skip
        self.process()[1].bring_up_to_date()
        index = self.settled()
        if self.count() != before:
            raise Failed(f"{self.count()} documents after the restart, not {before}")
        return f"searches stayed on {old} ({before} documents), then moved to {index}"

    async def unavailable(self, client: AsyncOpenSearch) -> str:
        index = OpenSearchIndex(client, self.names, self.container.search_view)
        try:
            await index.search(SearchQuery(text="aide"))
        except SearchUnavailable as error:
            if error.code != "SEARCH_UNAVAILABLE":
                raise Failed(f"{error.code}: {error}") from error
            return f"SEARCH_UNAVAILABLE: {error}"
        finally:
            await index.close()
        raise Failed("the search succeeded")

    def index_deleted(self) -> str:
        self.client.indices.delete(index=self.names.pattern)
        said = asyncio.run(self.unavailable(self.engine.async_client()))
        self.process()[1].bring_up_to_date()
        return f"{said}; rebuilt by the next start into {self.settled()}"

    def unreachable(self) -> str:
        return asyncio.run(self.unavailable(self.engine.unreachable()))

    def clean(self) -> None:
        self.client.indices.delete(index=self.names.pattern, ignore_unavailable=True)
        self.client.indices.delete_index_template(name=self.names.template, ignore=[404])


def run(engine: Engine, container: Container, say: Callable[[str], None] = print) -> bool:
    smoke = Smoke(engine, container)
    checks: list[tuple[str, Callable[[], str]]] = [
        ("first start", smoke.first_start),
        ("analysis of French and English", smoke.analysis),
        ("a page applied twice", smoke.page_twice),
        (f"{THREADS} projections (threads) starting together", smoke.together),
        ("a rebuild interrupted mid-way", smoke.interrupted_rebuild),
        ("the index deleted", smoke.index_deleted),
        ("the server unreachable", smoke.unreachable),
    ]
    passed = True
    for name, check in checks:
        started = time.perf_counter()
        try:
            said = check()
        except Exception as error:
            passed = False
            said = one_line(error)
        mark = "ok  " if passed else "FAIL"
        say(f"{mark} {name} ({time.perf_counter() - started:.1f} s): {said}")
        if not passed:
            break  # the next checks build on this one's state
    try:
        smoke.clean()
    except Exception as error:
        # After a failure, the cluster may well be what failed: this line adds to the verdict
        # and never replaces it.
        say(f"FAIL deleting {smoke.names.pattern} and {smoke.names.template}: {one_line(error)}")
        passed = False
    return passed


def one_line(error: Exception) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="OpenSearch: GUICHET_OPENSEARCH_URL (or --fake). PostgreSQL: with "
        "GUICHET_DATABASE_URL set, a schema bench_<time>_<random> is made there, the "
        "territories and the demo directory loaded into it, and the schema dropped at the "
        "end; no other schema is read or written. Without it, a temporary embedded "
        "PostgreSQL. The indices made (guichet-bench_<time>_<random>-directory*) are deleted "
        "at the end. Exit code 1 when a check failed or they could not be deleted.",
    )
    parser.add_argument("--fake", action="store_true", help="an in-memory fake, no server")
    arguments = parser.parse_args(argv)
    url = os.environ.get("GUICHET_OPENSEARCH_URL")
    if not arguments.fake and url is None:
        parser.error("set GUICHET_OPENSEARCH_URL, or run with --fake")
    # One line per check says what failed: the client's warnings for each failed request
    # (with their tracebacks) and the expected failures the checks cause are not repeated.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("infra.search").setLevel(logging.CRITICAL)
    engine = Engine.fake() if arguments.fake else Engine.server(str(url))
    # Its container searches on PostgreSQL; the smoke test's views replace those tables.
    logging.getLogger("infra.views.base").setLevel(logging.ERROR)
    with bench_container() as container:
        passed = run(engine, container)
    print("every check passed" if passed else "a check failed")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
