"""Directory records modelled on Open Referral HSDS 3.0."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInput
from domain.events import Fact
from domain.values import LocalizedText

NAME_MAX = 300
DESCRIPTION_MAX = 10_000
REASON_MAX = 1_000


class Status(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    MERGED = "merged"


class VerificationMethod(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEBSITE = "website"
    IN_PERSON = "in_person"
    DOCUMENT = "document"


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
        self.status = Status.ACTIVE
        self.verified_at: datetime | None = None
        self.flagged: str | None = None
        self.merged_into: UUID | None = None

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

    class Described(Event):
        TOPIC = "guichet.Organization.Described"
        description: LocalizedText
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.description = self.description

    class WebsiteChanged(Event):
        TOPIC = "guichet.Organization.WebsiteChanged"
        website: str | None
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.website = self.website

    class Verified(Event):
        """The annual check: someone at the organization confirmed the record."""

        TOPIC = "guichet.Organization.Verified"
        method: str
        confirmed_by: str
        note: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.verified_at = self.occurred_at
            aggregate.flagged = None

    class FlaggedForReview(Event):
        TOPIC = "guichet.Organization.FlaggedForReview"
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.flagged = self.reason

    class Deactivated(Event):
        TOPIC = "guichet.Organization.Deactivated"
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.status = Status.INACTIVE

    class Reactivated(Event):
        TOPIC = "guichet.Organization.Reactivated"
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.status = Status.ACTIVE

    class MergedInto(Event):
        """This record duplicated another; searches and links now go to the other one."""

        TOPIC = "guichet.Organization.MergedInto"
        target_id: UUID
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Organization)
            aggregate.status = Status.MERGED
            aggregate.merged_into = self.target_id

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
        if name is not None:
            self.rename(name, reason=reason, actor=actor, at=at)
        if description is not None and description != self.description:
            self.trigger_event(
                self.Described, description=description, reason=reason,
                actor=actor, occurred_at=at, timestamp=at,
            )  # fmt: skip
        new_website = None if clear_website else (website or self.website)
        if new_website != self.website:
            self.trigger_event(
                self.WebsiteChanged, website=new_website, reason=reason,
                actor=actor, occurred_at=at, timestamp=at,
            )  # fmt: skip

    def verify(
        self, method: VerificationMethod, confirmed_by: str, note: str | None,
        *, actor: str, at: datetime, occurred_at: datetime | None = None,
    ) -> None:  # fmt: skip
        self._require_editable()
        if not confirmed_by.strip():
            raise InvalidInput("confirmedBy", "say who at the organization confirmed the record")
        when = occurred_at or at
        if when > at:
            raise InvalidInput("verifiedAt", "a verification cannot be in the future")
        self.trigger_event(
            self.Verified, method=method.value, confirmed_by=confirmed_by.strip(), note=note,
            actor=actor, occurred_at=when, timestamp=at,
        )  # fmt: skip

    def flag_for_review(self, reason: str, *, actor: str, at: datetime) -> None:
        self._require_editable()
        self.trigger_event(
            self.FlaggedForReview, reason=_reason("reason", reason),
            actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip

    def deactivate(self, reason: str, *, actor: str, at: datetime) -> None:
        self._require_editable()
        if self.status is Status.INACTIVE:
            raise InvalidInput("status", "the organization is already inactive")
        self.trigger_event(
            self.Deactivated, reason=_reason("reason", reason),
            actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip

    def reactivate(self, reason: str | None, *, actor: str, at: datetime) -> None:
        if self.status is not Status.INACTIVE:
            raise InvalidInput(
                "status",
                f"only an inactive organization can be reactivated; this one is {self.status}",
            )
        self.trigger_event(
            self.Reactivated, reason=reason, actor=actor, occurred_at=at, timestamp=at
        )

    def merge_into(
        self, target: Organization, reason: str | None, *, actor: str, at: datetime
    ) -> None:
        self._require_editable()
        if target.id == self.id:
            raise InvalidInput("targetId", "an organization cannot be merged into itself")
        if target.status is not Status.ACTIVE:
            raise InvalidInput(
                "targetId", f"the target organization is {target.status}, not active"
            )
        self.trigger_event(
            self.MergedInto, target_id=target.id, reason=reason,
            actor=actor, occurred_at=at, timestamp=at,
        )  # fmt: skip

    def _require_editable(self) -> None:
        if self.status is Status.MERGED:
            raise InvalidInput(
                "id", f"this organization was merged into {self.merged_into}; edit that one"
            )


def _reason(field: str, text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(field, "give a reason")
    if len(cleaned) > REASON_MAX:
        raise InvalidInput(field, f"is longer than {REASON_MAX} characters")
    return cleaned
