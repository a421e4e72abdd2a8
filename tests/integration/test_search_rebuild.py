"""A rebuilt search view holds what the same log applied fact by fact, as it arrived, holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from psycopg import sql

from domain.handlers.directory import (
    AmendService,
    DeactivateRecord,
    LinkServiceToLocation,
    MergeRecord,
    MoveLocation,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    RenameOrganization,
)
from domain.values import Address, Coordinates, LocalizedText, OpeningHours, Phone, Schedule
from infra.bootstrap import Container
from infra.runner import Progress
from infra.search.postgres import PostgresSearchView
from infra.territories import load_reference

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# What the view holds, as text, in a fixed order (the gaps are not derived from the log).
CONTENTS = {
    "search_records": "SELECT id::text, kind, fields::text FROM {} ORDER BY id",
    "search_documents": "SELECT d::text FROM {} d ORDER BY id",
    "search_words": "SELECT word FROM {} ORDER BY word",
}


def search_view(container: Container) -> PostgresSearchView:
    view = container.runners["search"].view
    assert isinstance(view, PostgresSearchView)
    return view


def contents(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    view = search_view(container)
    with view.datastore.get_connection() as conn, conn.cursor() as curs:
        return {
            name: [tuple(row.values()) for row in curs.execute(
                sql.SQL(query).format(view.table(name))
            ).fetchall()]
            for name, query in CONTENTS.items()
        }  # fmt: skip


def directory(container: Container) -> None:
    """A history with every kind of change the documents follow, the view caught up after
    each command as a served runner would be."""
    load_reference(container.operations, container.clock)
    handler = container.directory_handler
    runner = container.runners["search"]

    def then(receipt: Any) -> Any:
        runner.catch_up()
        return receipt

    organizations = [uuid4() for _ in range(3)]
    for number, id in enumerate(organizations):
        then(handler.register_organization(
            RegisterOrganization(
                id, LocalizedText(f"Entraide régionale {number}", f"Mutual aid {number}")
            ),
            actor="t", at=AT,
        ))  # fmt: skip
    services: list[UUID] = []
    locations: list[UUID] = []
    for number in range(12):
        service, location = uuid4(), uuid4()
        owner = organizations[number % 3]
        then(handler.register_service(RegisterService(
            service, owner,
            LocalizedText(f"Déneigement pour aînés {number}", f"Snow removal {number}"),
            LocalizedText("Pelletage des entrées, à Laval.", "Shovelling of driveways."),
            taxonomy_codes=("BD-1800.2000", "PH-7000") if number % 2 else ("HH-0500.8000",),
            languages=("fr", "en"), service_areas=("CMM", "65005"),
            phones=(Phone("514-555-0100"),),
            schedule=Schedule(hours=(OpeningHours(2, "09:00", "17:00"),),
                              closed_on=(date(2026, 12, 25),)),
        ), actor="t", at=AT))  # fmt: skip
        then(handler.register_location(RegisterLocation(
            location, owner, LocalizedText(f"Point {number}", ""),
            address=Address(f"{number} rue Principale", "Laval", "H7A 0A1"),
            coordinates=Coordinates(45.57 + number / 100, -73.75),
        ), actor="t", at=AT))  # fmt: skip
        if number % 4:
            then(handler.link_service_to_location(
                LinkServiceToLocation(service, location), actor="t", at=AT
            ))  # fmt: skip
        services.append(service)
        locations.append(location)
    # A second place for one service, and changes to every input of the documents.
    then(handler.link_service_to_location(
        LinkServiceToLocation(services[1], locations[0]), actor="t", at=AT
    ))  # fmt: skip
    then(handler.rename_organization(RenameOrganization(
        organizations[0], 1, LocalizedText("Entraide Laval-Nord", "Laval North aid"),
    ), actor="t", at=AT))  # fmt: skip
    then(handler.amend_service(AmendService(
        services[2], 1, name=LocalizedText("Popote roulante", "Meals on wheels"),
        taxonomy_codes=("BD-5000",), languages=("fr",),
    ), actor="t", at=AT))  # fmt: skip
    then(handler.move_location(MoveLocation(
        locations[3], 1, Address("9 boulevard Lévesque", "Laval", "H7B 0B1"),
        Coordinates(45.60, -73.70),
    ), actor="t", at=AT))  # fmt: skip
    then(
        handler.deactivate_record(DeactivateRecord(organizations[2], 1, "closed"), actor="t", at=AT)
    )
    then(handler.deactivate_record(DeactivateRecord(locations[5], 1, "closed"), actor="t", at=AT))
    then(handler.merge_record(MergeRecord(services[7], 1, services[6]), actor="t", at=AT))


def test_a_rebuild_holds_what_applying_fact_by_fact_held(container: Container) -> None:
    directory(container)
    by_fact = contents(container)
    assert len(by_fact["search_documents"]) >= 10

    container.runners["search"].rebuild()

    assert contents(container) == by_fact


def test_each_vector_is_the_six_texts_made_one_after_the_other(container: Container) -> None:
    # How the vectors were made before each text's vector was made once.
    directory(container)
    view = search_view(container)
    with view.datastore.get_connection() as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT count(*) AS n, count(*) FILTER (WHERE vector = ("
                " setweight(to_tsvector('french', public.unaccent(name_fr)), 'A')"
                " || setweight(to_tsvector('english', public.unaccent(name_en)), 'A')"
                " || setweight(to_tsvector('french', public.unaccent(organization_fr)), 'B')"
                " || setweight(to_tsvector('english', public.unaccent(organization_en)), 'B')"
                " || setweight(to_tsvector('french', public.unaccent(description_fr)), 'C')"
                " || setweight(to_tsvector('english', public.unaccent(description_en)), 'C')"
                ")) AS same FROM {}"
            ).format(view.table("search_documents"))
        ).fetchone()
    assert row is not None
    assert row["n"] >= 10
    assert row["same"] == row["n"]


def test_a_rebuild_stopped_before_its_documents_are_made_is_finished_by_the_next_process(
    container: Container,
    environ: dict[str, str],
    make_container: Callable[[dict[str, str]], Container],
) -> None:
    directory(container)
    by_fact = contents(container)
    runner = container.runners["search"]
    # What a rebuild does up to its first page, then the process is gone.
    runner.view.drop()
    runner.view.create()
    head = runner.recorder.max_notification_id() or 0
    runner.page_size = 7
    page, end = runner._fetch(0, head)
    runner.view.apply_page(page, 0, end)

    following = make_container(environ)
    following.runners["search"].bring_up_to_date()

    assert contents(following) == by_fact
    view = search_view(following)
    with view.datastore.get_connection() as conn:
        indexes = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
            (view.datastore.schema, "search_documents"),
        ).fetchall()
    assert {row["indexname"] for row in indexes} >= {
        "search_documents_vector", "search_documents_areas", "search_documents_folded",
    }  # fmt: skip


def test_a_rebuild_while_facts_arrive_makes_its_documents_at_its_end(container: Container) -> None:
    directory(container)
    runner = container.runners["search"]
    runner.page_size = 7
    arrived: list[UUID] = []

    def arrive(progress: Progress) -> None:
        # A fact past the head the rebuild set out to reach: its last page does not reach
        # the log's head, and the documents are made when it ends.
        if not arrived:
            arrived.append(uuid4())
            container.directory_handler.register_organization(
                RegisterOrganization(arrived[0], LocalizedText("Arrivée pendant", "")),
                actor="t", at=AT,
            )  # fmt: skip

    runner.rebuild(on_page=arrive)
    during = contents(container)
    runner.catch_up()
    runner.page_size = 2000
    runner.rebuild()

    assert arrived
    assert len(during["search_documents"]) >= 10
    assert contents(container)["search_documents"] == during["search_documents"]
