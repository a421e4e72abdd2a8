"""Plain objects completed without a resolver call per field (`api.shared_events`) give the
same answers and the same errors as graphql-core's usual completion."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from starlette.testclient import TestClient
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.app import create_app
from api.shared_events import SharingExecutionContext
from infra.bootstrap import Container
from tests.api.test_interactions import ready
from tests.api.test_statistics_sharing import PERIOD, QUERY, caught_up
from tests.api.test_statistics_subscription import log


@strawberry.enum
class Kind(enum.Enum):
    ONE = "one"
    TWO = "two"


@strawberry.type
class Item:
    name: str
    count: int
    share: float | None
    kind: Kind
    flag: bool


@strawberry.type
class Query:
    @strawberry.field
    def items(self, bad: int = 0) -> list[Item]:
        found = [
            Item(name="a", count=3, share=12.5, kind=Kind.ONE, flag=True),
            Item(name="b", count=0, share=None, kind=Kind.TWO, flag=False),
        ]
        if bad == 1:  # a null where the schema says never
            found.append(Item(name="c", count=None, share=1.0, kind=Kind.ONE, flag=True))  # type: ignore[arg-type]
        if bad == 2:  # an Int beyond 32 bits
            found.append(Item(name="d", count=2**40, share=1.0, kind=Kind.ONE, flag=True))
        if bad == 3:  # a value its enum does not have
            found.append(Item(name="e", count=1, share=1.0, kind="three", flag=True))  # type: ignore[arg-type]
        return found


DOCUMENTS = [
    "{ items { name count share kind flag } }",
    "{ items { __typename n: name c: count count } }",
    "query ($all: Boolean!) { items { name share @include(if: $all) kind @skip(if: $all) } }",
    "{ items { ...parts name } } fragment parts on Item { count kind }",
    "{ items(bad: 1) { name count } }",
    "{ items(bad: 2) { name count } }",
    "{ items(bad: 3) { name kind } }",
]


def answered(execution_context_class: type[Any], document: str) -> tuple[Any, list[Any]]:
    schema = strawberry.Schema(query=Query, execution_context_class=execution_context_class)
    result = schema.execute_sync(document, variable_values={"all": True})
    return result.data, [error.formatted for error in result.errors or []]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_plain_objects_complete_as_graphql_core_does(document: str) -> None:
    assert answered(SharingExecutionContext, document) == answered(
        StrawberryGraphQLCoreExecutionContext, document
    )


def test_statistics_and_search_answer_the_same_either_way(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready(container)
    search = (
        '{ searchServices(text: "alimentaire", first: 5) { __typename ... on SearchConnection'
        " { totalCount edges { cursor node { name { fr en } active } }"
        " facets { languages { value count } territories { value count } } } } }"
    )
    asked = [
        (QUERY, PERIOD, "analyst-token"),
        (QUERY, {**PERIOD, "language": "EN"}, "auditor-token"),
        (QUERY, PERIOD, None),  # the public: refused figures of so few contacts
        (search, {}, None),
    ]
    with TestClient(create_app(container)) as client:
        for index in range(3):
            log(client, index)
        caught_up(container)

        def answers() -> list[Any]:
            return [
                client.post(
                    "/graphql", json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"} if token else {},
                ).json()
                for query, variables, token in asked
            ]  # fmt: skip

        lean = answers()
        monkeypatch.setattr(
            SharingExecutionContext, "execute_collected_subfields",
            StrawberryGraphQLCoreExecutionContext.execute_collected_subfields,
        )  # fmt: skip
        assert answers() == lean
    assert lean[0]["data"]["statistics"]["contacts"]["value"] == 3
    assert lean[3]["data"]["searchServices"]["totalCount"] > 0
