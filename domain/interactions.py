"""Interactions: one contact with the service (a call, an e-mail, a chat, a visit), as the
AIRS/Inform I&R contact record describes it.

A contact is logged whole after the fact (`Logged`) or step by step while it happens (`Opened`,
then needs, referrals and unmet needs, then `Closed`). Both give the same state. Mistakes are
corrected by facts of their own; nothing recorded is overwritten. Referrals keep a snapshot of
the service as it was, so later edits of the directory do not rewrite what the caller was told.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import limits
from domain.errors import InvalidInput
from domain.events import Fact
from domain.limits import INFORMATION_MAX, KEY_MAX, NEEDS_MAX, PERSON_MAX, REASON_MAX
from domain.moments import check_day
from domain.text import check, parse_optional_text, parse_text
from domain.values import parse_languages, parse_taxonomy

NOTE_MAX = INFORMATION_MAX
CONFIDENTIAL = "confidential"


class ContactChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    IN_PERSON = "in_person"


class Disposition(StrEnum):
    """How the contact ended; only completed contacts count in statistics."""

    COMPLETED = "completed"
    HANG_UP = "hang_up"
    WRONG_NUMBER = "wrong_number"
    TEST = "test"


class InquirerType(StrEnum):
    SELF = "self"
    THIRD_PARTY = "third_party"
    PROFESSIONAL = "professional"


class AgeBand(StrEnum):
    UNDER_20 = "0-19"
    TWENTIES = "20-29"
    THIRTIES = "30-39"
    FORTIES = "40-49"
    FIFTIES = "50-59"
    SIXTIES = "60-69"
    SEVENTY_PLUS = "70+"
    UNKNOWN = "unknown"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class UnmetReason(StrEnum):
    """Why no service could meet a need: the seven reasons of the annual report (list v1)."""

    NOT_AVAILABLE_IN_TERRITORY = "not_available_in_territory"
    ELIGIBILITY_NOT_MET = "eligibility_not_met"
    COST_TOO_HIGH = "cost_too_high"
    SCHEDULE_UNSUITABLE = "schedule_unsuitable"
    WAITING_LIST_FULL = "waiting_list_full"
    LANGUAGE_BARRIER = "language_barrier"
    NO_TRANSPORT = "no_transport"


# The reasons in force, by version of the list. A recorded reason keeps the version it was
# chosen from, so a later list never reinterprets old contacts.
UNMET_REASONS: dict[int, tuple[str, ...]] = {1: tuple(reason.value for reason in UnmetReason)}
UNMET_REASONS_VERSION = max(UNMET_REASONS)


def interaction_id(key: str) -> UUID:
    """The id follows from the client's key, so a retried request finds the contact it logged."""
    return uuid5(NAMESPACE_URL, f"guichet:interaction:{key}")


@dataclass(frozen=True)
class Inquirer:
    type: InquirerType
    age_band: AgeBand = AgeBand.UNKNOWN
    gender: Gender = Gender.UNKNOWN
    territory: str | None = None  # a territory code, CONFIDENTIAL, or not asked


@dataclass(frozen=True)
class ReferralSnapshot:
    """The service as the counsellor gave it: what the directory said at that moment."""

    service_id: UUID
    organization_id: UUID
    service_name: str
    organization_name: str
    phone: str | None
    address: str | None


@dataclass(frozen=True)
class NeedEntry:
    code: str
    referrals: tuple[ReferralSnapshot, ...] = ()
    information: str | None = None
    unmet_reason: str | None = None
    unmet_note: str | None = None


@dataclass(frozen=True)
class FollowUp:
    due: date
    note: str | None = None


@dataclass
class Need:
    code: str
    referrals: list[dict[str, Any]] = field(default_factory=list)
    information: list[str] = field(default_factory=list)
    unmet: dict[str, Any] | None = None
    withdrawn: bool = False


def _note(field_name: str, text: str | None) -> str | None:
    return parse_optional_text(field_name, text, max_length=NOTE_MAX, multiline=True)


# Guichet's service began long after this: a contact before it is a typing error.
EARLIEST_CONTACT = datetime(2000, 1, 1, tzinfo=UTC)
# How far past its recording a contact's time may be (clocks and time zones disagree).
AHEAD = timedelta(days=1)


def _moment(field_name: str, moment: datetime | None, at: datetime) -> None:
    if moment is None:
        return
    if moment.utcoffset() is None:
        raise InvalidInput(field_name, "needs a time zone offset")
    check_day(field_name, moment)
    if moment < EARLIEST_CONTACT:
        raise InvalidInput(field_name, f"{moment.isoformat()} is before {EARLIEST_CONTACT.year}")
    if moment > at + AHEAD:
        raise InvalidInput(field_name, f"{moment.isoformat()} is more than a day in the future")


