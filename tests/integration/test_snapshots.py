"""Snapshots every hundred versions: a past state read from the nearest one and the facts after
it is the state its facts alone give."""

from __future__ import annotations

from datetime import timedelta

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate

from domain.directory import Organization
from domain.handlers.directory import RenameOrganization
from domain.snapshots import INTERVAL, Snapshot
from domain.values import LocalizedText
from infra.audit_replay import state_of
from infra.bootstrap import Container
from tests.support.seed import AT, register
from tests.support.typed import record_state

VERSIONS = INTERVAL * 2 + 20


def renamed(container: Container, versions: int) -> Organization:
    ops = container.operations
    id = register(ops, 0).id
    for n in range(1, versions):
        container.directory_handler.rename_organization(
            RenameOrganization(id, n, LocalizedText(fr=f"Organisme {n}", en=f"Organization {n}")),
            actor=f"editor-{n % 3}", at=AT + timedelta(hours=n),
        )  # fmt: skip
    organization: Organization = ops.repository.get(id)
    return organization


def from_facts_alone(container: Container, organization: Organization, version: int) -> Aggregate:
    found: Aggregate | None = project_aggregate(
        None, container.operations.events.get(organization.id, lte=version))  # fmt: skip
    assert found is not None
    return found


def test_a_record_is_snapshotted_each_hundred_versions_dated_by_its_last_fact(
    container: Container,
) -> None:
    organization = renamed(container, VERSIONS)
    snapshots = container.operations.snapshots
    assert snapshots is not None
    taken = list(snapshots.get(organization.id))
    assert [s.originator_version for s in taken] == [INTERVAL, 2 * INTERVAL]
    assert all(isinstance(s, Snapshot) for s in taken)
    first = taken[0]
    assert isinstance(first, Snapshot)
    assert first.timestamp == AT + timedelta(hours=INTERVAL - 1)


def test_past_states_from_snapshots_equal_those_from_the_facts_alone(
    container: Container,
) -> None:
    organization = renamed(container, VERSIONS)
    repository = container.operations.repository
    for version in (1, INTERVAL - 1, INTERVAL, INTERVAL + 1, 2 * INTERVAL + 7, VERSIONS):
        past: Aggregate = repository.get(organization.id, version=version)
        assert past.version == version
        assert record_state(past) == record_state(
            from_facts_alone(container, organization, version)
        )
    assert state_of(repository.get(organization.id, version=INTERVAL + 1))["name"] == {
        "fr": f"Organisme {INTERVAL}", "en": f"Organization {INTERVAL}"}  # fmt: skip
