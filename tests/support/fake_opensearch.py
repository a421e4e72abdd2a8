"""An OpenSearch cluster in memory, plugged into opensearch-py below its transport (as the
`connection_class`): the client, its serialisation, its retries and its exceptions are the
real ones, and only the HTTP exchange is answered here.

It records every request (method, path, query parameters, parsed body) and answers as
OpenSearch 2.x documents it, with the state needed to reproduce races and crashes: indices
with their settings and mappings, aliases with `is_write_index`, documents by id with their
external versions. The errors are OpenSearch's own bodies (`index_not_found_exception`,
`resource_already_exists_exception`, `version_conflict_engine_exception` in bulk items,
`illegal_argument_exception` for an alias over several indices without a write index,
`cluster_block_exception` 429, `search_phase_execution_exception` 503).

Searches do not evaluate the query DSL: they answer every live document, so tests here are
about requests, states and failures. What documents a query finds is the contract suite's
business, against a real server (`GUICHET_OPENSEARCH_URL`).
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from opensearchpy import AsyncOpenSearch, OpenSearch
from opensearchpy._async.http_aiohttp import AsyncConnection
from opensearchpy.connection import Connection
from opensearchpy.exceptions import ConnectionError as Unreachable
from opensearchpy.exceptions import ConnectionTimeout

JSON = {"content-type": "application/json"}


class Crash(BaseException):
    """The process stops here (a kill): no `except Exception` of the code under test sees it."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any  # parsed JSON; a list of parsed lines for NDJSON; None without a body


@dataclass
class Index:
    settings: dict[str, Any]
    mappings: dict[str, Any]
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Fault:
    when: Callable[[Request], bool]
    times: int
    status: int | str  # an HTTP status, "down" (connection refused) or "timeout"
    body: dict[str, Any] | None = None


@dataclass
class Hook:
    when: Callable[[Request], bool]
    action: Callable[[Request], None]


def error(status: int, kind: str, reason: str, **more: Any) -> tuple[int, dict[str, Any]]:
    cause = {"type": kind, "reason": reason, **more}
    return status, {"error": {"root_cause": [cause], **cause}, "status": status}


def missing(index: str) -> tuple[int, dict[str, Any]]:
    return error(
        404,
        "index_not_found_exception",
        f"no such index [{index}]",
        index=index,
        **{"resource.type": "index_or_alias", "resource.id": index},
    )


CLUSTER_BLOCK = error(
    429, "cluster_block_exception",
    "index [guichet] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage "
    "watermark, index has read-only-allow-delete block];",
)  # fmt: skip
ALL_SHARDS_FAILED = error(
    503, "search_phase_execution_exception", "all shards failed", phase="query", grouped=True,
    failed_shards=[],
)  # fmt: skip


def anything(request: Request) -> bool:
    return True


