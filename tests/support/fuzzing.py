"""Schema-driven fuzzing of the GraphQL API: documents generated from the schema, valid and
invalid, sent as each role over real HTTP to the ASGI app (derandomized: the same documents
on every run).

A request may be refused, never fail: no 5xx and no masked error. And a refused request
stores nothing: each mutation's result is asked its `__typename` (added to every mutation
field), and when every field of a mutation answered with an error, or the request was
refused whole, the log's head must not have moved.

`hostile_fuzz` sends hostile variables (tests/support/hostile.py) over HTTP and WebSocket to
a real server, and then requires every view to apply all that was stored: what one request
stores must never stop a view.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import graphql
import httpx
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes
from starlette.testclient import TestClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from api.app import create_app
from api.masking import DATABASE_UNAVAILABLE
from api.schema import build_schema
from infra.bootstrap import Container
from tests.support.hostile import Pools, Requests, encode, new_id, short, subscribe_message
from tests.support.ports import free_port

ROLES = (None, "editor-token", "counsellor-token", "analyst-token", "auditor-token",
         "coverage-token", "admin-token")  # fmt: skip
# No projection runs while fuzzing, so every generated `consistentWith` past the head waits the
# whole timeout: at the default 2 s a long run took hours, waiting. The timeout path is the
# same at 50 ms.
SETTINGS = {"GUICHET_RATE_LIMIT": "0", "GUICHET_CONSISTENCY_TIMEOUT": "0.05"}


def _scalars(mode: Mode) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Valid values for documents meant to be valid; junk among them for the others (with
    junk in every mode, three in four of the valid documents were refused for a date)."""
    dates = st.dates().map(lambda d: nodes.String(d.isoformat()))
    times = st.datetimes(timezones=st.just(UTC)).map(lambda t: nodes.String(t.isoformat()))
    json = st.just(nodes.Object([]))
    if mode is Mode.POSITIVE:
        return {"Date": dates, "DateTime": times, "JSON": json}
    junk = st.text(max_size=12).map(nodes.String)
    return {
        "Date": st.one_of(dates, junk),
        "DateTime": st.one_of(times, junk),
        "JSON": st.one_of(json, junk),
    }


def with_typenames(document: str) -> str:
    """Each mutation field also asks its result's `__typename`."""
    typename = graphql.FieldNode(name=graphql.NameNode(value="__typename"))

    def asked(selection: graphql.SelectionNode) -> graphql.SelectionNode:
        if not (isinstance(selection, graphql.FieldNode) and selection.selection_set):
            return selection
        selections = (*selection.selection_set.selections, typename)
        return replace(selection, selection_set=graphql.SelectionSetNode(selections=selections))

    def operation(definition: graphql.DefinitionNode) -> graphql.DefinitionNode:
        if not (
            isinstance(definition, graphql.OperationDefinitionNode)
            and definition.operation is graphql.OperationType.MUTATION
        ):
            return definition
        selections = tuple(asked(s) for s in definition.selection_set.selections)
        return replace(definition, selection_set=graphql.SelectionSetNode(selections=selections))

    parsed = graphql.parse(document)
    definitions = tuple(operation(d) for d in parsed.definitions)
    return graphql.print_ast(graphql.DocumentNode(definitions=definitions))


@dataclass
class Findings:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    stored_by_refused: list[str] = field(default_factory=list)
    mutations: int = 0
    seconds: float = 0.0
    websocket_messages: int = 0
    websocket_closes: Counter[int] = field(default_factory=Counter)
    # Views not at the head, or failing, once every projection was run after the requests.
    views: list[str] = field(default_factory=list)
    hung: bool = False


def fuzz(container: Container, examples: int) -> Findings:
    """`examples` documents, valid and invalid, each sent once as each role."""
    findings = Findings()
    schema = build_schema(container.settings)._schema
    strategy = st.one_of(
        from_schema(schema, custom_scalars=_scalars(Mode.POSITIVE), mode=Mode.POSITIVE),
        from_schema(schema, custom_scalars=_scalars(Mode.NEGATIVE), mode=Mode.NEGATIVE),
    )
    started = datetime.now(UTC)
    with TestClient(create_app(container, run_projections=False)) as client:

        def send(document: str) -> None:
            try:
                sent = with_typenames(document)
                mutation = sent.lstrip().startswith("mutation")
            except graphql.GraphQLError:
                sent, mutation = document, document.lstrip().startswith("mutation")
            for token in ROLES:
                _one(client, container, sent, token, mutation, findings)

        run: Callable[[], None] = settings(
            max_examples=examples, database=None, deadline=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )(given(strategy)(send))  # fmt: skip
        run()
    findings.seconds = (datetime.now(UTC) - started).total_seconds()
    return findings


