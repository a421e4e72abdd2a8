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
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.interactions import Interaction
from projections.base import Positioned
from projections.contact_detail import ContactDetail

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


class ContactFact(Protocol):
    """A contact fact as the view reads it: its payload's members as attributes, and the
    payload itself (`state`, plain values) for the hot path of a rebuild."""

    topic: str
    originator_id: UUID
    state: dict[str, Any]


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

    def details(self) -> ContactDetail:
        """The document as typed values."""
        return ContactDetail.of(self.detail)


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


def created_detail(state: dict[str, Any]) -> dict[str, Any]:
    """A new contact's document, from the creating fact's payload (which it takes over: each
    payload is read afresh, so its lists become the document's own)."""
    needs = state.get("needs", [])
    for need in needs:
        need["withdrawn"] = False
    follow_up = state.get("follow_up")
    ended: datetime | None = state.get("ended_at")
    return {
        "inquirer": state["inquirer"],
        "needs": needs,
        "disposition": state.get("disposition"),
        "ended_at": ended.isoformat() if ended is not None else None,
        "follow_ups": [dict(follow_up, done=None)] if follow_up else [],
        "corrections": [],
        "recorded_by": state["actor"],
    }


def _created(item: Positioned) -> ContactRow:
    """A new contact's row, read from the creating fact's payload (the hot path of a rebuild)."""
    fact: ContactFact = item.event
    state = fact.state
    started: datetime = state["started_at"]
    answered: datetime | None = state["answered_at"]
    ended: datetime | None = state.get("ended_at")
    detail = created_detail(state)
    needs, inquirer, disposition = detail["needs"], detail["inquirer"], detail["disposition"]
    return ContactRow(
        id=fact.originator_id, key=state["key"], position=item.position,
        recorded_at=state["timestamp"],
        channel=state["channel"], started_at=started, answered_at=answered, ended_at=ended,
        day=local_day(started), language=state["language"], interpreter=state["interpreter"],
        counsellor=state["counsellor"], inquirer_type=inquirer["type"],
        age_band=inquirer["age_band"], gender=inquirer["gender"],
        territory=inquirer["territory"], disposition=disposition,
        wait_seconds=_seconds(started, answered), handle_seconds=_seconds(answered, ended),
        need_codes=[need["code"] for need in needs],
        need_unmet=[need["unmet"]["reason"] if need["unmet"] else "" for need in needs],
        referral_organizations=[
            referral["organization_id"] for need in needs for referral in need["referrals"]
        ],
        detail=detail,
    )  # fmt: skip


def _correction(detail: dict[str, Any], e: Any, what: str, value: Any) -> None:
    detail["corrections"].append(
        {"what": what, "value": value, "reason": e.reason, "by": e.actor,
         "at": e.occurred_at.isoformat()}
    )  # fmt: skip


def _step(row: ContactRow, item: Positioned) -> None:
    e = item.event
    detail = row.detail
    needs = detail["needs"]
    if e.topic == Interaction.NeedIdentified.TOPIC:
        needs.append({"code": e.code, "referrals": [], "information": [], "unmet": None,
                      "withdrawn": False})  # fmt: skip
    elif e.topic == Interaction.ServiceReferred.TOPIC:
        needs[e.need]["referrals"].append(dict(e.referral))
    elif e.topic == Interaction.InformationGiven.TOPIC:
        needs[e.need]["information"].append(e.information)
    elif e.topic == Interaction.UnmetNeedRecorded.TOPIC:
        needs[e.need]["unmet"] = {
            "reason": e.reason, "reasons_version": e.reasons_version, "note": e.note,
        }  # fmt: skip
    elif e.topic == Interaction.Closed.TOPIC:
        detail["ended_at"] = e.ended_at.isoformat()
        detail["disposition"] = e.disposition
    elif e.topic == Interaction.FollowUpScheduled.TOPIC:
        detail["follow_ups"].append({"due": e.due.isoformat(), "note": e.note, "done": None})
    elif e.topic == Interaction.FollowUpDone.TOPIC:
        detail["follow_ups"][e.follow_up]["done"] = {
            "outcome": e.outcome, "at": e.occurred_at.isoformat(), "by": e.actor,
        }  # fmt: skip
    elif e.topic == Interaction.InquirerCorrected.TOPIC:
        _correction(detail, e, "inquirer", dict(e.inquirer))
        detail["inquirer"] = dict(e.inquirer)
    elif e.topic == Interaction.DispositionCorrected.TOPIC:
        _correction(detail, e, "disposition", e.disposition)
        detail["disposition"] = e.disposition
    elif e.topic == Interaction.NeedWithdrawn.TOPIC:
        _correction(detail, e, f"needs[{e.need}]", "withdrawn")
        needs[e.need]["withdrawn"] = True
    row.position = item.position
    _derive(row)


CREATIONS = (Interaction.Logged.TOPIC, Interaction.Opened.TOPIC)


def fold(page: Iterable[Positioned], rows: MutableMapping[UUID, ContactRow]) -> set[UUID]:
    """Applies the page to `rows` (the contacts it touches, as stored); returns those changed."""
    changed: set[UUID] = set()
    for item in page:
        id = item.event.originator_id
        if item.event.topic in CREATIONS:
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
        if item.event.topic in CREATIONS:
            created.add(id)
        elif id not in created:
            wanted.add(id)
    return wanted