class FakeCluster:
    def __init__(self) -> None:
        self.indices: dict[str, Index] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.hooks: list[Hook] = []
        self.down = False
        self._lock = threading.RLock()

    # What tests use.

    def client(self) -> OpenSearch:
        return OpenSearch(hosts=[{"host": "opensearch.test", "port": 9200}],
                          connection_class=FakeConnection, cluster=self, max_retries=0)  # fmt: skip

    def async_client(self) -> AsyncOpenSearch:
        return AsyncOpenSearch(hosts=[{"host": "opensearch.test", "port": 9200}],
                               connection_class=AsyncFakeConnection, cluster=self,
                               max_retries=0)  # fmt: skip

    def fail(
        self, status: int | str, when: Callable[[Request], bool] = anything, *, times: int = 1,
        body: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        self.faults.append(Fault(when, times, status, body))

    def before(self, when: Callable[[Request], bool], action: Callable[[Request], None]) -> None:
        """Runs `action` once, before the first request `when` accepts is answered."""
        self.hooks.append(Hook(when, action))

    def holding(self, alias: str) -> list[str]:
        return sorted(name for name, index in self.indices.items() if alias in index.aliases)

    def write_index(self, alias: str) -> str | None:
        """Where a write through `alias` goes, as OpenSearch resolves it; None when it refuses."""
        holders = self.holding(alias)
        marked = [n for n in holders if self.indices[n].aliases[alias].get("is_write_index")]
        if marked:
            return marked[0]
        if (
            len(holders) == 1
            and self.indices[holders[0]].aliases[alias].get("is_write_index") is None
        ):
            return holders[0]
        return None

    # The HTTP exchange.

    def exchange(self, method: str, url: str, params: Mapping[str, Any] | None,
                 raw: bytes | str | None) -> tuple[int, dict[str, Any] | None]:  # fmt: skip
        request = Request(method, unquote(url), {k: str(v) for k, v in (params or {}).items()},
                          parse(raw))  # fmt: skip
        with self._lock:
            self.requests.append(request)
            hooks = [hook for hook in self.hooks if hook.when(request)]
            for hook in hooks:
                self.hooks.remove(hook)
        for hook in hooks:  # outside the lock: another "process" may send requests meanwhile
            hook.action(request)
        with self._lock:
            if self.down:
                return -1, None
            for fault in self.faults:
                if fault.times and fault.when(request):
                    fault.times -= 1
                    if isinstance(fault.status, str):
                        return (-1 if fault.status == "down" else -2), None
                    return fault.status, fault.body or error(fault.status, "fault", "injected")[1]
            return self.answer(request)

    def answer(self, r: Request) -> tuple[int, dict[str, Any] | None]:
        from tests.support.fake_opensearch_api import answer

        return answer(self, r)

    def expand(self, expression: str) -> list[str]:
        """Concrete indices an index expression names (names, aliases, wildcards, commas)."""
        found: list[str] = []
        for part in expression.split(","):
            if any(c in part for c in "*?"):
                found += [n for n in self.indices if fnmatch.fnmatchcase(n, part)]
                aliases = {a for i in self.indices.values() for a in i.aliases}
                for alias in aliases:
                    if fnmatch.fnmatchcase(alias, part):
                        found += self.holding(alias)
            elif part in self.indices:
                found.append(part)
            else:
                found += self.holding(part)
        return sorted(set(found))

    def aliases(self) -> set[str]:
        return {a for index in self.indices.values() for a in index.aliases}


def parse(raw: bytes | str | None) -> Any:
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else raw
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


NAME = re.compile(r"^[a-z0-9][a-z0-9._+-]*$")


class FakeConnection(Connection):
    def __init__(self, cluster: FakeCluster, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cluster = cluster

    def perform_request(
        self, method: str, url: str, params: Mapping[str, Any] | None = None,
        body: bytes | None = None, timeout: float | None = None, ignore: Collection[int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Any:  # fmt: skip
        return respond(self, *self.cluster.exchange(method, url, params, body), ignore)

    def close(self) -> None:
        pass


class AsyncFakeConnection(AsyncConnection):
    def __init__(self, cluster: FakeCluster, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cluster = cluster

    async def perform_request(
        self, method: str, url: str, params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the library's signature)
        ignore: Collection[int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Any:  # fmt: skip
        return respond(self, *self.cluster.exchange(method, url, params, body), ignore)

    async def close(self) -> None:
        pass


def respond(
    connection: Connection, status: int, answer: dict[str, Any] | None, ignore: Collection[int]
) -> tuple[int, dict[str, str], str]:
    """What a connection returns for an answer, or raises, as opensearch-py's own do."""
    if status == -1:
        raise Unreachable("N/A", "[Errno 111] Connection refused", OSError(111))
    if status == -2:
        raise ConnectionTimeout("TIMEOUT", "Read timed out. (read timeout=10)", OSError())
    raw = json.dumps(answer) if answer is not None else ""
    if not 200 <= status < 300 and status not in ignore:
        connection._raise_error(status, raw, "application/json")
    return status, JSON, raw