def _one(
    client: TestClient, container: Container, document: str, token: str | None,
    mutation: bool, findings: Findings,
) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    before = container.head() if mutation else 0
    response = client.post("/graphql", json={"query": document}, headers=headers)
    findings.requests += 1
    findings.mutations += mutation
    findings.statuses[response.status_code] += 1
    body = response.json()
    # A masked error is a failure of ours the client was not told about: it counts as a 500;
    # so does the database said out of reach, since it is up all along.
    masked = any(
        e.get("message") == "Unexpected error."
        or (e.get("extensions") or {}).get("code") == DATABASE_UNAVAILABLE
        for e in body.get("errors") or []
    )
    if response.status_code >= 500 or masked:
        findings.server_errors.append(f"{response.status_code} as {token}: {document[:300]}")
        return
    if not mutation:
        return
    data = body.get("data") or {}
    refused = response.status_code != 200 or not data or all(
        isinstance(value, dict) and str(value.get("__typename", "")).endswith("Error")
        for value in data.values()
    )  # fmt: skip
    if refused and container.head() != before:
        findings.stored_by_refused.append(f"as {token}: {document[:300]} -> {body}")


# Hostile variables, over HTTP and WebSocket, against a real server on the loopback interface:
# a request that hangs must be seen to hang, and only real sockets have timeouts.
REQUEST_TIMEOUT = 20.0
SUBSCRIPTION_WAIT = 2.0  # for a subscription's first message
PROTOCOL = "graphql-transport-ws"


