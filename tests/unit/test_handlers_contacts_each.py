"""Contacts sent together by several callers (`ContactHandler.record_each`, the contact
writer's way) are each answered as `record` answers one alone: the same receipts, the same
refusals naming the same fields, the same facts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import UUID

from domain.errors import InvalidInput
from domain.handlers.contacts import ContactHandler, RecordContact, Recording
from domain.interactions import ContactNeed, Inquirer, InquirerType, Interaction
from domain.operations import Logged
from infra.contacts import ContactSaver
from tests.unit.test_handlers_contacts import AT, LAVAL, Directory, contact


def outcome(call: object, *args: object, **kwargs: object) -> object:
    assert callable(call)
    try:
        result = call(*args, **kwargs)
    except InvalidInput as refusal:
        return ("refused", refusal.field, refusal.message)
    assert isinstance(result, Logged)
    return ("logged", result.receipt.id, result.receipt.version, result.replayed)


def answered(result: Logged | Exception) -> object:
    if isinstance(result, InvalidInput):
        return ("refused", result.field, result.message)
    assert isinstance(result, Logged), result
    return ("logged", result.receipt.id, result.receipt.version, result.replayed)


def commands(services: list[UUID]) -> list[tuple[RecordContact, str]]:
    active, other, closed = services
    nowhere = Inquirer(InquirerType.SELF, territory="99999")
    first = contact(ContactNeed("BD", (active, other)), key="a")
    return [
        (first, "ana"),
        (contact(ContactNeed("BD", (active,)), key="b"), "bob"),
        (first, "ana"),  # the same key and content twice in the batch
        (dataclasses.replace(first, language="en"), "ana"),  # the key with other content
        (contact(ContactNeed("BD", (closed,)), key="c"), "bob"),
        (contact(key="d", inquirer=nowhere), "bob"),
        (contact(ContactNeed("BD", (other, active)), key="e", counsellor="eve"), "bob"),
    ]


def test_each_contact_of_a_batch_is_answered_as_alone() -> None:
    alone, together = Directory(), Directory()
    lists = []
    for given in (alone, together):
        ids = [given.service() for _ in range(3)]
        given.deactivate(ids[2])
        lists.append(commands(list(ids)))
    logged_before = lists[1][1][0]
    together.handler.record(logged_before, actor="bob", at=AT)  # a retry, below
    alone.handler.record(lists[0][1][0], actor="bob", at=AT)
    expected = [
        outcome(alone.handler.record, command, actor=actor, at=AT + timedelta(minutes=i))
        for i, (command, actor) in enumerate(lists[0])
    ]

    results = together.handler.record_each(
        [Recording(command, actor, AT + timedelta(minutes=i))
         for i, (command, actor) in enumerate(lists[1])]
    )  # fmt: skip

    # Ids of services differ between the stores, so refusals are compared by field, and
    # receipts by version and replay.
    def shape(answer: object) -> object:
        assert isinstance(answer, tuple)
        return (answer[0], answer[1]) if answer[0] == "refused" else (answer[0], *answer[2:])

    assert [shape(answered(r)) for r in results] == [shape(e) for e in expected]
    fields = [a[1] for a in expected if isinstance(a, tuple) and a[0] == "refused"]
    assert fields == ["input.key", "input.needs[0].referralServiceIds[0]",
                      "input.inquirer.territory"]  # fmt: skip
    logged = [r for r in results if isinstance(r, Logged) and not r.replayed]
    stored: Interaction = together.operations.repository.get(logged[-1].receipt.id)
    assert stored.counsellor == "eve"
    assert [r["service_name"] for r in stored.needs[0].referrals] == ["Popote roulante"] * 2
    assert stored.inquirer["territory"] == LAVAL


def test_an_empty_batch_and_a_batch_of_refusals_write_nothing() -> None:
    given = Directory()
    head = given.head()
    assert given.handler.record_each([]) == []
    refused = given.handler.record_each([Recording(contact(key="x" * 10_000), "ana", AT)])
    assert isinstance(refused[0], InvalidInput)
    assert given.head() == head


def test_the_handler_without_versions_reads_each_service_for_the_batch() -> None:
    given = Directory()
    handler = ContactHandler(given.operations, ContactSaver(given.operations))
    service = given.service()
    results = handler.record_each(
        [Recording(contact(ContactNeed("BD", (service,)), key=f"k-{i}"), "ana", AT)
         for i in range(3)]
    )  # fmt: skip
    assert all(isinstance(r, Logged) and not r.replayed for r in results)
