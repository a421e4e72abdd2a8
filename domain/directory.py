"""Directory records modelled on Open Referral HSDS 3.0."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.events import Fact
from domain.records import (
    DESCRIPTION_MAX,
    NAME_MAX,
    DeactivatedFact,
    DescribedFact,
    FlaggedFact,
    MergedFact,
    ReactivatedFact,
    Record,
    RenamedFact,
    Status,
    VerificationMethod,
    VerifiedFact,
    optional_reason,
    parse_long_text,
    parse_name,
)
from domain.values import LocalizedText, parse_website

__all__ = ["DESCRIPTION_MAX", "NAME_MAX", "Organization", "Status", "VerificationMethod"]


class Organization(Record):
    """An HSDS organization: the body that provides services."""

    TOPIC = "guichet.Organization"
    kind: ClassVar[str] = "organization"

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
        self._start(name, description)
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
        return cls._create(
            cls.Registered,
            id=id,
            timestamp=at,
            name=parse_name(name),
            description=parse_long_text("description", description),
            website=parse_website("website", website),
            actor=actor,
            occurred_at=occurred_at or at,
        )

    class Renamed(RenamedFact, Event):
        TOPIC = "guichet.Organization.Renamed"

    class Described(DescribedFact, Event):
        TOPIC = "guichet.Organization.Described"

    class WebsiteChanged(Event):
        TOPIC = "guichet.Organization.WebsiteChanged"
        website: str | None
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.website = self.website

    class Verified(VerifiedFact, Event):
        TOPIC = "guichet.Organization.Verified"

    class FlaggedForReview(FlaggedFact, Event):
        TOPIC = "guichet.Organization.FlaggedForReview"

    class Deactivated(DeactivatedFact, Event):
        TOPIC = "guichet.Organization.Deactivated"

    class Reactivated(ReactivatedFact, Event):
        TOPIC = "guichet.Organization.Reactivated"

    class MergedInto(MergedFact, Event):
        TOPIC = "guichet.Organization.MergedInto"

    def amend(
        self,
        *,
        name: LocalizedText | None = None,
        description: LocalizedText | None = None,
        website: str | None = None,
        clear_website: bool = False,
        reason: str | None,
        actor: str,
        at: datetime,
    ) -> None:
        """Records one fact for each field that really changes, in one go."""
        self._require_editable()
        reason = optional_reason("reason", reason)
        if name is not None:
            self.rename(name, reason=reason, actor=actor, at=at)
        if description is not None:
            self.describe(description, reason=reason, actor=actor, at=at)
        new_website = None if clear_website else (parse_website("website", website) or self.website)
        if new_website != self.website:
            self._record(self.WebsiteChanged, at, website=new_website, reason=reason, actor=actor)
