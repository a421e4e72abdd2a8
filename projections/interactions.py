"""The contact read model: each interaction as it stands after its steps and corrections.

One row per contact, with the attributes statistics count by (local day, channel, language,
inquirer) as plain columns and the needs, referrals and follow-ups as a document. Statistics
are computed from these rows; caller-level reads (by counsellors, analysts and auditors) show
the document.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.interactions import Interaction
from projections.base import Positioned

MONTREAL = ZoneInfo("America/Montreal")

TOPICS = tuple(
    cls.TOPIC
    for cls in (
        Interaction.Logged, Interaction.Opened, Interaction.NeedIdentified,
        Interaction.ServiceReferred, Interaction.InformationGiven, Interaction.UnmetNeedRecorded,
        Interaction.Closed, Interaction.FollowUpScheduled, Interaction.FollowUpDone,
        Interaction.InquirerCorrected, Interaction.DispositionCorrected,
        Interaction.NeedWithdrawn,
    )
)  # fmt: skip


@dataclass
class ContactRow:
    id: UUID
    key: str
    position: int
    recorded_at: datetime
    channel: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    day: date
    language: str
    interpreter: bool
    counsellor: str
    inquirer_type: str
    age_band: str
    gender: str
    territory: str | None
    disposition: str | None
    wait_seconds: int | None
    handle_seconds: int | None
    # Statistics read these arrays; `detail` keeps everything for caller-level reads.
    need_codes: list[str] = field(default_factory=list)
    need_unmet: list[str] = field(default_factory=list)
    referral_organizations: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    row_id: int | None = None


def local_day(moment: datetime) -> date:
    return moment.astimezone(MONTREAL).date()


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(int((end - start).total_seconds()), 0)


def _derive(row: ContactRow) -> None:
    """Recomputes the columns statistics read from the document."""
    detail = row.detail
    inquirer = detail["inquirer"]
    row.inquirer_type = inquirer["type"]
    row.age_band = inquirer["age_band"]
    row.gender = inquirer["gender"]
    row.territory = inquirer["territory"]
    row.disposition = detail["disposition"]
    row.ended_at = _moment(detail["ended_at"])
    row.wait_seconds = _seconds(row.started_at, row.answered_at)
    row.handle_seconds = _seconds(row.answered_at, row.ended_at)
    live = [need for need in detail["needs"] if not need["withdrawn"]]
    row.need_codes = [need["code"] for need in live]
    row.need_unmet = [need["unmet"]["reason"] if need["unmet"] else "" for need in live]
    row.referral_organizations = [
        referral["organization_id"] for need in live for referral in need["referrals"]
    ]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _text(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _created(item: Positioned) -> ContactRow:
    e = item.event
    needs = [
        {
            "code": need["code"], "referrals": list(need["referrals"]),
            "information": list(need["information"]), "unmet": need["unmet"], "withdrawn": False,
        }
        for need in getattr(e, "needs", [])
    ]  # fmt: skip
    follow_up = getattr(e, "follow_up", None)
    detail = {
        "inquirer": dict(e.inquirer),
        "needs": needs,
        "disposition": getattr(e, "disposition", None),
        "ended_at": _text(getattr(e, "ended_at", None)),
        "follow_ups": [dict(follow_up, done=None)] if follow_up else [],
        "corrections": [],
        "recorded_by": e.actor,
    }
    row = ContactRow(
        id=e.originator_id, key=e.key, position=item.position, recorded_at=e.timestamp,
        channel=e.channel, started_at=e.started_at, answered_at=e.answered_at, ended_at=None,
        day=local_day(e.started_at), language=e.language, interpreter=e.interpreter,
        counsellor=e.counsellor, inquirer_type="", age_band="", gender="", territory=None,
        disposition=None, wait_seconds=None, handle_seconds=None, detail=detail,
    )  # fmt: skip
    _derive(row)
    return row


def _correction(detail: dict[str, Any], e: Any, what: str, value: Any) -> None:
    detail["corrections"].append(
        {"what": what, "value": value, "reason": e.reason, "by": e.actor,
         "at": e.occurred_at.isoformat()}
    )  # fmt: skip


def _step(row: ContactRow, item: Positioned) -> None:
    e = item.event
    detail = row.detail
    needs = detail["needs"]
    if isinstance(e, Interaction.NeedIdentified):
        needs.append({"code": e.code, "referrals": [], "information": [], "unmet": None,
                      "withdrawn": False})  # fmt: skip
    elif isinstance(e, Interaction.ServiceReferred):
        needs[e.need]["referrals"].append(dict(e.referral))
    elif isinstance(e, Interaction.InformationGiven):
        needs[e.need]["information"].append(e.information)
    elif isinstance(e, Interaction.UnmetNeedRecorded):
        needs[e.need]["unmet"] = {
            "reason": e.reason, "reasons_version": e.reasons_version, "note": e.note,
        }  # fmt: skip
    elif isinstance(e, Interaction.Closed):
        detail["ended_at"] = e.ended_at.isoformat()
        detail["disposition"] = e.disposition
    elif isinstance(e, Interaction.FollowUpScheduled):
        detail["follow_ups"].append({"due": e.due.isoformat(), "note": e.note, "done": None})
    elif isinstance(e, Interaction.FollowUpDone):
        detail["follow_ups"][e.follow_up]["done"] = {
            "outcome": e.outcome, "at": e.occurred_at.isoformat(), "by": e.actor,
        }  # fmt: skip
    elif isinstance(e, Interaction.InquirerCorrected):
        _correction(detail, e, "inquirer", dict(e.inquirer))
        detail["inquirer"] = dict(e.inquirer)
    elif isinstance(e, Interaction.DispositionCorrected):
        _correction(detail, e, "disposition", e.disposition)
        detail["disposition"] = e.disposition
    elif isinstance(e, Interaction.NeedWithdrawn):
        _correction(detail, e, f"needs[{e.need}]", "withdrawn")
        needs[e.need]["withdrawn"] = True
    row.position = item.position
    _derive(row)


CREATIONS = (Interaction.Logged, Interaction.Opened)


def fold(page: Iterable[Positioned], rows: MutableMapping[UUID, ContactRow]) -> set[UUID]:
    """Applies the page to `rows` (the contacts it touches, as stored); returns those changed."""
    changed: set[UUID] = set()
    for item in page:
        id = item.event.originator_id
        if isinstance(item.event, CREATIONS):
            if id not in rows:
                rows[id] = _created(item)
                changed.add(id)
            continue
        row = rows.get(id)
        if row is None or row.position >= item.position:
            continue  # already applied (a page replayed after a crash)
        _step(row, item)
        changed.add(id)
    return changed


def needs_preceding_rows(page: Iterable[Positioned]) -> set[UUID]:
    """The contacts a page changes without creating them first: their rows must be read."""
    created: set[UUID] = set()
    wanted: set[UUID] = set()
    for item in page:
        id = item.event.originator_id
        if isinstance(item.event, CREATIONS):
            created.add(id)
        elif id not in created:
            wanted.add(id)
    return wanted
