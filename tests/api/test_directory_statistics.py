"""`directoryStatistics`: the annual report's directory figures for any period, from records
registered, amended, verified and deactivated at known times through the directory handler."""

from __future__ import annotations

import csv
import subprocess
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.handlers.directory import (
    AmendService,
    DeactivateRecord,
    LinkServiceToLocation,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    RenameOrganization,
    VerifyRecord,
)
from domain.records import VerificationMethod
from domain.values import LocalizedText, Phone
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.territories import load_reference
from tests.e2e.test_command import GUICHET, clean_env
from tests.support.graphql import GraphQLClient

MONTREAL = ZoneInfo("America/Montreal")
FIGURES = (
    "kind active added { count share } updated { count share } verified { count share } deactivated"
)
QUERY = f"""
query ($from: Date!, $to: Date!, $territory: String, $p: Int) {{
  directoryStatistics(from: $from, to: $to, territory: $territory, consistentWith: $p) {{
    __typename
    ... on DirectoryStatistics {{
      from to timezone territory position
      organizations {{ {FIGURES} }} services {{ {FIGURES} }} locations {{ {FIGURES} }}
    }}
    ... on Error {{ code message }}
    ... on InvalidInputError {{ field }}
  }}
}}
"""


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    local = datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=MONTREAL)
    return local.astimezone(UTC)


def text(name: str) -> LocalizedText:
    return LocalizedText(fr=name, en=name)


class Directory:
    """Writes facts at the times given, as an editor would, and keeps the last position."""

    def __init__(self, container: Container) -> None:
        self.handler = container.directory_handler
        self.versions: dict[UUID, int] = {}
        self.position = 0

    def done(self, receipt: Any) -> UUID:
        self.versions[receipt.id] = receipt.version
        self.position = max(self.position, receipt.position)
        return UUID(str(receipt.id))

    def organization(self, name: str, day: str) -> UUID:
        command = RegisterOrganization(uuid4(), text(name))
        return self.done(self.handler.register_organization(command, actor="ed", at=at(day)))

    def service(self, owner: UUID, name: str, area: str, day: str) -> UUID:
        command = RegisterService(uuid4(), owner, text(name), service_areas=(area,))
        return self.done(self.handler.register_service(command, actor="ed", at=at(day)))

    def location(self, owner: UUID, service: UUID, day: str) -> UUID:
        place = self.done(
            self.handler.register_location(
                RegisterLocation(uuid4(), owner, text("En ligne")), actor="ed", at=at(day)
            )
        )
        link = LinkServiceToLocation(service, place)
        self.position = self.handler.link_service_to_location(link, actor="ed", at=at(day)).position
        return place

    def amend_phones(self, id: UUID, day: str) -> None:
        command = AmendService(id, self.versions[id], phones=(Phone("5145550000"),))
        self.done(self.handler.amend_service(command, actor="import", at=at(day)))

    def rename(self, id: UUID, name: str, day: str) -> None:
        command = RenameOrganization(id, self.versions[id], text(name))
        self.done(self.handler.rename_organization(command, actor="ed", at=at(day)))

    def verify(self, id: UUID, day: str) -> None:
        command = VerifyRecord(id, self.versions[id], VerificationMethod.PHONE, "directrice")
        self.done(self.handler.verify_record(command, actor="ed", at=at(day)))

    def deactivate(self, id: UUID, moment: datetime) -> None:
        command = DeactivateRecord(id, self.versions[id], "fermé")
        self.done(self.handler.deactivate_record(command, actor="ed", at=moment))


@pytest.fixture
def directory(container: Container) -> Directory:
    """2017: C and its service S2 (Capitale-Nationale). 2018: A and its service S1 (Montréal)
    at a location, B; S2's phones change, A is verified (no change), C renamed, B deactivated
    late on 31 December, Montréal time. 2019: S1's phones change, C is verified."""
    load_reference(container.operations, SystemClock())
    d = Directory(container)
    c = d.organization("C", "2017-06-01")
    s2 = d.service(c, "S2", "RA-03", "2017-06-02")
    a = d.organization("A", "2018-02-01")
    b = d.organization("B", "2018-03-01")
    s1 = d.service(a, "S1", "RA-06", "2018-02-02")
    d.location(a, s1, "2018-04-01")
    d.amend_phones(s2, "2018-05-01")
    d.verify(a, "2018-06-01")
    d.rename(c, "C renommé", "2018-09-01")
    d.deactivate(b, at("2018-12-31", 23, 30))  # 2019-01-01 in UTC
    d.amend_phones(s1, "2019-03-01")
    d.verify(c, "2019-04-01")
    return d


async def figures(
    graphql: GraphQLClient, directory: Directory, start: str, end: str, territory: str | None = None
) -> dict[str, Any]:
    variables = {"from": start, "to": end, "territory": territory, "p": directory.position}
    # No token: the figures are public, and the public's `consistentWith` is not waited for.
    await graphql.settle(directory.position)
    data = await graphql.data(QUERY, variables)
    result: dict[str, Any] = data["directoryStatistics"]
    return result


def kind(result: dict[str, Any], name: str) -> tuple[Any, ...]:
    found = result[name]
    return (
        found["active"],
        (found["added"]["count"], found["added"]["share"]),
        (found["updated"]["count"], found["updated"]["share"]),
        (found["verified"]["count"], found["verified"]["share"]),
        found["deactivated"],
    )