@contextmanager
def serving(container: Container) -> Iterator[int]:
    """The app served by uvicorn on a thread, projections stopped; yields its port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(container, run_projections=False), host="127.0.0.1", port=port,
        log_level="critical", timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fuzzed-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fuzzed server did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


def hostile_fuzz(container: Container, examples: int) -> Findings:
    """`examples` generated requests with hostile variables, as many for each root field, each
    sent over HTTP as every role and over WebSocket as one; then every view is run and must
    reach the head without error."""
    findings = Findings()
    schema = build_schema(container.settings)._schema
    strategies = [st.tuples(field, st.sampled_from(ROLES))
                  for field in Requests(schema, Pools.demo()).each()]  # fmt: skip
    started = time.monotonic()
    with serving(container) as port, httpx.Client(
        base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT
    ) as client:  # fmt: skip
        sockets = Sockets(port)

        def send(request: tuple[tuple[str, dict[str, Any]], str | None]) -> None:
            (document, variables), socket_role = request
            if findings.hung:
                return  # the server stopped answering: what follows would only wait
            body = encode(document, variables)
            operation = document.split(" ", 1)[0]
            label = short([document.split("{ ", 1)[1].split("(", 1)[0], json.dumps(variables)])
            # A subscription over HTTP is answered with a masked error, a fault of its own
            # outside these attacks: subscriptions go over WebSocket only.
            for token in ROLES if operation != "subscription" else ():
                _over_http(client, container, body, label, operation, token, findings)
            sockets.send(container, body, label, operation, socket_role, findings)

        try:
            for strategy in strategies:
                run: Callable[[], None] = settings(
                    max_examples=max(1, examples // len(strategies)), database=None,
                    deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )(given(strategy)(send))  # fmt: skip
                run()
        finally:
            sockets.close()
        findings.views = settle(container, client)
    findings.seconds = time.monotonic() - started
    return findings


def _failed(body: dict[str, Any]) -> bool:
    """A masked error, or the database said out of reach while it is up all along."""
    return any(
        e.get("message") == "Unexpected error."
        or (e.get("extensions") or {}).get("code") == DATABASE_UNAVAILABLE
        for e in body.get("errors") or []
    )


def _refused(body: dict[str, Any]) -> bool:
    data = body.get("data") or {}
    return not data or all(
        isinstance(value, dict) and str(value.get("__typename", "")).endswith("Error")
        for value in data.values()
    )


def _over_http(
    client: httpx.Client, container: Container, body: bytes, sent: str, operation: str,
    token: str | None, findings: Findings,
) -> None:  # fmt: skip
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    mutation = operation == "mutation"
    before = container.head() if mutation else 0
    try:
        response = client.post("/graphql", content=body, headers=headers)
    except httpx.TimeoutException:
        findings.server_errors.append(f"no answer in {REQUEST_TIMEOUT:.0f} s as {token}: {sent}")
        findings.hung = True
        return
    findings.requests += 1
    findings.mutations += mutation
    findings.statuses[response.status_code] += 1
    try:
        answer = response.json()
    except ValueError:
        answer = {"errors": [{"message": "Unexpected error."}]}
    if response.status_code >= 500 or _failed(answer):
        findings.server_errors.append(f"{response.status_code} as {token}: {sent}")
        return
    refused = response.status_code != 200 or _refused(answer)
    if mutation and refused and container.head() != before:
        findings.stored_by_refused.append(f"as {token}: {sent} -> {short([str(answer)])}")


class Sockets:
    """One graphql-transport-ws connection per role, opened when first needed and again after
    the server closed it."""

    def __init__(self, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/graphql"
        self.open: dict[str | None, ClientConnection] = {}
        self.stack = ExitStack()

    def connection(self, token: str | None) -> ClientConnection:
        if token not in self.open:
            ws = self.stack.enter_context(
                connect(self.url, subprotocols=[Subprotocol(PROTOCOL)], max_size=None,
                        open_timeout=REQUEST_TIMEOUT, close_timeout=2)
            )  # fmt: skip
            payload = {"authorization": f"Bearer {token}"} if token else {}
            ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = json.loads(ws.recv(timeout=REQUEST_TIMEOUT))
            assert ack["type"] == "connection_ack", ack
            self.open[token] = ws
        return self.open[token]

    def send(
        self, container: Container, body: bytes, sent: str, operation: str, token: str | None,
        findings: Findings,
    ) -> None:  # fmt: skip
        identifier = new_id()
        before = container.head()
        answers: list[dict[str, Any]] = []
        try:
            ws = self.connection(token)
            ws.send(subscribe_message(identifier, body))
            wait = SUBSCRIPTION_WAIT if operation == "subscription" else REQUEST_TIMEOUT
            deadline = time.monotonic() + wait
            while True:
                message = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
                if message.get("id") != identifier:
                    continue
                if message["type"] == "next":
                    answers.append(message["payload"])
                    if operation == "subscription":
                        ws.send(json.dumps({"id": identifier, "type": "complete"}))
                        break
                elif message["type"] in ("complete", "error"):
                    if message["type"] == "error":
                        answers.append({"errors": message.get("payload") or []})
                    break
        except TimeoutError:
            if operation == "subscription" and token in self.open:
                # Figures may be sent only when they change, or in batches: silence is not a
                # failure, and the subscription is ended so the next one has room.
                self.open[token].send(json.dumps({"id": identifier, "type": "complete"}))
                return
            findings.server_errors.append(f"no WebSocket answer as {token}: {sent}")
            findings.hung = True
            self.forget(token)
            return
        except ConnectionClosed as closed:
            self.forget(token)
            code = closed.rcvd.code if closed.rcvd else 1006
            findings.websocket_closes[code] += 1
            if code in (1006, 1011):  # abnormal closure, or the server's own failure
                findings.server_errors.append(f"WebSocket closed {code} as {token}: {sent}")
            return
        findings.websocket_messages += 1
        if any(_failed(answer) for answer in answers):
            findings.server_errors.append(f"WebSocket masked error as {token}: {sent}")
        elif (
            operation == "mutation"
            and all(_refused(a) for a in answers)
            and container.head() != before
        ):
            findings.stored_by_refused.append(f"WebSocket as {token}: {sent}")

    def forget(self, token: str | None) -> None:
        ws = self.open.pop(token, None)
        if ws is not None:
            ws.close()

    def close(self) -> None:
        self.open.clear()
        self.stack.close()


def settle(container: Container, client: httpx.Client) -> list[str]:
    """Runs every projection up to the head, then asks `/health`: what is not at lag 0 and
    without error is a finding (a view that cannot apply a stored fact is stuck for good)."""
    problems = []
    for name, runner in container.runners.items():
        try:
            runner.catch_up()
        except Exception as error:
            problems.append(f"projection {name} failed: {short([repr(error)], 400)}")
    try:
        # Positions and lags are for admins.
        health = client.get("/health", headers={"Authorization": "Bearer admin-token"}).json()
    except httpx.HTTPError as error:
        return [*problems, f"/health did not answer: {error!r}"]
    for view in health.get("projections", []):
        if view["lag"] or view["failing"]:
            problems.append(f"projection {view['name']}: lag {view['lag']}, "
                            f"failing {view['failing']} after catching up")  # fmt: skip
    return problems
