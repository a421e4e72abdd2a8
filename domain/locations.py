"""HSDS locations, and which services are offered at which location."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInput
from domain.events import Fact
from domain.records import (
    DeactivatedFact,
    DescribedFact,
    FlaggedFact,
    MergedFact,
    ReactivatedFact,
    Record,
    RenamedFact,
    VerifiedFact,
    optional_reason,
    parse_long_text,
    parse_name,
)
from domain.values import NO_TEXT, Address, Coordinates, LocalizedText


class Location(Record):
    """A physical place with an address (and coordinates when known), or a virtual one."""

    TOPIC = "guichet.Location"
    kind: ClassVar[str] = "location"

    class Event(Fact):
        pass

    class Registered(Aggregate.Created, Event):
        TOPIC = "guichet.Location.Registered"
        organization_id: UUID
        name: LocalizedText
        description: LocalizedText
        address: Address | None
        coordinates: Coordinates | None
        accessibility: LocalizedText

    Created = Registered

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        organization_id: UUID,
        name: LocalizedText,
        description: LocalizedText,
        address: Address | None,
        coordinates: Coordinates | None,
        accessibility: LocalizedText,
        actor: str,
        occurred_at: datetime,
    ) -> None:
        self._start(name, description)
        self.organization_id = organization_id
        self.address = address
        self.coordinates = coordinates
        self.accessibility = accessibility

    @property
    def virtual(self) -> bool:
        return self.address is None

    @classmethod
    def register(
        cls,
        id: UUID,
        organization_id: UUID,
        name: LocalizedText,
        *,
        address: Address | None,
        coordinates: Coordinates | None,
        description: LocalizedText = NO_TEXT,
        accessibility: LocalizedText = NO_TEXT,
        actor: str,
        at: datetime,
    ) -> Location:
        name = parse_name(name)
        if address is None and coordinates is not None:
            raise InvalidInput("coordinates", "a virtual location has no coordinates")
        return cls._create(
            cls.Registered, id=id, timestamp=at, organization_id=organization_id, name=name,
            description=parse_long_text("description", description),
            address=address and address.bounded("address"), coordinates=coordinates,
            accessibility=parse_long_text("accessibility", accessibility), actor=actor,
            occurred_at=at,
        )  # fmt: skip

    class Renamed(RenamedFact, Event):
        TOPIC = "guichet.Location.Renamed"

    class Described(DescribedFact, Event):
        TOPIC = "guichet.Location.Described"

    class AddressMoved(Event):
        TOPIC = "guichet.Location.AddressMoved"
        address: Address | None
        coordinates: Coordinates | None
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Location)
            aggregate.address = self.address
            aggregate.coordinates = self.coordinates

    class AccessibilityChanged(Event):
        TOPIC = "guichet.Location.AccessibilityChanged"
        accessibility: LocalizedText
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Location)
            aggregate.accessibility = self.accessibility

    class Verified(VerifiedFact, Event):
        TOPIC = "guichet.Location.Verified"

    class FlaggedForReview(FlaggedFact, Event):
        TOPIC = "guichet.Location.FlaggedForReview"

    class Deactivated(DeactivatedFact, Event):
        TOPIC = "guichet.Location.Deactivated"

    class Reactivated(ReactivatedFact, Event):
        TOPIC = "guichet.Location.Reactivated"

    class MergedInto(MergedFact, Event):
        TOPIC = "guichet.Location.MergedInto"

    def move(
        self, address: Address | None, coordinates: Coordinates | None,
        *, reason: str | None, actor: str, at: datetime,
    ) -> None:  # fmt: skip
        self._require_editable()
        if address is None and coordinates is not None:
            raise InvalidInput("coordinates", "a virtual location has no coordinates")
        address = address and address.bounded("address")
        reason = optional_reason("reason", reason)
        if (address, coordinates) != (self.address, self.coordinates):
            self._record(
                self.AddressMoved, at, address=address, coordinates=coordinates,
                reason=reason, actor=actor,
            )  # fmt: skip

    def change_accessibility(
        self, accessibility: LocalizedText, *, reason: str | None, actor: str, at: datetime
    ) -> None:
        self._require_editable()
        accessibility = parse_long_text("accessibility", accessibility)
        reason = optional_reason("reason", reason)
        if accessibility != self.accessibility:
            self._record(
                self.AccessibilityChanged, at, accessibility=accessibility, reason=reason,
                actor=actor,
            )  # fmt: skip


def service_at_location_id(service_id: UUID, location_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"guichet:service-at-location:{service_id}:{location_id}")


class ServiceAtLocation(Aggregate):
    """A service offered at a location: what a search result shows."""

    TOPIC = "guichet.ServiceAtLocation"

    class Event(Fact):
        pass

    class Linked(Aggregate.Created, Event):
        TOPIC = "guichet.ServiceAtLocation.Linked"
        service_id: UUID
        location_id: UUID

    Created = Linked

    @event(Linked)
    def __init__(
        self, id: UUID, service_id: UUID, location_id: UUID, actor: str, occurred_at: datetime
    ) -> None:
        self.service_id = service_id
        self.location_id = location_id
        self.linked = True

    @classmethod
    def link(
        cls, service_id: UUID, location_id: UUID, *, actor: str, at: datetime
    ) -> ServiceAtLocation:
        return cls._create(
            cls.Linked, id=service_at_location_id(service_id, location_id), timestamp=at,
            service_id=service_id, location_id=location_id, actor=actor, occurred_at=at,
        )  # fmt: skip

    class Unlinked(Event):
        TOPIC = "guichet.ServiceAtLocation.Unlinked"
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ServiceAtLocation)
            aggregate.linked = False

    def unlink(self, reason: str | None, *, actor: str, at: datetime) -> None:
        if not self.linked:
            raise InvalidInput("id", "the service is not offered at this location any more")
        reason = optional_reason("reason", reason)
        self.trigger_event(self.Unlinked, reason=reason, actor=actor, occurred_at=at, timestamp=at)
