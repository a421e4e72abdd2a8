"""The commands of a contact's writes: whole (`RecordContact`), opened live (`OpenContact`), and
the live steps and corrections (`Step`), each applied by `domain.handlers.contacts.ContactHandler`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.interactions import ContactChannel, ContactNeed, Disposition, FollowUp, Inquirer


@dataclass(frozen=True, slots=True)
class RecordContact:
    """A whole contact, logged after it ended; `counsellor` defaults to whoever logs it."""

    key: str
    channel: ContactChannel
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    language: str
    inquirer: Inquirer
    interpreter: bool = False
    counsellor: str | None = None
    needs: tuple[ContactNeed, ...] = ()
    disposition: Disposition = Disposition.COMPLETED
    follow_up: FollowUp | None = None


@dataclass(frozen=True, slots=True)
class OpenContact:
    key: str
    channel: ContactChannel
    started_at: datetime
    answered_at: datetime | None
    language: str
    inquirer: Inquirer
    interpreter: bool = False
    counsellor: str | None = None


@dataclass(frozen=True, slots=True)
class AddNeed:
    id: UUID
    code: str


@dataclass(frozen=True, slots=True)
class ReferToService:
    id: UUID
    need: int
    service_id: UUID


@dataclass(frozen=True, slots=True)
class GiveInformation:
    id: UUID
    need: int
    information: str


@dataclass(frozen=True, slots=True)
class RecordUnmetNeed:
    id: UUID
    need: int
    reason: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CloseContact:
    id: UUID
    ended_at: datetime
    disposition: Disposition = Disposition.COMPLETED


@dataclass(frozen=True, slots=True)
class ScheduleFollowUp:
    id: UUID
    due: date
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CompleteFollowUp:
    id: UUID
    follow_up: int
    outcome: str


@dataclass(frozen=True, slots=True)
class CorrectInquirer:
    id: UUID
    inquirer: Inquirer
    reason: str


@dataclass(frozen=True, slots=True)
class CorrectDisposition:
    id: UUID
    disposition: Disposition
    reason: str


@dataclass(frozen=True, slots=True)
class WithdrawNeed:
    id: UUID
    need: int
    reason: str


Step = (
    AddNeed | ReferToService | GiveInformation | RecordUnmetNeed | CloseContact
    | ScheduleFollowUp | CompleteFollowUp | CorrectInquirer | CorrectDisposition | WithdrawNeed
)  # fmt: skip
