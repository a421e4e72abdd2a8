"""Coverage over time: every version of every agreement, with the time it was recorded.

Asked "as known at" a past moment, coverage reads each agreement as its last version recorded
by then; asked without it, as its latest version. A territory is covered on a channel at a
date when it, or a place it lies in, is named by a live agreement on that channel whose
period holds the date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
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


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str
    population: int | None
    ancestors: tuple[str, ...]

    def within(self, codes: set[str]) -> bool:
        return self.code in codes or any(code in codes for code in self.ancestors)


@dataclass(frozen=True)
class Interval:
    start: date
    end: date | None  # excluded; None: open-ended
    agreements: tuple[AgreementVersion, ...]


@dataclass(frozen=True)
class CoverageChange:
    day: date
    place: Place
    gained: bool


def in_force(agreements: list[AgreementVersion], channel: str, at: date) -> set[str]:
    """The territory codes named by agreements covering `channel` on `at`."""
    return {code for a in agreements if a.covers(channel, at) for code in a.territories}


class Places:
    """Every place, indexed by each code it is or lies in, so that the places an agreement
    covers are looked up rather than searched for."""

    def __init__(self, places: list[Place]) -> None:
        self.all = places
        self.by_code = {place.code: place for place in places}
        self.within: dict[str, list[Place]] = {}
        for place in places:
            for code in (place.code, *place.ancestors):
                self.within.setdefault(code, []).append(place)

    def covered(self, codes: set[str], kind: str | None) -> list[Place]:
        found = {
            place.code: place
            for code in codes
            for place in self.within.get(code, ())
            if kind is None or place.kind == kind
        }
        return [found[code] for code in sorted(found)]


def boundaries(agreements: list[AgreementVersion], channel: str) -> list[date]:
    """Every day coverage on `channel` may change: agreements' starts and ends."""
    days = set()
    for agreement in agreements:
        if agreement.cancelled or channel not in agreement.channels:
            continue
        days.add(agreement.effective_from)
        if agreement.effective_until is not None:
            days.add(agreement.effective_until)
    return sorted(days)


PlacesAt = Callable[[date], "Places"]


def timeline(
    code: str, places_at: PlacesAt, epochs: list[date], agreements: list[AgreementVersion],
    channel: str,
) -> list[Interval]:  # fmt: skip
    """The periods `code` is covered on `channel`, each with the agreements covering it, with
    the hierarchy of each period (`epochs`: the days it changed)."""
    days = sorted({*boundaries(agreements, channel), *epochs})
    intervals: list[Interval] = []
    for index, start in enumerate(days):
        end = days[index + 1] if index + 1 < len(days) else None
        place = places_at(start).by_code.get(code)
        covering = tuple(
            a for a in agreements
            if place is not None and a.covers(channel, start) and place.within(set(a.territories))
        )  # fmt: skip
        if not covering:
            continue
        last = intervals[-1] if intervals else None
        if last is not None and last.end == start and last.agreements == covering:
            intervals[-1] = Interval(last.start, end, covering)
        else:
            intervals.append(Interval(start, end, covering))
    return intervals


def changes(
    places_at: PlacesAt, epochs: list[date], agreements: list[AgreementVersion], channel: str,
    start: date, end: date, kind: str,
) -> list[CoverageChange]:  # fmt: skip
    """Places of `kind` gained or lost on `channel` on the days after `start` up to `end`,
    by agreements starting or ending or by the hierarchy changing."""
    found: list[CoverageChange] = []
    for day in sorted({*boundaries(agreements, channel), *epochs}):
        if not start < day <= end:
            continue
        earlier = places_at(day - ONE_DAY)
        places = places_at(day)
        by_code = places.by_code
        previous = in_force(agreements, channel, day - ONE_DAY)
        before = {p.code for p in earlier.covered(previous, kind)}
        now = {p.code for p in places.covered(in_force(agreements, channel, day), kind)}
        found.extend(CoverageChange(day, by_code[c], True) for c in sorted(now - before))
        found.extend(
            CoverageChange(day, by_code.get(c) or earlier.by_code[c], False)
            for c in sorted(before - now)
        )
    return found


def population(places: Places, codes: set[str]) -> tuple[int, int]:
    """(people, municipalities) covered: municipalities carry the population counts."""
    covered = places.covered(codes, "municipality")
    return sum(p.population or 0 for p in covered), len(covered)


def periods(start: date, end: date, granularity: str) -> list[date]:
    """The first day of each day, month or year from `start` to `end`, both included."""
    days: list[date] = []
    current = start
    while current <= end:
        days.append(current)
        if granularity == "day":
            current = current + ONE_DAY
        elif granularity == "month":
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        else:
            current = date(current.year + 1, 1, 1)
    return days


ONE_DAY = timedelta(days=1)


def duplicate_of(
    territories: list[str], channels: list[str], start: date, end: date | None, funder: str,
    known: list[AgreementVersion],
) -> AgreementVersion | None:  # fmt: skip
    """A live agreement of the same funder for a shared territory and channel whose period
    overlaps: a second agreement would double-count it; the first should be changed instead."""
    for other in known:
        if (
            not other.cancelled
            and other.funder.casefold() == funder.casefold()
            and set(other.territories) & set(territories)
            and set(other.channels) & set(channels)
            and (other.effective_until is None or start < other.effective_until)
            and (end is None or other.effective_from < end)
        ):
            return other
    return None
