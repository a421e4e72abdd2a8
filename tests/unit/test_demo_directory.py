"""Given/When/Then on loading the demo directory through the directory handler, on the
in-memory event store: by the API's rules, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.handlers.coverage import CoverageHandler, DefineTerritories
from domain.handlers.directory import DirectoryHandler
from domain.operations import Operations
from domain.services import Service
from domain.territories import TerritoryKind, TerritorySpec
from infra.demo import PLACES, demo_id, load_demo

AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


def directory(*codes: str) -> DirectoryHandler:
    operations = Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    specs = tuple(
        TerritorySpec(code, code, TerritoryKind.MUNICIPALITY, None, None) for code in codes
    )
    CoverageHandler(operations).define(DefineTerritories(specs), actor="ref", at=AT)
    return DirectoryHandler(operations)


def test_the_demo_directory_loads_once() -> None:
    handler = directory("CMM", *sorted({place.code for place in PLACES}))

    first = load_demo(handler, AT)
    again = load_demo(handler, AT)

    # 24 hubs, each an organization and a location offering 10 of the 12 templates.
    assert (first, again) == (24 + 24 + 240 + 240, 0)
    service: object = handler.operations.repository.get(demo_id("service", 0, 1))
    assert isinstance(service, Service)
    assert service.service_areas == ["65005"]


def test_the_demo_directory_holds_to_the_rules_of_the_api() -> None:
    handler = directory()  # no territory known: no service area can be

    with pytest.raises(InvalidInput) as refused:
        load_demo(handler, AT)

    assert refused.value.field == "service_areas[0]"
