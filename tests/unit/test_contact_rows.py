"""Contact rows as the view writes them: the fast COPY line equals the column-by-column one."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.operations import Operations
from infra.demo_calls import Plan, generate
from infra.views.interactions import _WRITERS, COLUMNS, PAYLOAD_VERSIONS, StoredFact, _new_row
from projections.base import Positioned
from projections.interactions import ContactRow, fold


def rows() -> list[ContactRow]:
    operations = Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    page = []
    for number, interaction in enumerate(generate(Plan(200, date(2018, 4, 1), date(2018, 4, 9)))):
        for event in interaction.collect_events():
            stored = operations.mapper.to_stored_event(event)
            id = UUID(str(stored.originator_id))
            fact = StoredFact.read(stored.topic, id, stored.state)
            page.append(Positioned(fact, number + 1))
    found: dict[object, ContactRow] = {}
    fold(page, found)  # type: ignore[arg-type]
    return list(found.values())


def test_the_fast_line_is_the_column_by_column_line() -> None:
    found = rows()
    assert len(found) == 200
    found[0].territory = None
    found[1].answered_at = None
    found[2].counsellor = "tab\there \\ new\nline"
    for row in found:
        expected = "\t".join(_WRITERS[column](getattr(row, column)) for column in COLUMNS)
        assert _new_row(row) == expected + "\n"


def test_a_logged_contact_becomes_its_row() -> None:
    row = rows()[0]
    interaction = next(generate(Plan(200, date(2018, 4, 1), date(2018, 4, 9))))
    assert row.key == interaction.key
    assert row.started_at == interaction.started_at
    assert row.day == date(2018, 4, 1)
    assert row.need_codes == [need.code for need in interaction.needs]
    answered = interaction.answered_at
    assert answered is not None
    assert row.wait_seconds == int((answered - interaction.started_at).total_seconds())


def test_the_fast_path_reads_every_contact_fact_at_its_class_version() -> None:
    """The view decodes payloads itself, past the library's upcasting: a contact fact given a
    new `class_version` must be read by the view (and its SQL) before it is written."""
    from domain.catalog import event_classes
    from domain.interactions import Interaction

    contact_facts = {
        getattr(cls, "TOPIC", ""): getattr(cls, "class_version", 1)
        for cls in event_classes()
        if issubclass(cls, Interaction.Event)
    }
    assert contact_facts == PAYLOAD_VERSIONS


def test_a_payload_of_a_version_the_fast_path_does_not_read_is_refused() -> None:
    with pytest.raises(RuntimeError, match="version 2"):
        StoredFact.read("guichet.Interaction.Closed", UUID(int=1), b'{"class_version": 2}')
