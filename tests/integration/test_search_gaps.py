"""What a search that found nothing leaves behind, and what spelling correction costs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from psycopg import sql

from domain.handlers.directory import RegisterOrganization, RegisterService
from domain.values import LocalizedText
from infra import replay
from infra.bootstrap import Container
from projections.search_query import SearchQuery
from tests.support.counting import statements

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def gap_rows(container: Container) -> list[tuple[str, str, int, datetime]]:
    with container.database.connect() as conn:
        rows = conn.execute(
            sql.SQL("SELECT query, filters, searches, last_seen FROM {} ORDER BY query").format(
                sql.Identifier(container.database.schema, "search_gaps")
            )
        ).fetchall()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def test_an_unmatched_text_is_kept_folded_short_and_without_digits(
    container: Container,
) -> None:
    container.runners["search"].catch_up()
    typed = (
        "514-555-0199 H2X 1Y4 4321 Sherbrooke hébergementdurgencepourfemmes "
        "accompagnementjuridiquegratuit interprétationlanguedessignes "
        "réinsertionsocioprofessionnelle"
    )

    page = await container.search.search(SearchQuery(text=typed))

    assert page.total == 0
    [(query, _, searches, last_seen)] = gap_rows(container)
    assert searches == 1
    assert re.fullmatch(r"[a-z ]+", query), query  # no digits: no phone, postal code, number
    assert len(query) <= 100
    assert query.startswith("sherbrooke hebergementdurgencepourfemmes")
    assert "514" not in query
    assert "h2x" not in query
    # Kept by the day, not the second: a gap cannot be matched to a call by its time.
    assert (last_seen.hour, last_seen.minute, last_seen.second) == (0, 0, 0)


async def test_a_text_of_digits_alone_leaves_nothing(container: Container) -> None:
    container.runners["search"].catch_up()

    await container.search.search(SearchQuery(text="514 555-0199"))

    assert gap_rows(container) == []


async def test_gaps_older_than_the_retention_period_are_forgotten(container: Container) -> None:
    container.runners["search"].catch_up()
    with container.database.connect() as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} VALUES ('zootherapie', '', 4, now() - interval '91 days')"
            ).format(sql.Identifier(container.database.schema, "search_gaps"))
        )
    assert await container.search.gaps(10) == []  # never read past the period

    await container.search.search(SearchQuery(text="ludotheque"))

    assert [row[0] for row in gap_rows(container)] == ["ludotheque"]  # purged on write
    assert await container.search.gaps(10) == [("ludotheque", "", 1)]


async def test_spelling_is_corrected_in_one_query_for_all_words(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    organization, service = uuid4(), uuid4()
    handler = container.directory_handler
    handler.register_organization(
        RegisterOrganization(organization, LocalizedText("Entraide Laval", "")), actor="t", at=AT
    )
    handler.register_service(RegisterService(
        service, organization, LocalizedText("Déneigement pour aînés", ""),
        LocalizedText("Accompagnement et transport", ""), languages=("fr",),
    ), actor="t", at=AT)  # fmt: skip
    container.runners["search"].catch_up()
    typed = "denaigement accompagnemant transpart hebergemant alimentation urgences"

    with statements(container.datastore, monkeypatch) as sent:
        page = await container.search.search(SearchQuery(text=typed))

    assert page.rewritten_text is not None
    assert page.rewritten_text.startswith("deneigement accompagnement transport")
    looked_up = [statement for statement in sent if "search_words" in statement]
    assert len(looked_up) == 1, looked_up


async def test_a_replay_leaves_the_gaps_out(container: Container) -> None:
    container.runners["search"].catch_up()
    await container.search.search(SearchQuery(text="zootherapie"))

    [verdict] = replay.verify(container, ["search"])

    assert verdict.identical, verdict
    assert await container.search.gaps(10) == [("zootherapie", "", 1)]
