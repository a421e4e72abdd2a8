"""Auditors read the global log and any record's history, with field changes and actors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import project_aggregate

from domain.coverage import CoverageAgreement
from domain.directory import Organization
from domain.handlers.contacts import CorrectDisposition
from domain.handlers.coverage import CoverageHandler, RenameTerritory
from domain.handlers.directory import RenameOrganization
from domain.interactions import Disposition
from domain.territories import territory_id
from domain.values import LocalizedText
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.demo import load_demo
from infra.demo_calls import Plan, generate
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient
from tests.support.seed import register
from tests.support.typed import record_state

AUDITOR = "auditor-token"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

HISTORY = """
query ($id: ID!, $first: Int, $after: String, $p: Int) {
  history(id: $id, first: $first, after: $after, consistentWith: $p) {
    __typename
    ... on AuditPage { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes {
      position aggregateId version type actor occurredAt recordedAt reason
      changes { field before after } } }
    ... on Error { code message }
  }
}
"""

LOG = """
query ($from: DateTime, $to: DateTime, $actor: String, $types: [String!], $first: Int,
       $after: String, $p: Int) {
  auditLog(from: $from, to: $to, actor: $actor, types: $types, first: $first, after: $after,
           consistentWith: $p) {
    __typename
    ... on AuditPage { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes {
      position aggregateId type actor recordedAt fields } }
    ... on Error { code message }
  }
}
"""


def changes_of(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["before"], c["after"]) for c in entry["changes"]}


async def history(graphql: GraphQLClient, id: UUID, head: int, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = (
        await graphql.data(HISTORY, {"id": str(id), "p": head, **extra}, AUDITOR)
    )["history"]
    return found


@pytest.mark.asyncio
async def test_history_of_each_kind_of_record_gives_changes_actors_and_times(
    container: Container, graphql: GraphQLClient
) -> None:
    ops = container.operations
    load_reference(ops, SystemClock())
    # An organization registered, then renamed by someone else with a reason.
    org = register(ops, 1).id
    # Known to have happened before it was recorded, which no command says: saved as it is.
    organization: Organization = ops.repository.get(org)
    organization.rename(
        LocalizedText(fr="Accueil Laval", en="Laval Welcome"), reason="fusion", actor="rita",
        at=T0 + timedelta(days=1), occurred_at=T0 + timedelta(hours=20))  # fmt: skip
    ops.save(organization)
    # A territory renamed.
    laval = territory_id("65005")
    CoverageHandler(ops).rename(
        RenameTerritory("65005", "Ville de Laval", date(2026, 1, 1), "nom officiel"),
        actor="geo", at=T0)  # fmt: skip
    # A coverage agreement, then extended.
    agreement = CoverageAgreement.agree(
        uuid4(), ["65005"], ["phone"], date(2026, 1, 1), date(2026, 12, 31), "CISSS", None,
        None, actor="fin", at=T0)  # fmt: skip
    ops.save(agreement)
    agreement.extend(date(2027, 6, 30), "prolongé", actor="fin2", at=T0 + timedelta(days=2))
    ops.save(agreement)
    # A contact, then its disposition corrected.
    [contact] = generate(Plan(1, date(2026, 3, 1), date(2026, 3, 1)))
    ops.save(contact)
    head = container.contact_handler.change(
        CorrectDisposition(contact.id, Disposition.TEST, "formation"),
        actor="sup", at=T0 + timedelta(days=3),
    ).receipt.position  # fmt: skip

    org_history = await history(graphql, org, head)
    assert [e["type"] for e in org_history["nodes"]] == [
        "guichet.Organization.Registered", "guichet.Organization.Renamed"]  # fmt: skip
    renamed = org_history["nodes"][1]
    assert renamed["actor"] == "rita"
    assert renamed["reason"] == "fusion"
    assert renamed["version"] == 2
    assert datetime.fromisoformat(renamed["recordedAt"]) == T0 + timedelta(days=1)
    assert datetime.fromisoformat(renamed["occurredAt"]) == T0 + timedelta(hours=20)
    assert changes_of(renamed)["name"] == (
        {"fr": "Organisme 1", "en": "Organization 1"},
        {"fr": "Accueil Laval", "en": "Laval Welcome"},
    )
    assert changes_of(org_history["nodes"][0])["name"][0] is None  # nothing before creation

    territory = (await history(graphql, laval, head))["nodes"]
    assert territory[-1]["type"] == "guichet.Territory.Renamed"
    assert territory[-1]["actor"] == "geo"
    assert changes_of(territory[-1])["name"] == ("Laval", "Ville de Laval")

    extended = (await history(graphql, agreement.id, head))["nodes"][-1]
    assert extended["type"] == "guichet.CoverageAgreement.Extended"
    assert extended["actor"] == "fin2"
    assert changes_of(extended)["effective_until"] == ("2026-12-31", "2027-06-30")

    contact_history = (await history(graphql, contact.id, head))["nodes"]
    assert [e["type"] for e in contact_history] == [
        "guichet.Interaction.Logged", "guichet.Interaction.DispositionCorrected"]  # fmt: skip
    corrected = contact_history[1]
    assert corrected["actor"] == "sup"
    assert changes_of(corrected)["disposition"] == ("completed", "test")

    # Paged: one entry at a time, the values before still those of the earlier facts.
    first = await history(graphql, org, head, first=1)
    assert first["pageInfo"]["hasNextPage"] is True
    second = await history(graphql, org, head, first=1, after=first["pageInfo"]["endCursor"])
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["nodes"] == [renamed]

    missing = await history(graphql, uuid4(), head)
    assert missing["__typename"] == "NotFoundError"


@pytest.mark.asyncio
async def test_the_audit_log_filters_by_period_actor_and_kind_for_auditors_only(
    container: Container, graphql: GraphQLClient
) -> None:
    ops = container.operations
    ids = [register(ops, n, at=T0 + timedelta(days=n)).id for n in range(5)]
    for n, id in enumerate(ids[:2]):
        container.directory_handler.rename_organization(
            RenameOrganization(id, 1, LocalizedText(fr=f"Nouveau {n}", en=f"New {n}")),
            actor="rita", at=T0 + timedelta(days=10 + n),
        )  # fmt: skip
    head = container.head()

    async def log(**variables: Any) -> dict[str, Any]:
        found: dict[str, Any] = (await graphql.data(LOG, {"p": head, **variables}, AUDITOR))[
            "auditLog"]  # fmt: skip
        return found

    everything = await log()
    assert [e["type"].rsplit(".", 1)[1] for e in everything["nodes"]] == (
        ["Registered"] * 5 + ["Renamed"] * 2)  # fmt: skip
    positions = [e["position"] for e in everything["nodes"]]
    assert positions == sorted(positions)

    by_rita = await log(actor="rita")
    assert [e["fields"]["name"]["fr"] for e in by_rita["nodes"]] == ["Nouveau 0", "Nouveau 1"]
    period = await log(**{"from": (T0 + timedelta(days=1)).isoformat(),
                          "to": (T0 + timedelta(days=3)).isoformat()})  # fmt: skip
    assert len(period["nodes"]) == 2  # days 1 and 2; `to` is excluded
    assert len((await log(types=["guichet.Organization.Renamed"]))["nodes"]) == 2
    assert len((await log(types=["guichet.Organization"]))["nodes"]) == 7
    assert (await log(types=["guichet.Service"]))["nodes"] == []

    page = await log(first=3)
    rest = await log(first=10, after=page["pageInfo"]["endCursor"])
    assert page["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False
    assert (page["pageInfo"]["hasPreviousPage"], rest["pageInfo"]["hasPreviousPage"]) == (
        False, True)  # fmt: skip
    assert page["nodes"] + rest["nodes"] == everything["nodes"]
    assert page["totalCount"] == rest["totalCount"] == 7

    bad = await log(**{"from": T0.isoformat(), "to": T0.isoformat()})
    assert bad["__typename"] == "InvalidInputError"
    for token in ("counsellor-token", "analyst-token", None):
        refused = (await graphql.data(LOG, {}, token))["auditLog"]
        assert refused["__typename"] == "NotAuthorizedError"
        refused = (await graphql.data(HISTORY, {"id": str(ids[0])}, token))["history"]
        assert refused["__typename"] == "NotAuthorizedError"


AS_OF = """
query ($id: ID!, $at: DateTime!, $by: TimeAxis, $p: Int) {
  asOf(id: $id, at: $at, by: $by, consistentWith: $p) {
    __typename
    ... on PastRecord { kind version lastRecordedAt state }
    ... on Error { code message }
  }
}
"""


@pytest.mark.asyncio
async def test_as_of_gives_each_kind_of_record_as_it_stood(
    container: Container, graphql: GraphQLClient
) -> None:
    ops = container.operations
    load_reference(ops, SystemClock())
    org = register(ops, 1).id  # recorded at T0
    organization: Organization = ops.repository.get(org)
    organization.rename(
        LocalizedText(fr="Accueil Laval", en="Laval Welcome"), reason=None, actor="rita",
        at=T0 + timedelta(days=2), occurred_at=T0 + timedelta(hours=1))  # fmt: skip
    ops.save(organization)
    agreement = CoverageAgreement.agree(
        uuid4(), ["65005"], ["phone"], date(2026, 1, 1), date(2026, 12, 31), "CISSS", None,
        None, actor="fin", at=T0)  # fmt: skip
    ops.save(agreement)
    agreement.extend(date(2027, 6, 30), None, actor="fin", at=T0 + timedelta(days=2))
    ops.save(agreement)
    [contact] = generate(Plan(1, date(2026, 3, 1), date(2026, 3, 1)))
    logged_at = contact.modified_on
    ops.save(contact)
    container.contact_handler.change(
        CorrectDisposition(contact.id, Disposition.TEST, "formation"),
        actor="sup", at=logged_at + timedelta(days=5),
    )  # fmt: skip
    head = container.head()

    async def as_of(id: UUID, at: datetime, by: str = "RECORDED") -> dict[str, Any]:
        variables = {"id": str(id), "at": at.isoformat(), "by": by, "p": head}
        found: dict[str, Any] = (await graphql.data(AS_OF, variables, AUDITOR))["asOf"]
        return found

    before = await as_of(org, T0 + timedelta(days=1))
    assert before["kind"] == "Organization"
    assert before["version"] == 1
    assert before["state"]["name"] == {"fr": "Organisme 1", "en": "Organization 1"}
    after = await as_of(org, T0 + timedelta(days=3))
    assert after["version"] == 2
    assert after["state"]["name"]["fr"] == "Accueil Laval"
    # By business time the renaming took effect an hour after registration.
    business = await as_of(org, T0 + timedelta(hours=2), "BUSINESS")
    assert business["state"]["name"]["fr"] == "Accueil Laval"

    assert (await as_of(agreement.id, T0 + timedelta(days=1)))["state"]["effective_until"] == (
        "2026-12-31")  # fmt: skip
    assert (await as_of(agreement.id, T0 + timedelta(days=3)))["state"]["effective_until"] == (
        "2027-06-30")  # fmt: skip
    assert (await as_of(contact.id, logged_at + timedelta(days=1)))["state"]["disposition"] == (
        "completed")  # fmt: skip
    assert (await as_of(contact.id, logged_at + timedelta(days=6)))["state"]["disposition"] == (
        "test")  # fmt: skip
    laval = await as_of(territory_id("65005"), datetime.now(UTC))
    assert laval["kind"] == "Territory"
    assert laval["state"]["name"] == "Laval"

    too_early = await as_of(org, T0 - timedelta(days=1))
    assert too_early["__typename"] == "NotFoundError"
    refused = (await graphql.data(AS_OF, {"id": str(org), "at": T0.isoformat()},
                                  "editor-token"))["asOf"]  # fmt: skip
    assert refused["__typename"] == "NotAuthorizedError"


KINDS = ["Organization", "Service", "Location", "ServiceAtLocation", "Territory",
         "CoverageAgreement", "Interaction"]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KINDS)
async def test_every_kind_of_record_has_a_log_a_history_and_a_past(
    container: Container, graphql: GraphQLClient, kind: str
) -> None:
    ops = container.operations
    clock = SystemClock()
    load_reference(ops, clock)
    load_demo(container.directory_handler, clock.now())
    ops.save(CoverageAgreement.agree(
        uuid4(), ["65005"], ["phone"], date(2026, 1, 1), None, "CISSS", None, None,
        actor="fin", at=clock.now()))  # fmt: skip
    ops.save(next(iter(generate(Plan(1, date(2026, 3, 1), date(2026, 3, 1))))))
    head = container.head()

    log = (await graphql.data(LOG, {"types": [f"guichet.{kind}"], "first": 5, "p": head},
                              AUDITOR))["auditLog"]  # fmt: skip
    assert log["nodes"], f"no {kind} in the log"
    assert all(e["type"].startswith(f"guichet.{kind}.") for e in log["nodes"])
    assert all(e["actor"] for e in log["nodes"])
    first = log["nodes"][0]
    id = first["aggregateId"]
    entries = (await graphql.data(HISTORY, {"id": id, "p": head}, AUDITOR))["history"]["nodes"]
    assert entries[0]["type"] == first["type"]
    assert entries[0]["actor"] == first["actor"]
    assert entries[0]["changes"], "a record's first fact sets its fields"
    assert all(c["before"] is None for c in entries[0]["changes"])
    variables = {"id": id, "at": clock.now().isoformat(), "p": head}
    past = (await graphql.data(AS_OF, variables, AUDITOR))["asOf"]
    assert past["kind"] == kind
    assert past["version"] == len(entries)
    assert past["state"]
    # The same past, read back from a snapshot of it instead of its facts.
    ops.take_snapshot(UUID(id), version=past["version"])
    assert ops.snapshots is not None
    assert [s.originator_version for s in ops.snapshots.get(UUID(id))] == [past["version"]]
    assert (await graphql.data(AS_OF, variables, AUDITOR))["asOf"] == past
    replayed = project_aggregate(None, ops.events.get(UUID(id)))
    assert record_state(ops.repository.get(UUID(id))) == record_state(replayed)
