"""Read arguments at the calendar's ends, or without an offset, were masked server errors
(OverflowError, TypeError comparing naive and aware times): each is now INVALID_INPUT naming the
argument, and a time without an offset is read in Montréal time everywhere."""

from __future__ import annotations

import pytest

from infra.bootstrap import Container
from infra.territories import load_reference
from tests.support.graphql import GraphQLClient

R = "__typename ... on Error { code } ... on InvalidInputError { field message }"
ID = "00000000-0000-0000-0000-000000000001"
EXTREME_DAYS = [("0001-01-01", "0001-12-31"), ("9999-01-01", "9999-12-31"),
                ("9999-12-31", "9999-12-31")]  # fmt: skip
EXTREME_MOMENTS = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00",
                   "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00",
                   "9999-12-31T23:00:00-12:00"]  # fmt: skip


def day_queries(start: str, end: str) -> list[tuple[str, str | None, str]]:
    field = "from"  # the first argument out of the calendar is the one named
    return [
        *[(f'{{ q: populationCovered(from: "{start}", to: "{end}", channel: PHONE, '
           f"granularity: {g}) {{ {R} }} }}", None, field) for g in ("DAY", "MONTH", "YEAR")],
        (f'{{ q: coverageChanges(from: "{start}", to: "{end}", channel: PHONE) {{ {R} }} }}',
         None, field),
        (f'{{ q: interactions(from: "{start}", to: "{end}") {{ {R} }} }}', "counsellor-token",
         field),
        (f'{{ q: coverage(territory: "66023", channel: PHONE, at: "{end}") {{ {R} }} }}', None,
         "at"),
        (f'{{ q: coveredTerritories(at: "{end}", channel: PHONE) {{ {R} }} }}', None, "at"),
        (f'{{ q: statistics(from: "{start}", to: "{end}") {{ {R} }} }}', "analyst-token",
         field),
        (f'{{ q: statistics(from: "{start}", to: "{end}") {{ {R} }} }}', None, field),
    ]  # fmt: skip


def moment_queries(moment: str) -> list[tuple[str, str | None, str]]:
    known = f'asKnownAt: "{moment}"'
    return [
        (f'{{ q: coverage(territory: "66023", channel: PHONE, at: "2020-01-01", {known}) '
         f"{{ {R} }} }}", None, "asKnownAt"),
        (f'{{ q: coverageTimeline(territory: "66023", channel: PHONE, {known}) {{ {R} }} }}',
         None, "asKnownAt"),
        (f'{{ q: coverageChanges(from: "2019-01-01", to: "2020-01-01", channel: PHONE, {known}) '
         f"{{ {R} }} }}", None, "asKnownAt"),
        (f'{{ q: populationCovered(from: "2019-01-01", to: "2020-01-01", channel: PHONE, '
         f"{known}) {{ {R} }} }}", None, "asKnownAt"),
        (f'{{ q: coveredTerritories(at: "2020-01-01", channel: PHONE, {known}) {{ {R} }} }}',
         None, "asKnownAt"),
        (f'{{ q: auditLog(from: "{moment}") {{ {R} }} }}', "auditor-token", "from"),
        (f'{{ q: auditLog(to: "{moment}") {{ {R} }} }}', "auditor-token", "to"),
        (f'{{ q: verificationQueue(state: DUE, asOf: "{moment}") {{ {R} }} }}', "editor-token",
         "asOf"),
        (f'{{ q: searchServices(openAt: "{moment}") {{ {R} }} }}', None, "openAt"),
        (f'{{ q: asOf(id: "{ID}", at: "{moment}") {{ {R} }} }}', "auditor-token", "at"),
        (f'{{ q: asOf(id: "{ID}", at: "{moment}", by: BUSINESS) {{ {R} }} }}', "auditor-token",
         "at"),
    ]  # fmt: skip


async def test_read_arguments_at_the_calendars_ends_are_invalid_input_naming_them(
    graphql: GraphQLClient, container: Container
) -> None:
    load_reference(container.operations, container.clock)
    asked = [q for days in EXTREME_DAYS for q in day_queries(*days)]
    asked += [q for moment in EXTREME_MOMENTS for q in moment_queries(moment)]
    wrong = []
    for document, token, field in asked:
        answer = (await graphql.data(document, {}, token))["q"]
        if (answer["__typename"], answer.get("code"), answer.get("field")) != (
            "InvalidInputError", "INVALID_INPUT", field,
        ):  # fmt: skip
            wrong.append((document, answer))
    assert wrong == []


@pytest.mark.parametrize(
    ("document", "token", "answer"),
    [
        ('coverage(territory: "66023", channel: PHONE, at: "2020-01-01", '
         'asKnownAt: "2030-01-01T00:00:00")', None, "Coverage"),
        ('coveredTerritories(at: "2020-01-01", channel: PHONE, asKnownAt: "2030-01-01T00:00:00")',
         None, "CoveredTerritories"),
        ('populationCovered(from: "2019-01-01", to: "2020-01-01", channel: PHONE, '
         'asKnownAt: "2030-01-01T00:00:00")', None, "PopulationSeries"),
        ('auditLog(from: "2020-01-01T00:00:00", to: "2030-01-01T00:00:00")', "auditor-token",
         "AuditPage"),
        (f'asOf(id: "{ID}", at: "2030-01-01T00:00:00")', "auditor-token", "NotFoundError"),
    ],
)  # fmt: skip
async def test_a_time_without_offset_is_read_in_montreal_time(
    graphql: GraphQLClient, container: Container, document: str, token: str | None, answer: str
) -> None:
    _, position = load_reference(container.operations, container.clock)
    document = document.replace(")", f", consistentWith: {position})", 1)
    await graphql.settle(position)  # the public's own `consistentWith` is not waited for
    data = await graphql.data(f"{{ q: {document} {{ {R} }} }}", {}, token)
    assert data["q"]["__typename"] == answer, data
