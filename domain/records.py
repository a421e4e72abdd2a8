"""What every directory record shares: a bilingual name and description, the annual check,
review flags, deactivation and merging.

Each aggregate declares its own nested event classes (each with its own explicit topic) on top
of the facts here, which hold the fields and how they change the record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput
from domain.events import Fact
from domain.limits import DESCRIPTION_MAX, NAME_MAX, PERSON_MAX, REASON_MAX
from domain.moments import check_day
from domain.text import parse_optional_text, parse_text
from domain.values import LocalizedText

__all__ = ["DESCRIPTION_MAX", "NAME_MAX", "REASON_MAX", "Record", "Status", "VerificationMethod"]


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
    # Taken from the source's own check date (HSDS assured_date) when records are imported.
    IMPORTED = "imported"


class RenamedFact(Fact):
    name: LocalizedText
    reason: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.name = self.name


class DescribedFact(Fact):
    description: LocalizedText
    reason: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.description = self.description


class VerifiedFact(Fact):
    """The annual check: someone at the organization confirmed the record."""

    method: str
    confirmed_by: str
    note: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.verified_at = self.occurred_at
        aggregate.flagged = None


class FlaggedFact(Fact):
    reason: str

    def apply(self, aggregate: Any) -> None:
        aggregate.flagged = self.reason


class DeactivatedFact(Fact):
    reason: str

    def apply(self, aggregate: Any) -> None:
        aggregate.status = Status.INACTIVE


class ReactivatedFact(Fact):
    reason: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.status = Status.ACTIVE


class MergedFact(Fact):
    """This record duplicated another; searches and links now go to the other one."""

    target_id: UUID
    reason: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.status = Status.MERGED
        aggregate.merged_into = self.target_id


class Record(Aggregate):
    """Commands shared by directory records; subclasses name their own event classes."""

    kind: ClassVar[str] = "record"
    Renamed: ClassVar[type[RenamedFact]]
    Described: ClassVar[type[DescribedFact]]
    Verified: ClassVar[type[VerifiedFact]]
    FlaggedForReview: ClassVar[type[FlaggedFact]]
    Deactivated: ClassVar[type[DeactivatedFact]]
    Reactivated: ClassVar[type[ReactivatedFact]]
    MergedInto: ClassVar[type[MergedFact]]

    name: LocalizedText
    description: LocalizedText
    status: Status
    verified_at: datetime | None
    flagged: str | None
    merged_into: UUID | None

    def _start(self, name: LocalizedText, description: LocalizedText) -> None:
        self.name = name
        self.description = description
        self.status = Status.ACTIVE
        self.verified_at = None
        self.flagged = None
        self.merged_into = None

    def _record(self, event_class: type[Fact], at: datetime, **fields: Any) -> None:
        fields.setdefault("occurred_at", at)
        self.trigger_event(event_class, timestamp=at, **fields)

    def rename(
        self, name: LocalizedText, *, reason: str | None, actor: str, at: datetime,
        occurred_at: datetime | None = None,
    ) -> None:  # fmt: skip
        self._require_editable()
        name = parse_name(name)
        reason = optional_reason("reason", reason)
        if name != self.name:
            self._record(
                self.Renamed, at, name=name, reason=reason, actor=actor,
                occurred_at=occurred_at or at,
            )  # fmt: skip

    def describe(
        self, description: LocalizedText, *, reason: str | None, actor: str, at: datetime
    ) -> None:
        self._require_editable()
        description = parse_long_text("description", description)
        reason = optional_reason("reason", reason)
        if description != self.description:
            self._record(self.Described, at, description=description, reason=reason, actor=actor)

    def verify(
        self, method: VerificationMethod, confirmed_by: str, note: str | None,
        *, actor: str, at: datetime, occurred_at: datetime | None = None,
    ) -> None:  # fmt: skip
        self._require_editable()
        if not confirmed_by.strip():
            raise InvalidInput("confirmedBy", f"say who confirmed the {self.kind}")
        confirmed_by = parse_text("confirmedBy", confirmed_by, max_length=PERSON_MAX)
        note = optional_reason("note", note)
        when = occurred_at or at
        check_day("verifiedAt", when)
        if when > at:
            raise InvalidInput("verifiedAt", "a verification cannot be in the future")
        self._record(
            self.Verified, at, method=method.value, confirmed_by=confirmed_by,
            note=note, actor=actor, occurred_at=when,
        )  # fmt: skip

    def flag_for_review(self, reason: str, *, actor: str, at: datetime) -> None:
        self._require_editable()
        self._record(self.FlaggedForReview, at, reason=_reason("reason", reason), actor=actor)

    def deactivate(self, reason: str, *, actor: str, at: datetime) -> None:
        self._require_editable()
        if self.status is Status.INACTIVE:
            raise InvalidInput("status", f"the {self.kind} is already inactive")
        self._record(self.Deactivated, at, reason=_reason("reason", reason), actor=actor)

    def reactivate(self, reason: str | None, *, actor: str, at: datetime) -> None:
        if self.status is not Status.INACTIVE:
            raise InvalidInput(
                "status",
                f"only an inactive {self.kind} can be reactivated; this one is {self.status}",
            )
        self._record(self.Reactivated, at, reason=optional_reason("reason", reason), actor=actor)

    def merge_into(self, target: Record, reason: str | None, *, actor: str, at: datetime) -> None:
        self._require_editable()
        if target.id == self.id:
            raise InvalidInput("targetId", f"a {self.kind} cannot be merged into itself")
        if type(target) is not type(self):
            raise InvalidInput("targetId", f"the target is not a {self.kind}")
        if target.status is not Status.ACTIVE:
            raise InvalidInput("targetId", f"the target {self.kind} is {target.status}, not active")
        self._record(
            self.MergedInto, at, target_id=target.id, reason=optional_reason("reason", reason),
            actor=actor,
        )  # fmt: skip

    def _require_editable(self) -> None:
        if self.status is Status.MERGED:
            raise InvalidInput(
                "id", f"this {self.kind} was merged into {self.merged_into}; edit that one"
            )


def _reason(field: str, text: str) -> str:
    cleaned = parse_text(field, text, max_length=REASON_MAX)
    if not cleaned:
        raise InvalidInput(field, "give a reason")
    return cleaned


def optional_reason(field: str, text: str | None) -> str | None:
    return parse_optional_text(field, text, max_length=REASON_MAX)


def parse_name(name: LocalizedText, field: str = "name") -> LocalizedText:
    """A record's name, bounded and required, whoever built the value."""
    return name.bounded(field, max_length=NAME_MAX, required=True)


def parse_long_text(field: str, text: LocalizedText) -> LocalizedText:
    """A description or a text like it: several lines, bounded."""
    return text.bounded(field, max_length=DESCRIPTION_MAX, multiline=True)
