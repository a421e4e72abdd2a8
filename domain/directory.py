"""Directory records modelled on Open Referral HSDS 3.0."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInput
from domain.events import Fact
from domain.values import LocalizedText

NAME_MAX = 300
DESCRIPTION_MAX = 10_000


class Organization(Aggregate):
    """An HSDS organization: the body that provides services."""

    TOPIC = "guichet.Organization"

    class Event(Fact):
        pass

    class Registered(Aggregate.Created, Event):
        TOPIC = "guichet.Organization.Registered"
        name: LocalizedText
        description: LocalizedText
        website: str | None

    # Stops the library from deriving an unnamed creation event next to Registered.
    Created = Registered

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        name: LocalizedText,
        description: LocalizedText,
        website: str | None,
        actor: str,
        occurred_at: datetime,
    ) -> None:
        self.name = name
        self.description = description
        self.website = website
        self.registered_by = actor
        self.registered_at = occurred_at

    @classmethod
    def register(
        cls,
        id: UUID,
        name: LocalizedText,
        description: LocalizedText,
        website: str | None,
        *,
        actor: str,
        at: datetime,
        occurred_at: datetime | None = None,
    ) -> Organization:
        if name.is_empty():
            raise InvalidInput("name", "needs a French or an English text")
        return cls._create(
            cls.Registered,
            id=id,
            timestamp=at,
            name=name,
            description=description,
            website=website,
            actor=actor,
            occurred_at=occurred_at or at,
        )

    class Renamed(Event):
        TOPIC = "guichet.Organization.Renamed"
        name: LocalizedText
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.name = self.name

    def rename(
        self,
        name: LocalizedText,
        *,
        reason: str | None,
        actor: str,
        at: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        if name.is_empty():
            raise InvalidInput("name", "needs a French or an English text")
        if name == self.name:
            return
        self.trigger_event(
            self.Renamed,
            name=name,
            reason=reason,
            actor=actor,
            occurred_at=occurred_at or at,
            timestamp=at,
        )
