"""Stored payloads of every event version still load: renames and field changes need upcasters."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.catalog import AGGREGATES, event_classes
from domain.directory import Organization
from domain.operations import Operations
from domain.territories import Territory
from domain.values import LocalizedText

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "events.json").read_text())


@pytest.fixture(scope="module")
def operations() -> Operations:
    return Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def load(operations: Operations, entry: dict[str, Any]) -> Any:
    stored = StoredEvent(
        originator_id=UUID(entry["originator_id"]),
        originator_version=entry["originator_version"],
        topic=entry["topic"],
        state=json.dumps(entry["state"]).encode(),
    )
    return operations.mapper.to_domain_event(stored)


def test_every_event_class_has_an_explicit_registered_topic() -> None:
    for cls in event_classes():
        topic = cls.__dict__.get("TOPIC")
        assert topic, f"{cls.__qualname__} has no TOPIC of its own"
        assert topic.startswith("guichet."), topic
        assert get_topic(cls) == topic
        assert resolve_topic(topic) is cls
    for aggregate in AGGREGATES:
        assert resolve_topic(aggregate.__dict__["TOPIC"]) is aggregate


def test_every_event_class_has_a_golden_payload() -> None:
    golden_topics = {entry["topic"] for entry in GOLDEN}
    missing = {get_topic(cls) for cls in event_classes()} - golden_topics
    assert not missing, f"add stored examples of {sorted(missing)} to tests/golden/events.json"


def test_golden_payloads_load_into_today_s_classes(operations: Operations) -> None:
    registered, renamed = (load(operations, entry) for entry in GOLDEN[:2])

    assert isinstance(registered, Organization.Registered)
    assert registered.name == LocalizedText("Centre d'entraide", "Mutual Aid Centre")
    assert registered.actor == "edith"
    assert registered.occurred_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert isinstance(renamed, Organization.Renamed)
    assert renamed.reason == "Nouveau nom légal"

    organization = renamed.mutate(registered.mutate(None))
    assert isinstance(organization, Organization)
    assert organization.name == LocalizedText("Entraide Laval", "Laval Mutual Aid")
    assert organization.version == 2


def test_a_golden_territory_loads(operations: Operations) -> None:
    [defined] = (load(operations, e) for e in GOLDEN if e["topic"] == "guichet.Territory.Defined")
    assert isinstance(defined, Territory.Defined)
    territory = defined.mutate(None)
    assert isinstance(territory, Territory)
    assert (territory.code, territory.kind, territory.groupings) == (
        "65005",
        "municipality",
        ["CMM"],
    )


def test_today_s_classes_write_the_golden_payloads(operations: Operations) -> None:
    for entry in GOLDEN:
        stored = operations.mapper.to_stored_event(load(operations, entry))
        assert stored.topic == entry["topic"]
        assert json.loads(stored.state) == entry["state"]


def test_golden_contacts_load_and_replay(operations: Operations) -> None:
    from domain.interactions import Disposition, Interaction

    entries = [e for e in GOLDEN if e["topic"].startswith("guichet.Interaction.")]
    by_contact: dict[str, list[Any]] = {}
    for entry in entries:
        by_contact.setdefault(entry["originator_id"], []).append(load(operations, entry))
    contacts = {contact.key: contact for contact in map(_replay, by_contact.values())}
    logged, opened = contacts["golden-logged"], contacts["golden-opened"]
    assert isinstance(logged, Interaction)
    assert logged.key == "golden-logged"
    assert logged.inquirer["type"] == "third_party"
    assert logged.disposition is Disposition.TEST
    assert [need.withdrawn for need in logged.needs] == [False, True]
    assert logged.needs[0].referrals[0]["service_name"] == "Popote roulante"
    assert logged.follow_ups[0]["done"]["outcome"] == "Service obtenu"
    assert opened.key == "golden-opened"
    assert [need.code for need in opened.needs] == ["BD-1800.2000", "PH-7000"]
    assert opened.needs[1].unmet == {"reason": "cost_too_high", "reasons_version": 1,
                                     "note": "Trop cher"}  # fmt: skip
    assert opened.disposition is Disposition.COMPLETED


def _replay(events: list[Any]) -> Any:
    aggregate = None
    for event in sorted(events, key=lambda e: e.originator_version):
        aggregate = event.mutate(aggregate)
    return aggregate
