"""Coverage over time: every version of every agreement, with the time it was recorded.

Asked "as known at" a past moment, coverage reads each agreement as its last version recorded
by then; asked without it, as its latest version. A territory is covered on a channel at a
date when it, or a place it lies in, is named by a live agreement on that channel whose
period holds the date (`covers_place`, the one definition; the coverage view's SQL lookup is
tested against it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.coverage import CoverageAgreement
from projections.base import Positioned
from projections.territories import Place as Place
from projections.territories import Places as Places
from projections.territories import TerritorySnapshot

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
class Interval:
    start: date
    end: date | None  # excluded; None: open-ended
    agreements: tuple[AgreementVersion, ...]


@dataclass(frozen=True)
class CoverageChange:
    day: date
    place: Place
    gained: bool


def covers_place(agreement: AgreementVersion, place: Place, channel: str, day: date) -> bool:
    """Whether the agreement covers the place (as it lay that day) on the channel that day."""
    return agreement.covers(channel, day) and place.within(set(agreement.territories))


def in_force(agreements: list[AgreementVersion], channel: str, at: date) -> set[str]:
    """The territory codes named by agreements covering `channel` on `at`."""
    return {code for a in agreements if a.covers(channel, at) for code in a.territories}


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
            a for a in agreements if place is not None and covers_place(a, place, channel, start)
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


def periods(start: date, end: date, granularity: str, steps: Iterable[date] = ()) -> list[date]:
    """The first day of each day, month or year from `start` to `end`, both included; for
    "change", `start` and each of `steps` after it up to `end` (the days coverage may change)."""
    if granularity == "change":
        return [start, *sorted({day for day in steps if start < day <= end})]
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


def place_codes(
    snapshot: TerritorySnapshot, code: str, day: date, known_at: datetime | None
) -> list[str] | None:
    """The place and every place it lay in on `day`, whose agreements cover it; [] for a place
    known now but not then (nothing covered it as far as anyone knew); None for no place."""
    place = snapshot.places_at(day, known_at).by_code.get(code)
    if place is None:
        return [] if code in snapshot.rows else None
    return [place.code, *place.ancestors]


def covering(
    snapshot: TerritorySnapshot, agreements: list[AgreementVersion], code: str, channel: str,
    day: date, known_at: datetime | None,
) -> list[AgreementVersion] | None:  # fmt: skip
    """The agreements covering the place on the channel that day; None for no place."""
    place = snapshot.places_at(day, known_at).by_code.get(code)
    if place is None:
        return [] if code in snapshot.rows else None
    return [a for a in agreements if covers_place(a, place, channel, day)]


@dataclass(frozen=True)
class KindTotal:
    kind: str
    count: int
    population: int


@dataclass(frozen=True)
class Covered:
    """The places of the kind asked covered on a day, and the totals of every kind."""

    places: list[Place]
    totals: list[KindTotal]

    @property
    def population(self) -> int:
        return sum(place.population or 0 for place in self.places)


def covered_territories(
    snapshot: TerritorySnapshot, agreements: list[AgreementVersion], channel: str, day: date,
    kind: str | None, known_at: datetime | None,
) -> Covered:  # fmt: skip
    codes = in_force(agreements, channel, day)
    every = snapshot.places_at(day, known_at).covered(codes, None)
    totals = [
        KindTotal(
            kind=k,
            count=sum(1 for p in every if p.kind == k),
            population=sum(p.population or 0 for p in every if p.kind == k),
        )
        for k in sorted({p.kind for p in every})
    ]
    return Covered([p for p in every if kind is None or p.kind == kind], totals)


@dataclass(frozen=True)
class PopulationPoint:
    day: date
    people: int
    municipalities: int


def population_series(
    snapshot: TerritorySnapshot, agreements: list[AgreementVersion], channel: str,
    days: list[date], known_at: datetime | None,
) -> list[PopulationPoint]:  # fmt: skip
    """People and municipalities covered on each day, with the hierarchy of that day."""
    series = []
    for day in days:
        codes = in_force(agreements, channel, day)
        people, towns = population(snapshot.places_at(day, known_at), codes)
        series.append(PopulationPoint(day, people, towns))
    return series