async def test_figures_of_each_year(graphql: GraphQLClient, directory: Directory) -> None:
    year_2018 = await figures(graphql, directory, "2018-01-01", "2018-12-31")
    assert year_2018["__typename"] == "DirectoryStatistics"
    assert year_2018["timezone"] == "America/Montreal"
    assert year_2018["position"] == 0  # a public clock of contacts otherwise
    variables = {"from": "2018-01-01", "to": "2018-12-31", "p": directory.position}
    signed_in = (await graphql.data(QUERY, variables, "editor-token"))["directoryStatistics"]
    assert signed_in["position"] >= directory.position
    # A and C active at the end (B deactivated on 31 December); A and B new, A still active.
    assert kind(year_2018, "organizations") == (2, (2, 50.0), (1, 50.0), (1, 50.0), 1)
    assert kind(year_2018, "services") == (2, (1, 50.0), (1, 50.0), (0, 0.0), 0)
    assert kind(year_2018, "locations") == (1, (1, 100.0), (0, 0.0), (0, 0.0), 0)

    year_2019 = await figures(graphql, directory, "2019-01-01", "2019-12-31")
    assert kind(year_2019, "organizations") == (2, (0, 0.0), (0, 0.0), (1, 50.0), 0)
    assert kind(year_2019, "services") == (2, (0, 0.0), (1, 50.0), (0, 0.0), 0)

    year_2017 = await figures(graphql, directory, "2017-01-01", "2017-12-31")
    assert kind(year_2017, "organizations") == (1, (1, 100.0), (0, 0.0), (0, 0.0), 0)
    assert kind(year_2017, "locations") == (0, (0, None), (0, None), (0, None), 0)


async def test_the_last_day_ends_at_midnight_in_montreal(
    graphql: GraphQLClient, directory: Directory
) -> None:
    until_30 = await figures(graphql, directory, "2018-01-01", "2018-12-30")
    assert kind(until_30, "organizations") == (3, (2, 66.7), (1, 33.3), (1, 33.3), 0)
    new_year = await figures(graphql, directory, "2019-01-01", "2019-01-01")
    assert new_year["organizations"]["deactivated"] == 0


async def test_figures_of_a_territory(graphql: GraphQLClient, directory: Directory) -> None:
    montreal = await figures(graphql, directory, "2018-01-01", "2018-12-31", "RA-06")
    assert montreal["territory"] == "RA-06"
    assert kind(montreal, "organizations") == (1, (1, 100.0), (0, 0.0), (1, 100.0), 0)
    assert kind(montreal, "services") == (1, (1, 100.0), (0, 0.0), (0, 0.0), 0)
    assert kind(montreal, "locations") == (1, (1, 100.0), (0, 0.0), (0, 0.0), 0)
    # A place inside Montréal is served by a service of the whole region.
    inside = await figures(graphql, directory, "2018-01-01", "2018-12-31", "TE-66")
    assert kind(inside, "services") == kind(montreal, "services")
    capitale = await figures(graphql, directory, "2018-01-01", "2018-12-31", "RA-03")
    assert kind(capitale, "organizations") == (1, (0, 0.0), (1, 100.0), (0, 0.0), 0)
    assert kind(capitale, "services") == (1, (0, 0.0), (1, 100.0), (0, 0.0), 0)
    assert kind(capitale, "locations") == (0, (0, None), (0, None), (0, None), 0)
    province = await figures(graphql, directory, "2018-01-01", "2018-12-31", "QC")
    assert kind(province, "services") == (2, (1, 50.0), (1, 50.0), (0, 0.0), 0)


@pytest.mark.parametrize(
    ("start", "end", "territory", "field"),
    [
        ("2019-01-01", "2018-12-31", None, "to"),
        ("0001-01-01", "2018-12-31", None, "from"),
        ("2018-01-01", "2018-12-31", "XX-99", "territory"),
        ("2018-01-01", "2018-12-31", "  ", "territory"),
        ("2018-01-01", "2018-12-31", "RA-06\x00", "territory"),
    ],
)
async def test_a_bad_question_names_its_argument(
    graphql: GraphQLClient, container: Container, start: str, end: str, territory: str | None,
    field: str,
) -> None:  # fmt: skip
    load_reference(container.operations, SystemClock())
    data = await graphql.data(QUERY, {"from": start, "to": end, "territory": territory})
    result = data["directoryStatistics"]
    assert (result["__typename"], result["code"], result["field"]) == (
        "InvalidInputError", "INVALID_INPUT", field,
    )  # fmt: skip


def test_stats_export_adds_the_directory_figures(
    directory: Directory, environ: dict[str, str]
) -> None:
    export = [GUICHET, "stats", "export", "--from", "2018-01-01", "--to", "2018-12-31", "--exact"]
    env = clean_env(**environ)
    plain = subprocess.run(export, env=env, capture_output=True, text=True, check=True)
    assert not [
        row for row in csv.DictReader(plain.stdout.splitlines()) if row["table"] == "directory"
    ]

    exported = subprocess.run(
        [*export, "--directory"], env=env, capture_output=True, text=True, check=True
    )
    rows = [
        row for row in csv.DictReader(exported.stdout.splitlines()) if row["table"] == "directory"
    ]
    found = {(row["group"], row["key"]): (row["count"], row["share_percent"]) for row in rows}
    assert found[("organization", "active")] == ("2", "")
    assert found[("organization", "added")] == ("2", "50.0")
    assert found[("organization", "updated")] == ("1", "50.0")
    assert found[("organization", "deactivated")] == ("1", "")
    assert found[("location", "added")] == ("1", "100.0")
    assert len(rows) == 3 * 5
