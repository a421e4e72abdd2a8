"""Interactions: one contact with the service (a call, an e-mail, a chat, a visit), as the
AIRS/Inform I&R contact record describes it.

A contact is logged whole after the fact (`Logged`) or step by step while it happens (`Opened`,
then needs, referrals and unmet needs, then `Closed`). Both give the same state. Mistakes are
corrected by facts of their own; nothing recorded is overwritten. Referrals keep a snapshot of
the service as it was, so later edits of the directory do not rewrite what the caller was told.
The values a contact is made of, and their parsers, are in `domain.contact_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import limits
from domain.contact_values import (
    CONFIDENTIAL,
    EARLIEST_CONTACT,
    UNMET_REASONS,
    UNMET_REASONS_VERSION,
    AgeBand,
    ContactChannel,
    ContactNeed,
    Disposition,
    FollowUp,
    Gender,
    Inquirer,
    InquirerType,
    LoggedDraft,
    Need,
    NeedEntry,
    ReferralSnapshot,
    UnmetReason,
    check_due,
    check_times,
    content_digest,
    draft_logged,
    inquirer_fields,
    interaction_id,
    opening_content,
    parse_key,
    parse_need_code,
    parse_note,
    parse_reason,
    parse_unmet_reason,
    referral_fields,
)
from domain.errors import InvalidInput
from domain.events import Fact
from domain.limits import NEEDS_MAX

__all__ = [
    "CONFIDENTIAL",
    "EARLIEST_CONTACT", "UNMET_REASONS", "UNMET_REASONS_VERSION", "AgeBand", "ContactChannel",
    "ContactNeed", "Disposition", "FollowUp", "Gender", "Inquirer", "InquirerType",
    "Interaction", "LoggedDraft", "NeedEntry", "ReferralSnapshot", "UnmetReason",
    "check_times", "draft_logged", "interaction_id",
]  # fmt: skip


class Interaction(Aggregate):
    TOPIC = "guichet.Interaction"

    class Event(Fact):
        pass

    class Logged(Aggregate.Created, Event):
        """A whole contact, recorded at once after it ended."""

        TOPIC = "guichet.Interaction.Logged"
        key: str
        digest: str
        channel: str
        started_at: datetime
        answered_at: datetime | None
        ended_at: datetime | None
        language: str
        interpreter: bool
        counsellor: str
        inquirer: dict[str, Any]
        needs: list[dict[str, Any]]
        disposition: str
        follow_up: dict[str, Any] | None

    class Opened(Aggregate.Created, Event):
        """A contact being handled now; needs and referrals follow as they are given."""

        TOPIC = "guichet.Interaction.Opened"
        key: str
        digest: str
        channel: str
        started_at: datetime
        answered_at: datetime | None
        language: str
        interpreter: bool
        counsellor: str
        inquirer: dict[str, Any]

    Created = Logged

    def __init__(
        self, *, key: str, digest: str, channel: str, started_at: datetime,
        answered_at: datetime | None, language: str, interpreter: bool, counsellor: str,
        inquirer: dict[str, Any], actor: str, occurred_at: datetime,
        ended_at: datetime | None = None, needs: list[dict[str, Any]] | None = None,
        disposition: str | None = None, follow_up: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        # Both creation facts come here: `Opened` carries no outcome, `Logged` all of it.
        self.key = key
        self.digest = digest
        self.channel = ContactChannel(channel)
        self.started_at = started_at
        self.answered_at = answered_at
        self.ended_at = ended_at
        self.language = language
        self.interpreter = interpreter
        self.counsellor = counsellor
        self.inquirer = dict(inquirer)
        self.needs = [Need(**need) for need in needs or []]
        self.disposition = Disposition(disposition) if disposition else None
        self.follow_ups = [dict(follow_up, done=None)] if follow_up else []

    @classmethod
    def log(
        cls, *, key: str, channel: ContactChannel, started_at: datetime,
        answered_at: datetime | None, ended_at: datetime, language: str, interpreter: bool,
        counsellor: str, inquirer: Inquirer, needs: tuple[NeedEntry, ...],
        disposition: Disposition, follow_up: FollowUp | None, actor: str, at: datetime,
    ) -> Interaction:  # fmt: skip
        """A whole contact whose referrals were looked up already."""
        draft = draft_logged(
            key=key, channel=channel, started_at=started_at, answered_at=answered_at,
            ended_at=ended_at, language=language, interpreter=interpreter,
            counsellor=counsellor, inquirer=inquirer,
            needs=tuple(ContactNeed.of(need) for need in needs), disposition=disposition,
            follow_up=follow_up, at=at,
        )  # fmt: skip
        snapshots = {UUID(str(s.service_id)): s for need in needs for s in need.referrals}
        return cls.logged(draft, snapshots, actor=actor, at=at)

    @classmethod
    def logged(
        cls, draft: LoggedDraft, snapshots: Mapping[UUID, ReferralSnapshot], *, actor: str,
        at: datetime,
    ) -> Interaction:  # fmt: skip
        """The contact of a checked draft, each referral with the snapshot of its service."""
        return cls._create(
            cls.Logged, id=draft.id, timestamp=at, key=draft.key, digest=draft.digest,
            actor=actor, occurred_at=draft.ended_at, **draft.with_referrals(snapshots),
        )  # fmt: skip

    @classmethod
    def open(
        cls, *, key: str, channel: ContactChannel, started_at: datetime,
        answered_at: datetime | None, language: str, interpreter: bool, counsellor: str,
        inquirer: Inquirer, actor: str, at: datetime,
    ) -> Interaction:  # fmt: skip
        key = parse_key(key)
        content = opening_content(
            channel, started_at, answered_at, None, language, interpreter, counsellor,
            inquirer, at,
        )  # fmt: skip
        return cls._create(
            cls.Opened, id=interaction_id(key), timestamp=at, key=key,
            digest=content_digest(content), actor=actor, occurred_at=started_at, **content,
        )  # fmt: skip

    # Live steps and corrections.

    class NeedIdentified(Event):
        TOPIC = "guichet.Interaction.NeedIdentified"
        need: int
        code: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.needs.append(Need(code=self.code))

    class ServiceReferred(Event):
        TOPIC = "guichet.Interaction.ServiceReferred"
        need: int
        referral: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.needs[self.need].referrals.append(dict(self.referral))

    class InformationGiven(Event):
        TOPIC = "guichet.Interaction.InformationGiven"
        need: int
        information: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.needs[self.need].information.append(self.information)

    class UnmetNeedRecorded(Event):
        TOPIC = "guichet.Interaction.UnmetNeedRecorded"
        need: int
        reason: str
        reasons_version: int
        note: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.needs[self.need].unmet = {
                "reason": self.reason, "reasons_version": self.reasons_version, "note": self.note,
            }  # fmt: skip

    class Closed(Event):
        TOPIC = "guichet.Interaction.Closed"
        ended_at: datetime
        disposition: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.ended_at = self.ended_at
            aggregate.disposition = Disposition(self.disposition)

    class FollowUpScheduled(Event):
        TOPIC = "guichet.Interaction.FollowUpScheduled"
        due: date
        note: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.follow_ups.append(
                {"due": self.due.isoformat(), "note": self.note, "done": None}
            )

    class FollowUpDone(Event):
        TOPIC = "guichet.Interaction.FollowUpDone"
        follow_up: int
        outcome: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.follow_ups[self.follow_up]["done"] = {
                "outcome": self.outcome, "at": self.occurred_at.isoformat(),
            }  # fmt: skip

    class InquirerCorrected(Event):
        TOPIC = "guichet.Interaction.InquirerCorrected"
        inquirer: dict[str, Any]
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.inquirer = dict(self.inquirer)

    class DispositionCorrected(Event):
        TOPIC = "guichet.Interaction.DispositionCorrected"
        disposition: str
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.disposition = Disposition(self.disposition)

    class NeedWithdrawn(Event):
        """The need was recorded by mistake; it no longer counts, but stays in the history."""

        TOPIC = "guichet.Interaction.NeedWithdrawn"
        need: int
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Interaction)
            aggregate.needs[self.need].withdrawn = True

    def _step(self, cls: type[Event], *, actor: str, at: datetime, **data: Any) -> None:
        self.trigger_event(cls, actor=actor, occurred_at=at, timestamp=at, **data)

    def _need_at(self, index: int, field_name: str = "input.need") -> Need:
        if not 0 <= index < len(self.needs):
            raise InvalidInput(field_name, f"this contact has no need number {index}")
        need = self.needs[index]
        if need.withdrawn:
            raise InvalidInput(field_name, f"need {index} was withdrawn")
        return need

    def identify_need(self, code: str, *, actor: str, at: datetime) -> int:
        code = parse_need_code("input.code", code)
        if len(self.needs) >= NEEDS_MAX:
            raise InvalidInput("input.code", f"a contact has at most {NEEDS_MAX} needs")
        self._step(self.NeedIdentified, need=len(self.needs), code=code, actor=actor, at=at)
        return len(self.needs) - 1

    def refer(self, need: int, snapshot: ReferralSnapshot, *, actor: str, at: datetime) -> None:
        found = self._need_at(need)
        if found.unmet is not None:
            raise InvalidInput("input.need", f"need {need} is recorded as unmet")
        if len(found.referrals) >= limits.REFERRALS_MAX:
            raise InvalidInput(
                "input.serviceId", f"a need has at most {limits.REFERRALS_MAX} referrals"
            )
        self._step(self.ServiceReferred, need=need, referral=referral_fields(snapshot), actor=actor,
                   at=at)  # fmt: skip

    def give_information(self, need: int, information: str, *, actor: str, at: datetime) -> None:
        if len(self._need_at(need).information) >= limits.INFORMATION_ENTRIES_MAX:
            raise InvalidInput(
                "input.information",
                f"a need holds at most {limits.INFORMATION_ENTRIES_MAX} pieces of information",
            )
        text = parse_note("input.information", information)
        if text is None:
            raise InvalidInput("input.information", "say what information was given")
        self._step(self.InformationGiven, need=need, information=text, actor=actor, at=at)

    def record_unmet(
        self, need: int, reason: str, note: str | None, *, actor: str, at: datetime
    ) -> None:
        if self._need_at(need).referrals:
            raise InvalidInput("input.need", f"need {need} has referrals, so it was met")
        self._step(
            self.UnmetNeedRecorded, need=need,
            reason=parse_unmet_reason("input.reason", reason),
            reasons_version=UNMET_REASONS_VERSION, note=parse_note("input.note", note),
            actor=actor, at=at,
        )  # fmt: skip

    def close(
        self, ended_at: datetime, disposition: Disposition, *, actor: str, at: datetime
    ) -> None:
        if self.disposition is not None:
            raise InvalidInput("input.id", "this contact is already closed")
        check_times(self.started_at, self.answered_at, ended_at, at)
        self._step(self.Closed, ended_at=ended_at, disposition=disposition.value, actor=actor,
                   at=at)  # fmt: skip

    def schedule_follow_up(self, follow_up: FollowUp, *, actor: str, at: datetime) -> None:
        check_due("input.due", follow_up.due, self.started_at, at)
        if len(self.follow_ups) >= limits.FOLLOW_UPS_MAX:
            raise InvalidInput(
                "input.due", f"a contact has at most {limits.FOLLOW_UPS_MAX} follow-ups"
            )
        self._step(self.FollowUpScheduled, due=follow_up.due,
                   note=parse_note("input.note", follow_up.note), actor=actor, at=at)  # fmt: skip

    def complete_follow_up(self, index: int, outcome: str, *, actor: str, at: datetime) -> None:
        if not 0 <= index < len(self.follow_ups):
            raise InvalidInput("input.followUp", f"this contact has no follow-up number {index}")
        if self.follow_ups[index]["done"] is not None:
            raise InvalidInput("input.followUp", f"follow-up {index} is already done")
        text = parse_note("input.outcome", outcome)
        if text is None:
            raise InvalidInput("input.outcome", "say what came of the follow-up")
        self._step(self.FollowUpDone, follow_up=index, outcome=text, actor=actor, at=at)

    def correct_inquirer(
        self, inquirer: Inquirer, reason: str, *, actor: str, at: datetime
    ) -> None:
        value = inquirer_fields(inquirer)
        reason = parse_reason(reason)
        if value == self.inquirer:
            raise InvalidInput("input.inquirer", "the correction changes nothing")
        self._step(self.InquirerCorrected, inquirer=value, reason=reason, actor=actor,
                   at=at)  # fmt: skip

    def correct_disposition(
        self, disposition: Disposition, reason: str, *, actor: str, at: datetime
    ) -> None:
        if self.disposition is None:
            raise InvalidInput("input.id", "close the contact rather than correct it")
        if disposition is self.disposition:
            raise InvalidInput("input.disposition", f"the contact is already {disposition}")
        self._step(self.DispositionCorrected, disposition=disposition.value,
                   reason=parse_reason(reason), actor=actor, at=at)  # fmt: skip

    def withdraw_need(self, need: int, reason: str, *, actor: str, at: datetime) -> None:
        self._need_at(need)
        self._step(self.NeedWithdrawn, need=need, reason=parse_reason(reason), actor=actor, at=at)
