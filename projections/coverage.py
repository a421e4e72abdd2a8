"""Coverage over time: every version of every agreement, with the time it was recorded.

Asked "as known at" a past moment, coverage reads each agreement as its last version recorded
by then; asked without it, as its latest version. A territory is covered on a channel at a
date when it, or a place it lies in, is named by a live agreement on that channel whose
period holds the date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.coverage import CoverageAgreement
from projections.base import Positioned

FACTS = (
    CoverageAgreement.Agreed,
    CoverageAgreement.Extended,
    CoverageAgreement.EndedEarly,
    CoverageAgreement.Amended,
    CoverageAgreement.Cancelled,
)
TOPICS = tuple(get_topic(cls) for cls in FACTS)


@dataclass(frozen=True)
class AgreementVersion:
    agreement_id: UUID
    version: int
    recorded_at: datetime
    fact: str
    actor: str
    reason: str | None
    territories: list[str]
    channels: list[str]
    effective_from: date
    effective_until: date | None
    funder: str
    programme: str | None
    cancelled: bool
    position: int

    def covers(self, channel: str, at: date) -> bool:
        return (
            not self.cancelled
            and channel in self.channels
            and self.effective_from <= at
            and (self.effective_until is None or at < self.effective_until)
        )


def next_version(previous: AgreementVersion | None, item: Positioned) -> AgreementVersion | None:
    """The agreement as this fact leaves it; None for a fact this projection does not read."""
    event = item.event
    if not isinstance(event, FACTS):
        return None
    common = {
        "version": event.originator_version,
        "recorded_at": event.timestamp,
        "fact": type(event).__name__,
        "actor": event.actor,
        "reason": getattr(event, "reason", None),
        "position": item.position,
    }
    if isinstance(event, CoverageAgreement.Agreed):
        return AgreementVersion(
            agreement_id=event.originator_id, territories=list(event.territories),
            channels=list(event.channels), effective_from=event.effective_from,
            effective_until=event.effective_until, funder=event.funder,
            programme=event.programme, cancelled=False, **common,  # type: ignore[arg-type]
        )  # fmt: skip
    assert previous is not None, f"{type(event).__name__} before Agreed"
    if isinstance(event, CoverageAgreement.Extended | CoverageAgreement.EndedEarly):
        return replace(previous, effective_until=event.effective_until, **common)  # type: ignore[arg-type]
    if isinstance(event, CoverageAgreement.Amended):
        return replace(
            previous, territories=list(event.territories), channels=list(event.channels),
            effective_from=event.effective_from, funder=event.funder,
            programme=event.programme, **common,  # type: ignore[arg-type]
        )  # fmt: skip
    return replace(previous, cancelled=True, **common)  # type: ignore[arg-type]
