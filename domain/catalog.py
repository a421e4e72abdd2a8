"""Every aggregate and the facts it records, for tooling that must see them all."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate

from domain.coverage import CoverageAgreement, CoverageLedger
from domain.directory import Organization
from domain.interactions import Interaction
from domain.locations import Location, ServiceAtLocation
from domain.services import Service
from domain.taxonomy import TaxonomyTerm
from domain.territories import Territory
from domain.tokens import Token

AGGREGATES: tuple[type[Aggregate], ...] = (
    Organization,
    Service,
    Location,
    ServiceAtLocation,
    Territory,
    CoverageAgreement,
    CoverageLedger,
    Interaction,
    TaxonomyTerm,
    Token,
)


def event_classes() -> list[type[CanMutateAggregate[UUID]]]:
    found: dict[str, type[CanMutateAggregate[UUID]]] = {}
    for aggregate in AGGREGATES:
        for name, value in vars(aggregate).items():
            if (
                name != "Event"
                and isinstance(value, type)
                and issubclass(value, CanMutateAggregate)
            ):
                found[value.__dict__.get("TOPIC", f"{aggregate.__name__}.{name}")] = value
    return list(found.values())
