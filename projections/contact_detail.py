"""A contact's document as typed values: its inquirer, needs (with referrals and unmet
reasons), follow-ups and corrections, as caller-level reads show them.

The view keeps the document as JSON (`ContactRow.detail`); this is the one place that reads it
by its keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class InquirerDetail:
    type: str
    age_band: str
    gender: str
    territory: str | None


@dataclass(frozen=True, slots=True)
class ReferralDetail:
    service_id: UUID
    organization_id: UUID
    service_name: str
    organization_name: str
    phone: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class UnmetDetail:
    reason: str
    reasons_version: int
    note: str | None


@dataclass(frozen=True, slots=True)
class NeedDetail:
    number: int
    code: str
    withdrawn: bool
    referrals: tuple[ReferralDetail, ...]
    information: tuple[str, ...]
    unmet: UnmetDetail | None


@dataclass(frozen=True, slots=True)
class FollowUpDetail:
    due: date
    note: str | None
    done_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class CorrectionDetail:
    what: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ContactDetail:
    inquirer: InquirerDetail
    needs: tuple[NeedDetail, ...]
    follow_ups: tuple[FollowUpDetail, ...]
    corrections: tuple[CorrectionDetail, ...]

    @classmethod
    def of(cls, detail: dict[str, Any]) -> ContactDetail:
        inquirer = detail["inquirer"]
        return cls(
            inquirer=InquirerDetail(
                inquirer["type"], inquirer["age_band"], inquirer["gender"], inquirer["territory"]
            ),
            needs=tuple(_need(number, need) for number, need in enumerate(detail["needs"])),
            follow_ups=tuple(_follow_up(follow_up) for follow_up in detail["follow_ups"]),
            corrections=tuple(
                CorrectionDetail(c["what"], c["reason"], c["by"], datetime.fromisoformat(c["at"]))
                for c in detail["corrections"]
            ),
        )


def _need(number: int, need: dict[str, Any]) -> NeedDetail:
    unmet = need["unmet"]
    return NeedDetail(
        number=number, code=need["code"], withdrawn=need["withdrawn"],
        referrals=tuple(
            ReferralDetail(
                UUID(r["service_id"]), UUID(r["organization_id"]), r["service_name"],
                r["organization_name"], r["phone"], r["address"],
            )
            for r in need["referrals"]
        ),
        information=tuple(need["information"]),
        unmet=UnmetDetail(unmet["reason"], unmet["reasons_version"], unmet["note"])
        if unmet else None,
    )  # fmt: skip


def _follow_up(follow_up: dict[str, Any]) -> FollowUpDetail:
    done = follow_up["done"]
    return FollowUpDetail(
        due=date.fromisoformat(follow_up["due"]), note=follow_up["note"],
        done_at=datetime.fromisoformat(done["at"]) if done else None,
        outcome=done["outcome"] if done else None,
    )  # fmt: skip
