"""What a contact is made of, and how each part is read and checked: the values and parsers
of the `Interaction` aggregate, and the draft of a whole contact that a retry is compared by.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import limits
from domain.errors import InvalidInput
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


def parse_note(field_name: str, text: str | None) -> str | None:
    return parse_optional_text(field_name, text, max_length=NOTE_MAX, multiline=True)


# Guichet's service began long after this: a contact before it is a typing error.
EARLIEST_CONTACT = datetime(2000, 1, 1, tzinfo=UTC)
# How far past its recording a contact's time may be (clocks and time zones disagree).
AHEAD = timedelta(days=1)


def check_moment(field_name: str, moment: datetime | None, at: datetime) -> None:
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


LAST_DAY = timezone(timedelta(hours=-12))


def check_due(field_name: str, due: date, started: datetime, at: datetime) -> None:
    # The contact's day where the day ends last (UTC-12): an evening call sent in UTC is
    # already tomorrow there, and a follow-up due "today" on the counsellor's own calendar
    # must not be refused for it.
    if due < started.astimezone(LAST_DAY).date():
        raise InvalidInput(field_name, "a follow-up cannot be due before the contact")
    if due > at.date() + FOLLOW_UP_HORIZON:
        raise InvalidInput(field_name, f"{due.isoformat()} is more than a year ahead")


def check_times(
    started: datetime, answered: datetime | None, ended: datetime | None, at: datetime
) -> None:
    """A contact's times, as the counsellor gives them, against when Guichet records them."""
    check_moment("input.startedAt", started, at)
    check_moment("input.answeredAt", answered, at)
    check_moment("input.endedAt", ended, at)
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
    try:
        return parse_languages(field_name, [code])[0]
    except InvalidInput as refusal:
        # One language, not a list: the field is the language itself.
        raise InvalidInput(field_name, f"{code!r} is not an ISO 639 language code") from refusal


def parse_unmet_reason(field_name: str, reason: str) -> str:
    check(field_name, reason, max_length=limits.CODE_MAX)
    if reason not in UNMET_REASONS[UNMET_REASONS_VERSION]:
        allowed = ", ".join(UNMET_REASONS[UNMET_REASONS_VERSION])
        raise InvalidInput(field_name, f"{reason!r} is not a reason of list v1 ({allowed})")
    return reason


def inquirer_fields(value: Inquirer, field: str = "input.inquirer") -> dict[str, Any]:
    if value.territory is not None:
        check(f"{field}.territory", value.territory, max_length=limits.CODE_MAX)
    territory = (value.territory or "").strip() or None
    return {
        "type": value.type.value,
        "age_band": value.age_band.value,
        "gender": value.gender.value,
        "territory": territory,
    }


def referral_fields(snapshot: ReferralSnapshot) -> dict[str, Any]:
    return {
        "service_id": str(snapshot.service_id),
        "organization_id": str(snapshot.organization_id),
        "service_name": snapshot.service_name,
        "organization_name": snapshot.organization_name,
        "phone": snapshot.phone,
        "address": snapshot.address,
    }


@dataclass(frozen=True)
class ContactNeed:
    """A need as the counsellor gives it: the services it was referred to, by id."""

    code: str | None
    service_ids: tuple[UUID, ...] = ()
    information: str | None = None
    unmet_reason: str | None = None
    unmet_note: str | None = None

    @classmethod
    def of(cls, entry: NeedEntry) -> ContactNeed:
        return cls(
            entry.code, tuple(UUID(str(snapshot.service_id)) for snapshot in entry.referrals),
            entry.information, entry.unmet_reason, entry.unmet_note,
        )  # fmt: skip


def need_fields(index: int, entry: ContactNeed) -> dict[str, Any]:
    """The need as stored, but for its referrals: the ids of their services, as text."""
    where = f"input.needs[{index}]"
    limits.bounded(f"{where}.referralServiceIds", entry.service_ids, limits.REFERRALS_MAX)
    code = parse_need_code(f"{where}.code", entry.code)
    unmet = None
    if entry.unmet_reason is not None:
        if entry.service_ids:
            raise InvalidInput(
                f"{where}.unmetReason", "a need with referrals is not unmet; give one or the other"
            )
        unmet = {
            "reason": parse_unmet_reason(f"{where}.unmetReason", entry.unmet_reason),
            "reasons_version": UNMET_REASONS_VERSION,
            "note": parse_note(f"{where}.unmetNote", entry.unmet_note),
        }
    information = parse_note(f"{where}.information", entry.information)
    return {
        "code": code,
        "referrals": [str(service_id) for service_id in entry.service_ids],
        "information": [information] if information else [],
        "unmet": unmet,
    }


