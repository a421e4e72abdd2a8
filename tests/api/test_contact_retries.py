"""A contact's writes through GraphQL against the truth of the log: a retry is answered by its
key whatever happened to the directory since, and a service is referred to as soon as it is
registered, whatever the projections' lag."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.api.test_interaction_steps import OPEN
from tests.api.test_interactions import CONTACTS, COUNSELLOR, RECORD, ROSEMONT, ready
from tests.api.test_record_life import mutate
from tests.api.test_services import FOOD_BANK, REGISTER_SERVICE, organization, write
from tests.support.graphql import GraphQLClient


async def record(graphql: GraphQLClient, document: dict[str, Any]) -> dict[str, Any]:
    data = await graphql.data(RECORD, {"input": document}, COUNSELLOR)
    result: dict[str, Any] = data["recordInteraction"]
    return result


async def test_a_retry_is_answered_after_its_service_was_closed(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    contact = CONTACTS[0]
    first = await record(graphql, contact.input())
    assert first["__typename"] == "InteractionReceipt", first
    service = contact.input()["needs"][0]["referralServiceIds"][0]
    closed = await mutate(graphql, "deactivateRecord",
                          {"id": service, "expectedVersion": 1, "reason": "fermé"})  # fmt: skip
    assert closed["__typename"] == "Receipt", closed
    for runner in container.select(["search"]):
        runner.bring_up_to_date()

    again = await record(graphql, contact.input())

    assert again["__typename"] == "InteractionReceipt", again
    assert (again["id"], again["replayed"]) == (first["id"], True)


async def test_a_retry_with_the_same_instants_at_another_offset_is_the_same_contact(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    contact = CONTACTS[0]
    first = await record(graphql, contact.input())
    assert first["__typename"] == "InteractionReceipt", first
    in_utc = contact.input()
    for name in ("startedAt", "answeredAt", "endedAt"):
        in_utc[name] = _utc(contact.input()[name])
    head = container.head()

    again = await record(graphql, in_utc)

    assert again["__typename"] == "InteractionReceipt", again
    assert (again["id"], again["replayed"]) == (first["id"], True)
    assert container.head() == head


def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def container(
    environ: dict[str, str], make_container: Callable[[dict[str, str]], Container]
) -> Container:
    # Projections run only when a test brings them up to date: a write must not wait on them.
    return make_container({**environ, "GUICHET_RUN_PROJECTIONS": "false"})


async def test_a_service_registered_a_moment_ago_can_be_referred_to(
    container: Container, graphql: GraphQLClient
) -> None:
    load_reference(container.operations, container.clock)
    owner = await organization(graphql)
    service = await write(graphql, REGISTER_SERVICE, {**FOOD_BANK, "organizationId": owner})
    assert service["__typename"] == "Receipt", service
    document = CONTACTS[0].input()
    document["needs"] = [{"code": "BD-1800.2000", "referralServiceIds": [service["id"]]}]

    logged = await record(graphql, document)

    assert logged["__typename"] == "InteractionReceipt", logged


async def test_a_retried_opening_is_answered_by_its_key(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    document = OPEN.replace("need }", "need replayed }")
    opening = {
        "key": "live-retry", "channel": "CHAT", "startedAt": "2026-03-02T09:00:00-05:00",
        "answeredAt": None, "language": "fr", "inquirer": {"type": "SELF", "territory": ROSEMONT},
    }  # fmt: skip

    async def open_(input: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = (await graphql.data(document, {"input": input}, COUNSELLOR))[
            "openInteraction"
        ]
        return result

    first = await open_(opening)
    head = container.head()
    again = await open_({**opening, "startedAt": "2026-03-02T14:00:00Z"})
    other = await open_({**opening, "language": "en"})

    assert (first["__typename"], first["replayed"]) == ("InteractionReceipt", False), first
    assert (again["id"], again["replayed"]) == (first["id"], True), again
    assert (other["__typename"], other["field"]) == ("InvalidInputError", "input.key")
    assert container.head() == head