# How far ahead a follow-up may be planned.
FOLLOW_UP_HORIZON = timedelta(days=366)


def _due(field_name: str, due: date, started: datetime, at: datetime) -> None:
    if due < started.date():
        raise InvalidInput(field_name, "a follow-up cannot be due before the contact")
    if due > at.date() + FOLLOW_UP_HORIZON:
        raise InvalidInput(field_name, f"{due.isoformat()} is more than a year ahead")


def check_times(
    started: datetime, answered: datetime | None, ended: datetime | None, at: datetime
) -> None:
    """A contact's times, as the counsellor gives them, against when Guichet records them."""
    _moment("input.startedAt", started, at)
    _moment("input.answeredAt", answered, at)
    _moment("input.endedAt", ended, at)
    if answered is not None and answered < started:
        raise InvalidInput("input.answeredAt", f"{answered.isoformat()} is before the start")
    if ended is not None and ended < started:
        raise InvalidInput("input.endedAt", f"{ended.isoformat()} is before the start")
    if ended is not None and answered is not None and ended < answered:
        raise InvalidInput("input.endedAt", f"{ended.isoformat()} is before the answer")


def parse_need_code(field_name: str, code: str | None) -> str:
    if code is not None:
        check(field_name, code, max_length=limits.CODE_MAX)
    if code is None or not code.strip():
        raise InvalidInput(field_name, "a need needs a taxonomy code")
    return parse_taxonomy(field_name, [code])[0]


def parse_language(field_name: str, code: str) -> str:
    check(field_name, code, max_length=limits.CODE_MAX)
    if not code.strip():
        raise InvalidInput(field_name, "name the language of service (ISO 639)")
    return parse_languages(field_name, [code])[0]


def parse_unmet_reason(field_name: str, reason: str) -> str:
    check(field_name, reason, max_length=limits.CODE_MAX)
    if reason not in UNMET_REASONS[UNMET_REASONS_VERSION]:
        allowed = ", ".join(UNMET_REASONS[UNMET_REASONS_VERSION])
        raise InvalidInput(field_name, f"{reason!r} is not a reason of list v1 ({allowed})")
    return reason


def _inquirer(value: Inquirer, field: str = "input.inquirer") -> dict[str, Any]:
    if value.territory is not None:
        check(f"{field}.territory", value.territory, max_length=limits.CODE_MAX)
    territory = (value.territory or "").strip() or None
    return {
        "type": value.type.value,
        "age_band": value.age_band.value,
        "gender": value.gender.value,
        "territory": territory,
    }


def _referral(snapshot: ReferralSnapshot) -> dict[str, Any]:
    return {
        "service_id": str(snapshot.service_id),
        "organization_id": str(snapshot.organization_id),
        "service_name": snapshot.service_name,
        "organization_name": snapshot.organization_name,
        "phone": snapshot.phone,
        "address": snapshot.address,
    }


def _need(index: int, entry: NeedEntry) -> dict[str, Any]:
    where = f"input.needs[{index}]"
    limits.bounded(f"{where}.referralServiceIds", entry.referrals, limits.REFERRALS_MAX)
    code = parse_need_code(f"{where}.code", entry.code)
    unmet = None
    if entry.unmet_reason is not None:
        if entry.referrals:
            raise InvalidInput(
                f"{where}.unmetReason", "a need with referrals is not unmet; give one or the other"
            )
        unmet = {
            "reason": parse_unmet_reason(f"{where}.unmetReason", entry.unmet_reason),
            "reasons_version": UNMET_REASONS_VERSION,
            "note": _note(f"{where}.unmetNote", entry.unmet_note),
        }
    information = _note(f"{where}.information", entry.information)
    return {
        "code": code,
        "referrals": [_referral(referral) for referral in entry.referrals],
        "information": [information] if information else [],
        "unmet": unmet,
    }


