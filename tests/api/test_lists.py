"""The directory's lists and the one pagination convention, through real GraphQL over HTTP."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.directory import VerificationMethod
from domain.handlers.directory import (
    DeactivateRecord,
    FlagRecordForReview,
    MergeRecord,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    RenameOrganization,
    VerifyRecord,
)
from domain.values import Address, LocalizedText
from infra.bootstrap import Container
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient

EDITOR = "editor-token"
T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)  # two years before the records changed later
T1 = datetime.now(UTC) - timedelta(hours=2)  # this year, but for two hours after midnight

FILTERS = """
$status: [RecordStatus!], $verification: VerificationState, $since: DateTime,
$territory: String, $first: Int! = 50, $after: String, $p: Int
"""
ARGUMENTS = """
status: $status, verification: $verification, modifiedSince: $since, territory: $territory,
first: $first, after: $after, consistentWith: $p
"""
PAGE = """
__typename
... on %s {
  totalCount
  edges { cursor node { id name { fr } } }
  nodes { id name { fr } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
}
... on Error { code message }
... on InvalidInputError { field }
"""


def document(field: str, connection: str, owner: bool = True) -> str:
    by_owner = (", $owner: ID", ", organizationId: $owner") if owner else ("", "")
    return (
        f"query ({FILTERS}{by_owner[0]}) {{ {field}({ARGUMENTS}{by_owner[1]}) "
        f"{{ {PAGE % connection} }} }}"
    )


ORGANIZATIONS = document("organizations", "OrganizationConnection", owner=False)
SERVICES = document("services", "ServiceConnection")
LOCATIONS = document("locations", "LocationConnection")
DOCUMENTS = {"organizations": ORGANIZATIONS, "services": SERVICES, "locations": LOCATIONS}


@dataclass
class Directory:
    ids: dict[str, UUID]
    head: int


def _text(fr: str) -> LocalizedText:
    return LocalizedText(fr=fr, en="")


@pytest.fixture
def directory(container: Container) -> Directory:
    """Organizations, services and locations in Laval and Montréal, some closed, merged,
    flagged, verified or changed lately."""
    load_reference(container.operations, container.clock)
    handler, ids = container.directory_handler, {}
    for key, name in (("centre", "Centre de Laval"), ("banque", "Banque de Montréal"),
                      ("ferme", "Cercle fermé"), ("doublon", "Doublon du centre")):  # fmt: skip
        ids[key] = uuid4()
        handler.register_organization(RegisterOrganization(ids[key], _text(name)), actor="t", at=T0)
    services = (("aide", "centre", "Aide à Laval", "65005"),
                ("repas", "banque", "Repas d'Anjou", "ARR-66023-anjou"),
                ("soutien", "banque", "Soutien régional", "RA-06"),
                ("clos", "ferme", "Service du cercle", "65005"),
                ("ancien", "centre", "Ancien atelier", "65005"))  # fmt: skip
    for key, owner, name, area in services:
        ids[key] = uuid4()
        handler.register_service(
            RegisterService(ids[key], ids[owner], _text(name), service_areas=(area,)),
            actor="t", at=T0,
        )  # fmt: skip
    for key, owner, name, city in (("chomedey", "centre", "Point Chomedey", "Laval"),
                                   ("plateau", "banque", "Comptoir Plateau", "Montréal"),
                                   ("anjou", "banque", "Local d'Anjou", "Anjou"),
                                   ("enligne", "centre", "En ligne", None)):  # fmt: skip
        ids[key] = uuid4()
        address = Address("1 rue Principale", city, "H1A 1A1") if city else None
        handler.register_location(
            RegisterLocation(ids[key], ids[owner], _text(name), address=address),
            actor="t", at=T0,
        )  # fmt: skip
    handler.flag_record_for_review(
        FlagRecordForReview(ids["aide"], 1, "Numéro à confirmer"), actor="e", at=T1
    )
    verify = VerifyRecord(ids["chomedey"], 1, VerificationMethod.PHONE, "Mme Roy")
    handler.verify_record(verify, actor="e", at=T1)
    handler.deactivate_record(DeactivateRecord(ids["ancien"], 1, "Fermé"), actor="e", at=T1)
    handler.deactivate_record(DeactivateRecord(ids["ferme"], 1, "Fermé"), actor="e", at=T1)
    handler.merge_record(MergeRecord(ids["doublon"], 1, ids["centre"]), actor="e", at=T1)
    last = handler.rename_organization(
        RenameOrganization(ids["banque"], 1, _text("Banque alimentaire de Montréal")),
        actor="e", at=T1,
    )  # fmt: skip
    return Directory(ids, last.position)


async def listed(
    graphql: GraphQLClient, name: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    if token is None and variables.get("p"):
        await graphql.settle(variables["p"])  # the public's own `consistentWith` is not waited for
    data = await graphql.data(DOCUMENTS[name], variables, token)
    found: dict[str, Any] = data[name]
    return found


async def names(
    graphql: GraphQLClient, name: str, token: str | None = None, **variables: Any
) -> list[str]:
    found = await listed(graphql, name, token, **variables)
    assert found["__typename"].endswith("Connection"), found
    return [node["name"]["fr"] for node in found["nodes"]]


async def test_each_list_pages_through_every_record_once_in_name_order(
    graphql: GraphQLClient, directory: Directory
) -> None:
    for name in DOCUMENTS:
        whole = await listed(graphql, name, EDITOR, p=directory.head, status=["ACTIVE",
                             "INACTIVE", "MERGED"])  # fmt: skip
        seen: list[str] = []
        after = None
        for number in range(20):
            page = await listed(graphql, name, EDITOR, first=2, after=after,
                                status=["ACTIVE", "INACTIVE", "MERGED"])  # fmt: skip
            assert page["pageInfo"]["hasPreviousPage"] is (number > 0)
            assert page["nodes"] == [edge["node"] for edge in page["edges"]]
            assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
            assert page["totalCount"] == whole["totalCount"]
            seen += [node["id"] for node in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == [node["id"] for node in whole["nodes"]], name
        assert len(set(seen)) == len(seen) == whole["totalCount"] == len(directory_of(name))
    assert await names(graphql, "services", EDITOR, status=["ACTIVE", "INACTIVE"]) == [
        "Aide à Laval", "Ancien atelier", "Repas d'Anjou", "Service du cercle",
        "Soutien régional"]  # fmt: skip


async def test_page_info_tells_a_page_after_a_cursor_and_an_empty_one_by_relay_rules(
    graphql: GraphQLClient, directory: Directory
) -> None:
    for name in DOCUMENTS:
        first = await listed(graphql, name, EDITOR, p=directory.head, first=1)
        last = await listed(graphql, name, EDITOR, first=100)
        beyond = await listed(graphql, name, EDITOR, first=1,
                              after=last["pageInfo"]["endCursor"])  # fmt: skip

        cursors = [edge["cursor"] for edge in first["edges"]]
        assert first["pageInfo"] == {
            "hasNextPage": True, "hasPreviousPage": False,
            "startCursor": cursors[0], "endCursor": cursors[-1]}, name  # fmt: skip
        assert last["pageInfo"]["endCursor"] == last["edges"][-1]["cursor"], name
        # Forward only: a page asked for after a cursor has an item before it, even when empty.
        assert beyond["edges"] == beyond["nodes"] == [], name
        assert beyond["pageInfo"] == {
            "hasNextPage": False, "hasPreviousPage": True,
            "startCursor": None, "endCursor": None}, name  # fmt: skip


def directory_of(name: str) -> list[str]:
    return {
        "organizations": ["centre", "banque", "ferme", "doublon"],
        "services": ["aide", "repas", "soutien", "clos", "ancien"],
        "locations": ["chomedey", "plateau", "anjou", "enligne"],
    }[name]


async def test_the_public_sees_records_in_service_only(
    graphql: GraphQLClient, directory: Directory
) -> None:
    head = directory.head
    assert await names(graphql, "organizations", p=head) == [
        "Banque alimentaire de Montréal", "Centre de Laval"]  # fmt: skip
    # The closed circle's service is active itself, but its organization is not.
    assert await names(graphql, "services", p=head) == [
        "Aide à Laval", "Repas d'Anjou", "Soutien régional"]  # fmt: skip
    assert await names(graphql, "services", EDITOR) == await names(graphql, "services")
    for name in DOCUMENTS:
        for refused in ({"status": ["ACTIVE"]}, {"verification": "FLAGGED"}):
            found = await listed(graphql, name, **refused)
            assert found["__typename"] == "NotAuthorizedError", (name, refused)
    assert await names(graphql, "organizations", EDITOR, status=["MERGED"]) == [
        "Doublon du centre"]  # fmt: skip
    assert await names(graphql, "services", EDITOR, status=["INACTIVE"]) == ["Ancien atelier"]


async def test_lists_filter_by_territory_above_and_below(
    graphql: GraphQLClient, directory: Directory
) -> None:
    for name in DOCUMENTS:
        await listed(graphql, name, p=directory.head)
    # Anjou lies in Montréal; the region RA-06 holds it.
    assert await names(graphql, "services", territory="66023") == [
        "Repas d'Anjou", "Soutien régional"]  # fmt: skip
    assert await names(graphql, "services", territory="RA-13") == ["Aide à Laval"]
    assert await names(graphql, "services", territory="ARR-66023-anjou") == [
        "Repas d'Anjou", "Soutien régional"]  # fmt: skip
    assert await names(graphql, "locations", territory="66023") == [
        "Comptoir Plateau", "Local d'Anjou"]  # fmt: skip
    assert await names(graphql, "locations", territory="65005") == ["Point Chomedey"]
    assert await names(graphql, "organizations", territory="65005") == ["Centre de Laval"]
    assert await names(graphql, "organizations", territory="ARR-66023-anjou") == [
        "Banque alimentaire de Montréal"]  # fmt: skip
    unknown = await listed(graphql, "services", territory="00000")
    assert (unknown["__typename"], unknown["field"]) == ("InvalidInputError", "territory")


async def test_lists_filter_by_owner_change_and_annual_check(
    graphql: GraphQLClient, directory: Directory
) -> None:
    ids, head = directory.ids, directory.head
    centre = str(ids["centre"])
    assert await names(graphql, "services", owner=centre, p=head) == ["Aide à Laval"]
    assert await names(graphql, "locations", owner=centre, p=head) == [
        "En ligne", "Point Chomedey"]  # fmt: skip
    since = (T1 - timedelta(hours=1)).isoformat()
    # A merge changes the duplicate, not the record it merges into.
    assert await names(graphql, "organizations", since=since, p=head) == [
        "Banque alimentaire de Montréal"]  # fmt: skip
    assert await names(graphql, "services", since=since) == ["Aide à Laval"]
    assert await names(graphql, "locations", since=since) == ["Point Chomedey"]
    assert await names(graphql, "services", EDITOR, verification="FLAGGED") == ["Aide à Laval"]
    assert await names(graphql, "locations", EDITOR, verification="VERIFIED_THIS_YEAR") == [
        "Point Chomedey"]  # fmt: skip
    assert await names(graphql, "locations", EDITOR, verification="OVERDUE") == [
        "Comptoir Plateau", "En ligne", "Local d'Anjou"]  # fmt: skip
    assert await names(graphql, "organizations", EDITOR, verification="DUE") == []
    malformed = await listed(graphql, "services", owner="not-an-id")
    assert (malformed["__typename"], malformed["field"]) == ("InvalidInputError", "organizationId")


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


async def test_a_forged_cursor_or_page_is_refused_naming_the_argument(
    graphql: GraphQLClient, directory: Directory
) -> None:
    page = await listed(graphql, "services", first=1, p=directory.head)
    theirs = page["pageInfo"]["endCursor"]
    forged = ["garbage", "", "€€€", theirs + "x", theirs[:-2], "A" * 600,
              _cursor(["service", "x"]), _cursor(["service", 1, str(uuid4())]),
              _cursor(["organization", "aide", str(uuid4())]), _cursor({"a": 1})]  # fmt: skip
    for after in forged:
        found = await listed(graphql, "services", after=after)
        assert (found["__typename"], found["field"]) == ("InvalidInputError", "after"), after
    for wrong_list in ("organizations", "locations"):
        found = await listed(graphql, wrong_list, after=theirs)
        assert (found["__typename"], found["field"]) == ("InvalidInputError", "after")
    for first in (0, -1, 101):
        found = await listed(graphql, "services", first=first)
        assert (found["__typename"], found["field"]) == ("InvalidInputError", "first")
    assert (await listed(graphql, "services", after=theirs))["totalCount"] == 3


# Lists that are not connections, and why: each is a part of one answer, bounded by the domain
# or the reference and sized in `api.cost`, which a client reads whole.
NOT_PAGED = {
    # A record's own parts.
    "Service.phones": "a service's phones (at most 10)",
    "Service.serviceAreas": "a service's areas, as registered (bounded by the domain)",
    "Service.locations": "where one service is offered (at most 100)",
    "Service.categories": "the named terms of a service's codes (bounded by the domain)",
    "ScheduleType.hours": "a week's opening hours",
    "Territory.ancestors": "the places above one place (at most 8)",
    "Interaction.needs": "one contact's needs (bounded by the domain)",
    "Interaction.followUps": "one contact's follow-ups",
    "Interaction.corrections": "one contact's corrections",
    "NeedRecord.referrals": "one need's referrals (bounded by the domain)",
    "AuditEntry.changes": "the fields one fact changed",
    # One answer's figures: a table, a series or a diff means something only whole.
    "Coverage.agreements": "the agreements covering one place on one day",
    "CoverageInterval.agreements": "the agreements of one interval",
    "CoverageTimeline.intervals": "one place's coverage periods",
    "CoveredTerritories.totals": "one total per kind of place (7)",
    "PopulationSeries.points": "a series over a period (at most 400 points)",
    "SearchFacets.categories": "a search's facet counts",
    "SearchFacets.languages": "a search's facet counts",
    "SearchFacets.territories": "a search's facet counts",
    **{
        f"Statistics.{table}": "a table of the annual report"
        for table in (
            "byChannel",
            "byMonth",
            "byLanguage",
            "byGender",
            "byAgeBand",
            "byInquirerType",
            "byRegion",
            "topPlaces",
            "byNeedCategory",
            "topNeeds",
            "topUnmetNeeds",
            "unmetReasons",
            "unmetNeedReasons",
            "topReferralOrganizations",
        )
    },
    # Fixed-size answers.
    "Query.autocomplete": "at most 20 suggestions for what is being typed",
    "Projections.statuses": "one status per projection",
}
INTROSPECTION = """
{ __schema { types { kind name possibleTypes { name } fields { name
    args { name defaultValue type { kind name ofType { kind name } } }
    type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
"""


def _printed(kind: dict[str, Any]) -> str:
    """A field's or argument's type as SDL writes it: `[Edge!]!`, `String`."""
    if kind["kind"] == "NON_NULL":
        return f"{_printed(kind['ofType'])}!"
    if kind["kind"] == "LIST":
        return f"[{_printed(kind['ofType'])}]"
    return str(kind["name"])


def _unwrapped(kind: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Whether a field's type is a list, and its named type."""
    listed = False
    while kind["kind"] in ("NON_NULL", "LIST"):
        listed = listed or kind["kind"] == "LIST"
        kind = kind["ofType"]
    return listed, kind


async def test_every_list_of_the_schema_is_a_relay_connection(graphql: GraphQLClient) -> None:
    types = {t["name"]: t for t in (await graphql.data(INTROSPECTION))["__schema"]["types"]}
    fields = {
        name: {field["name"]: field for field in kind["fields"] or ()}
        for name, kind in types.items()
        if not name.startswith("__")
    }
    members = {name: [m["name"] for m in kind.get("possibleTypes") or ()] for name, kind in
               types.items()}  # fmt: skip
    connections = {
        name
        for name, own in fields.items()
        if {"edges", "nodes", "totalCount", "pageInfo"} <= set(own)
    }
    assert {
        "OrganizationConnection",
        "AuditPage",
        "SearchConnection",
        "TerritoryList",
    } <= connections
    # Relay's connection spec, on every connection whatever its name: the schema linter's Relay
    # rules only look at types named `…Connection` and at fields that return one directly.
    assert {name: _printed(field["type"]) for name, field in fields["PageInfo"].items()} == {
        "hasNextPage": "Boolean!", "hasPreviousPage": "Boolean!",
        "startCursor": "String", "endCursor": "String"}  # fmt: skip
    for connection in connections:
        own = fields[connection]
        assert _printed(own["pageInfo"]["type"]) == "PageInfo!", connection
        assert _printed(own["totalCount"]["type"]) == "Int!", connection
        edge = _unwrapped(own["edges"]["type"])[1]["name"]
        assert _printed(own["edges"]["type"]) == f"[{edge}!]!", connection
        assert _printed(fields[edge]["cursor"]["type"]) == "String!", edge
        node = _printed(fields[edge]["node"]["type"])
        assert _printed(own["nodes"]["type"]) == f"[{node}]!", connection

    unpaged, pages = [], set()
    for owner, own in fields.items():
        for name, field in own.items():
            listed, named = _unwrapped(field["type"])
            if owner in connections and name in ("edges", "nodes"):
                continue
            if listed and types[named["name"]]["kind"] in ("OBJECT", "INTERFACE", "UNION"):
                unpaged.append(f"{owner}.{name}")
            results = {named["name"], *members.get(named["name"], ())} if named["name"] else set()
            if results & connections:
                pages.add(f"{owner}.{name}")
                arguments = {arg["name"]: arg for arg in field["args"]}
                assert "first" in arguments, name
                assert _unwrapped(arguments["first"]["type"])[1]["name"] == "Int", name
                assert arguments["first"]["defaultValue"], name
                assert _printed(arguments["after"]["type"]) == "String", name
    assert sorted(set(unpaged) - set(NOT_PAGED)) == [], "lists that are not connections"
    assert sorted(set(NOT_PAGED) - set(unpaged)) == [], "allowed lists the schema no longer has"
    assert {
        "Query.organizations",
        "Query.services",
        "Query.locations",
        "Query.searchServices",
        "Query.interactions",
        "Query.auditLog",
        "Query.history",
        "Query.recordHistory",
        "Query.verificationQueue",
        "Query.territories",
        "Query.coveredTerritories",
    } <= pages


PLACES = """
query ($after: String) {
  territories(kind: MUNICIPALITY, within: "CMM", first: 10, after: $after) {
    ... on TerritoryList { totalCount population nodes { code population }
                           pageInfo { hasNextPage hasPreviousPage endCursor } }
  }
}
"""


async def test_a_list_computed_whole_pages_the_same_way(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    await graphql.data(
        'query ($p: Int) { territory(code: "CMM", consistentWith: $p) { __typename } }',
        {"p": container.head()},
        "analyst-token",
    )
    seen: list[str] = []
    after, population = None, 0
    while True:
        page = (await graphql.data(PLACES, {"after": after}))["territories"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [place["code"] for place in page["nodes"]]
        population += sum(place["population"] or 0 for place in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(set(seen))
    assert len(seen) == page["totalCount"] == 82
    assert population == page["population"]  # of the whole list, on every page


FLAGGED = """
query ($p: Int) {
  organizations(verification: FLAGGED, consistentWith: $p) {
    ... on OrganizationConnection { nodes { id flaggedReason } }
  }
  services(verification: FLAGGED, consistentWith: $p) {
    ... on ServiceConnection { nodes { id flaggedReason } }
  }
  locations(verification: FLAGGED, consistentWith: $p) {
    ... on LocationConnection { nodes { id flaggedReason } }
  }
  verificationQueue(state: FLAGGED, consistentWith: $p) {
    ... on VerificationList { nodes { id kind flaggedReason } }
  }
}
"""
READ = """
query ($service: ID!, $location: ID!) {
  service(id: $service) { ... on Service { flaggedReason } }
  location(id: $location) { ... on Location { flaggedReason } }
}
"""


async def test_editors_see_why_a_record_was_flagged_wherever_it_is_listed(
    graphql: GraphQLClient, directory: Directory, container: Container
) -> None:
    ids, handler = directory.ids, container.directory_handler
    handler.flag_record_for_review(
        FlagRecordForReview(ids["plateau"], 1, "Adresse déménagée ?"), actor="e", at=T1
    )
    last = handler.flag_record_for_review(
        FlagRecordForReview(ids["banque"], 2, "Site web mort"), actor="e", at=T1
    )
    found = await graphql.data(FLAGGED, {"p": last.position}, EDITOR)
    reasons = {
        name: {node["id"]: node["flaggedReason"] for node in found[name]["nodes"]}
        for name in ("organizations", "services", "locations", "verificationQueue")
    }
    assert reasons["organizations"] == {str(ids["banque"]): "Site web mort"}
    assert reasons["services"] == {str(ids["aide"]): "Numéro à confirmer"}
    assert reasons["locations"] == {str(ids["plateau"]): "Adresse déménagée ?"}
    assert reasons["verificationQueue"] == {
        str(ids["banque"]): "Site web mort", str(ids["aide"]): "Numéro à confirmer",
        str(ids["plateau"]): "Adresse déménagée ?",
    }  # fmt: skip
    variables = {"service": str(ids["aide"]), "location": str(ids["plateau"])}
    editor = await graphql.data(READ, variables, EDITOR)
    assert editor["service"]["flaggedReason"] == "Numéro à confirmer"
    assert editor["location"]["flaggedReason"] == "Adresse déménagée ?"
    public = (await graphql.post(READ, variables)).json()
    assert public["data"]["service"]["flaggedReason"] is None
    assert public["data"]["location"]["flaggedReason"] is None