def content_digest(content: dict[str, Any]) -> str:
    """What a retry must repeat to be the same contact: everything the caller chose."""
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def instant_digest(content: dict[str, Any]) -> str:
    """The digest of a contact whose instants are read in UTC: `21:00-05:00` and `02:00Z` are
    the same moment, so the same contact."""
    return content_digest(
        {k: v.astimezone(UTC) if isinstance(v, datetime) else v for k, v in content.items()}
    )


def parse_key(key: str) -> str:
    check("input.key", key, max_length=KEY_MAX)
    key = key.strip()
    if not key:
        raise InvalidInput("input.key", f"give a key of 1 to {KEY_MAX} characters")
    return key


def parse_reason(reason: str) -> str:
    text = parse_text("input.reason", reason, max_length=REASON_MAX)
    if not text:
        raise InvalidInput("input.reason", "a correction needs a reason")
    return text


def opening_content(
    channel: ContactChannel, started_at: datetime, answered_at: datetime | None,
    ended_at: datetime | None, language: str, interpreter: bool, counsellor: str,
    inquirer: Inquirer, at: datetime,
) -> dict[str, Any]:  # fmt: skip
    """What every contact states from its start, checked against when it is recorded."""
    check_times(started_at, answered_at, ended_at, at)
    counsellor = parse_text("input.counsellor", counsellor, max_length=PERSON_MAX)
    if not counsellor:
        raise InvalidInput("input.counsellor", "name the counsellor")
    return {
        "channel": channel.value,
        "started_at": started_at,
        "answered_at": answered_at,
        "language": parse_language("input.language", language),
        "interpreter": interpreter,
        "counsellor": counsellor,
        "inquirer": inquirer_fields(inquirer),
    }


@dataclass(frozen=True)
class LoggedDraft:
    """A whole contact read and checked, before its referrals are looked up: enough to tell a
    retry (same key, same digest) from another contact under the same key."""

    key: str
    ended_at: datetime
    content: dict[str, Any]
    digest: str
    # Facts logged before instants were read in UTC hold the digest of the instants as given.
    given_digest: str

    @property
    def id(self) -> UUID:
        return interaction_id(self.key)

    def service_ids(self) -> list[tuple[str, UUID]]:
        """Each referral's service, with the input path that named it."""
        return [
            (f"input.needs[{i}].referralServiceIds[{j}]", UUID(service_id))
            for i, need in enumerate(self.content["needs"])
            for j, service_id in enumerate(need["referrals"])
        ]

    def same_as(self, digest: str) -> bool:
        return digest in (self.digest, self.given_digest)

    def with_referrals(self, snapshots: Mapping[UUID, ReferralSnapshot]) -> dict[str, Any]:
        return dict(self.content, needs=[
            dict(need, referrals=[referral_fields(snapshots[UUID(r)]) for r in need["referrals"]])
            for need in self.content["needs"]
        ])  # fmt: skip


def draft_logged(
    *, key: str, channel: ContactChannel, started_at: datetime, answered_at: datetime | None,
    ended_at: datetime, language: str, interpreter: bool, counsellor: str, inquirer: Inquirer,
    needs: tuple[ContactNeed, ...], disposition: Disposition, follow_up: FollowUp | None,
    at: datetime,
) -> LoggedDraft:  # fmt: skip
    """Every check of a whole contact that reads nothing but the contact itself."""
    key = parse_key(key)
    content = opening_content(
        channel, started_at, answered_at, ended_at, language, interpreter, counsellor,
        inquirer, at,
    )  # fmt: skip
    limits.bounded("input.needs", needs, NEEDS_MAX)
    if follow_up is not None:
        check_due("input.followUp.due", follow_up.due, started_at, at)
    content.update(
        ended_at=ended_at,
        needs=[need_fields(index, need) for index, need in enumerate(needs)],
        disposition=disposition.value,
        follow_up=(
            {"due": follow_up.due.isoformat(),
             "note": parse_note("input.followUp.note", follow_up.note)}
            if follow_up else None
        ),
    )  # fmt: skip
    # Snapshots are read from the directory, not chosen by the caller: a retry after the
    # directory changed is still the same contact.
    return LoggedDraft(key, ended_at, content, instant_digest(content), content_digest(content))
