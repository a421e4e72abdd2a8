"""Schema-driven fuzzing of the GraphQL API: documents generated from the schema, valid and
invalid, sent as each role over real HTTP to the ASGI app (derandomized: the same documents
on every run).

A request may be refused, never fail: no 5xx and no masked error. And a refused request
stores nothing: each mutation's result is asked its `__typename` (added to every mutation
field), and when every field of a mutation answered with an error, or the request was
refused whole, the log's head must not have moved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes
from starlette.testclient import TestClient

from api.app import create_app
from api.masking import DATABASE_UNAVAILABLE
from api.schema import build_schema
from infra.bootstrap import Container

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