def content_digest(content: dict[str, Any]) -> str:
    """What a retry must repeat to be the same contact: everything the caller chose."""
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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

    @staticmethod
    def _content(
        key: str, channel: ContactChannel, started_at: datetime, answered_at: datetime | None,
        ended_at: datetime | None, language: str, interpreter: bool, counsellor: str,
        inquirer: Inquirer, at: datetime,
    ) -> tuple[str, str, dict[str, Any]]:  # fmt: skip
        check("input.key", key, max_length=KEY_MAX)
        key = key.strip()
        if not key:
            raise InvalidInput("input.key", f"give a key of 1 to {KEY_MAX} characters")
        check_times(started_at, answered_at, ended_at, at)
        counsellor = parse_text("input.counsellor", counsellor, max_length=PERSON_MAX)
        if not counsellor:
            raise InvalidInput("input.counsellor", "name the counsellor")
        content: dict[str, Any] = {
            "channel": channel.value,
            "started_at": started_at,
            "answered_at": answered_at,
            "language": parse_language("input.language", language),
            "interpreter": interpreter,
            "counsellor": counsellor,
            "inquirer": _inquirer(inquirer),
        }
        return key, channel.value, content

    @classmethod
    def log(
        cls, *, key: str, channel: ContactChannel, started_at: datetime,
        answered_at: datetime | None, ended_at: datetime, language: str, interpreter: bool,
        counsellor: str, inquirer: Inquirer, needs: tuple[NeedEntry, ...],
        disposition: Disposition, follow_up: FollowUp | None, actor: str, at: datetime,
    ) -> Interaction:  # fmt: skip
        key, _, content = cls._content(
            key, channel, started_at, answered_at, ended_at, language, interpreter, counsellor,
            inquirer, at,
        )  # fmt: skip
        limits.bounded("input.needs", needs, NEEDS_MAX)
        if follow_up is not None:
            _due("input.followUp.due", follow_up.due, started_at, at)
        content.update(
            ended_at=ended_at,
            needs=[_need(index, need) for index, need in enumerate(needs)],
            disposition=disposition.value,
            follow_up=(
                {"due": follow_up.due.isoformat(), "note": _note("input.followUp.note",
                                                                 follow_up.note)}
                if follow_up else None
            ),
        )  # fmt: skip
        # Snapshots are read from the directory, not chosen by the caller: a retry after the
        # directory changed is still the same contact.
        chosen = dict(content, needs=[
            dict(need, referrals=[r["service_id"] for r in need["referrals"]])
            for need in content["needs"]
        ])  # fmt: skip
        return cls._create(
            cls.Logged, id=interaction_id(key), timestamp=at, key=key,
            digest=content_digest(chosen), actor=actor, occurred_at=ended_at, **content,
        )  # fmt: skip

    @classmethod
    def open(
        cls, *, key: str, channel: ContactChannel, started_at: datetime,
        answered_at: datetime | None, language: str, interpreter: bool, counsellor: str,
        inquirer: Inquirer, actor: str, at: datetime,
    ) -> Interaction:  # fmt: skip
        key, _, content = cls._content(
            key, channel, started_at, answered_at, None, language, interpreter, counsellor,
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
        self._step(self.ServiceReferred, need=need, referral=_referral(snapshot), actor=actor,
                   at=at)  # fmt: skip

    def give_information(self, need: int, information: str, *, actor: str, at: datetime) -> None:
        if len(self._need_at(need).information) >= limits.INFORMATION_ENTRIES_MAX:
            raise InvalidInput(
                "input.information",
                f"a need holds at most {limits.INFORMATION_ENTRIES_MAX} pieces of information",
            )
        text = _note("input.information", information)
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
            reasons_version=UNMET_REASONS_VERSION, note=_note("input.note", note),
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
        _due("input.due", follow_up.due, self.started_at, at)
        if len(self.follow_ups) >= limits.FOLLOW_UPS_MAX:
            raise InvalidInput(
                "input.due", f"a contact has at most {limits.FOLLOW_UPS_MAX} follow-ups"
            )
        self._step(self.FollowUpScheduled, due=follow_up.due,
                   note=_note("input.note", follow_up.note), actor=actor, at=at)  # fmt: skip

    def complete_follow_up(self, index: int, outcome: str, *, actor: str, at: datetime) -> None:
        if not 0 <= index < len(self.follow_ups):
            raise InvalidInput("input.followUp", f"this contact has no follow-up number {index}")
        if self.follow_ups[index]["done"] is not None:
            raise InvalidInput("input.followUp", f"follow-up {index} is already done")
        text = _note("input.outcome", outcome)
        if text is None:
            raise InvalidInput("input.outcome", "say what came of the follow-up")
        self._step(self.FollowUpDone, follow_up=index, outcome=text, actor=actor, at=at)

    def correct_inquirer(
        self, inquirer: Inquirer, reason: str, *, actor: str, at: datetime
    ) -> None:
        value = _inquirer(inquirer)
        reason = _reason(reason)
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
                   reason=_reason(reason), actor=actor, at=at)  # fmt: skip

    def withdraw_need(self, need: int, reason: str, *, actor: str, at: datetime) -> None:
        self._need_at(need)
        self._step(self.NeedWithdrawn, need=need, reason=_reason(reason), actor=actor, at=at)


def _reason(reason: str) -> str:
    text = parse_text("input.reason", reason, max_length=REASON_MAX)
    if text is None:
        raise InvalidInput("input.reason", "a correction needs a reason")
    return text
