"""Public statistics attacked by comparing answers: two periods that differ by one day holding
one contact, the same question asked again, a zero against a small count, and a territory
that strips to nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from infra.bootstrap import Container
from infra.statistics import PublicRules, StatisticsRequest, published
from tests.api.test_hostile_statistics import contact, log
from tests.api.test_interactions import ANALYST, CHOMEDEY, STATISTICS, Need, at, ready
from tests.support.graphql import GraphQLClient

BASE = 5
TABLES = ("byChannel", "byMonth", "byLanguage", "byGender", "byAgeBand", "byInquirerType",
          "byRegion", "topPlaces", "byNeedCategory", "topNeeds", "topUnmetNeeds",
          "unmetReasons", "unmetNeedReasons", "topReferralOrganizations")  # fmt: skip
SCALARS = ("contacts", "needs", "referrals", "unmetNeeds", "interpreterUsed")
WITHOUT = {"from": "2018-04-01", "to": "2018-04-29"}
WITH = {"from": "2018-04-01", "to": "2018-04-30"}


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    # A day-long interval: public figures count what was logged before the first public query.
    return {**environ, "GUICHET_STATISTICS_INTERVAL": "86400"}


# 47 ordinary contacts in April, then on its last day one caller: a man in his forties with an
# interpreter, from Chomedey, whose need went unmet.
ORDINARY = [contact(n) for n in range(47)]
CALLER = contact(
    99, started=at("2018-04-30", 10), gender="MALE", age="FORTIES", territory=CHOMEDEY,
    interpreter=True, needs=[Need("BD-1800.2000", unmet="COST_TOO_HIGH")],
)  # fmt: skip


async def ask(graphql: GraphQLClient, token: str | None = None, **variables: Any) -> Any:
    return (await graphql.data(STATISTICS, variables, token))["statistics"]


def counts(stats: dict[str, Any]) -> dict[tuple[str, str, str], int | None]:
    """Every count published, by table and cell."""
    found: dict[tuple[str, str, str], int | None] = {
        (name, "", ""): stats[name]["value"] for name in SCALARS
    }
    for table in TABLES:
        for cell in stats[table]:
            found[table, cell["group"], cell["key"]] = cell["count"]
    return found


@pytest.mark.asyncio
async def test_two_periods_a_day_apart_do_not_single_out_the_contact_of_that_day(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    after = await log(graphql, [*ORDINARY, CALLER])
    exact = await ask(graphql, ANALYST, **WITH, after=after)
    assert exact["contacts"]["value"] == 48  # analysts keep exact figures
    before, later = await ask(graphql, **WITHOUT), await ask(graphql, **WITH)
    assert before["__typename"] == later["__typename"] == "Statistics", (before, later)
    a, b = counts(before), counts(later)
    by_one = {cell: (a.get(cell), b.get(cell)) for cell in a.keys() | b.keys()
              if abs((b.get(cell) or 0) - (a.get(cell) or 0)) == 1}  # fmt: skip
    assert by_one == {}, by_one
    published = [count for count in (*a.values(), *b.values()) if count is not None]
    assert published, "nothing published"
    assert all(count % BASE == 0 for count in published), published
    for stats in (before, later):
        for line in stats["csv"].splitlines()[1:]:
            table, *_, count, _share, _suppressed = line.split(",")
            if table != "average" and count:
                assert int(count) % BASE == 0, line


@pytest.mark.asyncio
async def test_asking_again_gives_the_same_rounded_figures(
    container: Container,
    graphql: GraphQLClient,
    make_container: Callable[[dict[str, str]], Container],
    environ: dict[str, str],
) -> None:
    ready(container)
    after = await log(graphql, ORDINARY)
    assert (await ask(graphql, ANALYST, **WITH, after=after))["contacts"]["value"] == 47
    first = await ask(graphql, **WITH)
    assert first["__typename"] == "Statistics", first
    assert first["contacts"]["value"] in (45, 50)  # 47, rounded to a multiple of 5
    for _ in range(5):
        again = await ask(graphql, **WITH)
        assert again == first
    assert await ask(graphql, **WITH, top=11) == first
    assert all(count is None or count % BASE == 0 for count in counts(first).values())
    other = make_container(environ)  # another API process: the same secret, the same draws
    asked = StatisticsRequest(date(2018, 4, 1), date(2018, 4, 30))
    figures, _ = published(
        other.statistics, other.search_view.organization_names, asked, exact=False,
        rules=PublicRules.of(other.settings),
    )  # fmt: skip
    assert figures.contacts.value == first["contacts"]["value"]
    assert {(c.group, c.key): c.count for c in figures.tables["region"]} == {
        (c["group"], c["key"]): c["count"] for c in first["byRegion"]
    }


@pytest.mark.asyncio
async def test_a_zero_looks_like_a_small_count(
    container: Container, graphql: GraphQLClient
) -> None:
    ready(container)
    # April: no interpreter, no unmet need; May: two of each.
    may = [contact(200 + n, started=at("2018-05-02", 9) + timedelta(days=n % 25, minutes=n),
                   interpreter=n < 2,
                   needs=[Need("BD-1800.2000", unmet="COST_TOO_HIGH" if n < 2 else None)])
           for n in range(30)]  # fmt: skip
    after = await log(graphql, [*ORDINARY, *may])
    exact = await ask(graphql, ANALYST, **WITH, after=after)
    assert (exact["unmetNeeds"]["value"], exact["interpreterUsed"]["value"]) == (0, 0)
    none = await ask(graphql, **WITH)
    two = await ask(graphql, **{"from": "2018-05-01", "to": "2018-05-31"})
    for name in ("unmetNeeds", "interpreterUsed"):
        assert none[name] == two[name] == {"value": None, "suppressed": True}, name
    for stats in (none, two):
        rows = {line.split(",")[2]: line.split(",") for line in stats["csv"].splitlines()[1:]}
        for key in ("unmet_needs", "interpreter_used"):
            # Named, with no count and no share: suppressed.
            assert rows[key][:3] == ["total", "", key]
            assert rows[key][3]
            assert rows[key][4:] == ["", "", "True"]


@pytest.mark.asyncio
@pytest.mark.parametrize("token", [None, ANALYST])
@pytest.mark.parametrize("territory", ["\x85", " ", "", "\x85\x85", "RA-06\x00"])
async def test_a_territory_that_is_not_text_or_blank_is_refused(
    container: Container, graphql: GraphQLClient, territory: str, token: str | None
) -> None:
    ready(container)
    await log(graphql, ORDINARY)
    refused = await ask(graphql, token, **WITH, territory=territory)
    assert refused["__typename"] == "InvalidInputError", refused
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "territory")
