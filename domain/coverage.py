"""Coverage agreements: which territories the service covers, on which channels, from when to when.

Dates are business (effective) dates; every fact also has its recording time (`timestamp`),
so the coverage can be asked as it is known now or as it was known at a past moment.
An agreement covers from `effective_from` (included) until `effective_until` (excluded): the
last covered day is the day before; no `effective_until` means open-ended.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import limits
from domain.errors import InvalidInput
from domain.events import Fact
from domain.moments import check_day
from domain.text import check, parse_text
from domain.values import parse_territory_codes as parse_codes

# The longest funder, programme or reason.
TEXT_MAX = 1_000


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    CHAT = "chat"
    EMAIL = "email"


def parse_channels(field: str, channels: list[str]) -> list[str]:
    limits.bounded(field, channels, limits.CHANNELS_MAX)
    for index, channel in enumerate(channels):
        check(f"{field}[{index}]", channel, max_length=limits.CODE_MAX)
    cleaned = list(dict.fromkeys(channel.strip().lower() for channel in channels))
    if not cleaned:
        raise InvalidInput(field, "name at least one channel")
    known = {channel.value for channel in Channel}
    for index, channel in enumerate(cleaned):
        if channel not in known:
            raise InvalidInput(f"{field}[{index}]", f"{channel!r} is not one of {sorted(known)}")
    return sorted(cleaned)


def parse_territory_codes(field: str, codes: list[str]) -> list[str]:
    cleaned = list(parse_codes(field, codes, limits.AGREEMENT_TERRITORIES_MAX))
    if not cleaned:
        raise InvalidInput(field, "name at least one territory")
    return cleaned


def _text(field: str, text: str | None, *, required: bool = False) -> str | None:
    cleaned = parse_text(field, text, max_length=TEXT_MAX)
    if required and not cleaned:
        raise InvalidInput(field, "is required")
    return cleaned or None


def _period(effective_from: date, effective_until: date | None) -> None:
    check_day("effectiveFrom", effective_from)
    if effective_until is not None:
        check_day("effectiveUntil", effective_until)
    if effective_until is not None and effective_until <= effective_from:
        raise InvalidInput(
            "effectiveUntil",
            f"ends on {effective_until} (excluded), not after it starts on {effective_from}",
        )


class CoverageAgreement(Aggregate):
    TOPIC = "guichet.CoverageAgreement"
    kind: ClassVar[str] = "coverage agreement"

    class Event(Fact):
        pass

    class Agreed(Aggregate.Created, Event):
        TOPIC = "guichet.CoverageAgreement.Agreed"
        territories: list[str]
        channels: list[str]
        effective_from: date
        effective_until: date | None
        funder: str
        programme: str | None
        reason: str | None

    Created = Agreed

    @event(Agreed)
    def __init__(
        self,
        id: UUID,
        territories: list[str],
        channels: list[str],
        effective_from: date,
        effective_until: date | None,
        funder: str,
        programme: str | None,
        reason: str | None,
        actor: str,
        occurred_at: datetime,
    ) -> None:
        self.territories = list(territories)
        self.channels = list(channels)
        self.effective_from = effective_from
        self.effective_until = effective_until
        self.funder = funder
        self.programme = programme
        self.cancelled = False

    @classmethod
    def agree(
        cls, id: UUID, territories: list[str], channels: list[str], effective_from: date,
        effective_until: date | None, funder: str, programme: str | None, reason: str | None,
        *, actor: str, at: datetime,
    ) -> CoverageAgreement:  # fmt: skip
        _period(effective_from, effective_until)
        return cls._create(
            cls.Agreed, id=id, timestamp=at,
            territories=parse_territory_codes("territories", territories),
            channels=parse_channels("channels", channels),
            effective_from=effective_from, effective_until=effective_until,
            funder=_text("funder", funder, required=True),
            programme=_text("programme", programme), reason=_text("reason", reason),
            actor=actor, occurred_at=at,
        )  # fmt: skip

    class Extended(Event):
        TOPIC = "guichet.CoverageAgreement.Extended"
        effective_until: date | None
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CoverageAgreement)
            aggregate.effective_until = self.effective_until

    class EndedEarly(Event):
        TOPIC = "guichet.CoverageAgreement.EndedEarly"
        effective_until: date
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CoverageAgreement)
            aggregate.effective_until = self.effective_until

    class Amended(Event):
        TOPIC = "guichet.CoverageAgreement.Amended"
        territories: list[str]
        channels: list[str]
        effective_from: date
        funder: str
        programme: str | None
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CoverageAgreement)
            aggregate.territories = list(self.territories)
            aggregate.channels = list(self.channels)
            aggregate.effective_from = self.effective_from
            aggregate.funder = self.funder
            aggregate.programme = self.programme

    class Cancelled(Event):
        TOPIC = "guichet.CoverageAgreement.Cancelled"
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CoverageAgreement)
            aggregate.cancelled = True

    def _require_live(self, doing: str) -> None:
        if self.cancelled:
            raise InvalidInput(
                "id", f"the agreement was cancelled (recorded in error); cannot {doing}"
            )

    def _fact(self, cls: type[Fact], at: datetime, **fields: object) -> None:
        self.trigger_event(cls, timestamp=at, occurred_at=at, **fields)

    def extend(self, until: date | None, reason: str | None, *, actor: str, at: datetime) -> None:
        """Moves the end later, or removes it (open-ended)."""
        self._require_live("extend it")
        if self.effective_until is None:
            raise InvalidInput("effectiveUntil", "the agreement is already open-ended")
        if until is not None:
            check_day("effectiveUntil", until)
        if until is not None and until <= self.effective_until:
            raise InvalidInput(
                "effectiveUntil",
                f"an extension ends after the current end {self.effective_until}, not on {until}",
            )
        self._fact(
            self.Extended, at, effective_until=until, reason=_text("reason", reason), actor=actor
        )

    def end_early(self, until: date, reason: str | None, *, actor: str, at: datetime) -> None:
        """Ends the agreement before its planned end (`until` is the first day not covered)."""
        self._require_live("end it")
        _period(self.effective_from, until)
        if self.effective_until is not None and until >= self.effective_until:
            raise InvalidInput(
                "effectiveUntil",
                f"ending early means before the current end {self.effective_until}, not {until}",
            )
        self._fact(
            self.EndedEarly, at, effective_until=until, reason=_text("reason", reason), actor=actor
        )

    def amend(
        self, territories: list[str], channels: list[str], effective_from: date, funder: str,
        programme: str | None, reason: str | None, *, actor: str, at: datetime,
    ) -> None:  # fmt: skip
        self._require_live("amend it")
        _period(effective_from, self.effective_until)
        self._fact(
            self.Amended, at, territories=parse_territory_codes("territories", territories),
            channels=parse_channels("channels", channels), effective_from=effective_from,
            funder=_text("funder", funder, required=True), programme=_text("programme", programme),
            reason=_text("reason", reason), actor=actor,
        )  # fmt: skip

    def cancel(self, reason: str, *, actor: str, at: datetime) -> None:
        """The agreement was recorded in error: it never covered anything."""
        self._require_live("cancel it again")
        self._fact(self.Cancelled, at, reason=_text("reason", reason, required=True), actor=actor)

    def overlaps(self, other: CoverageAgreement) -> bool:
        """Both live, of the same funder, sharing a territory and a channel, and their periods
        meet: the second would double-count what the first covers (change the first instead)."""
        return (
            other.id != self.id
            and not (self.cancelled or other.cancelled)
            and funder_key(self.funder) == funder_key(other.funder)
            and bool(set(self.territories) & set(other.territories))
            and bool(set(self.channels) & set(other.channels))
            and (other.effective_until is None or self.effective_from < other.effective_until)
            and (self.effective_until is None or other.effective_from < self.effective_until)
        )


# Characters that show nothing but are not format characters (category Cf): fillers and the
# blank braille pattern.
_BLANKS = dict.fromkeys(map(ord, "\u115f\u1160\u3164\uffa0\u2800"), " ")
# Apostrophes and dashes that word processors put for the plain ones.
_LOOKALIKES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-",
                             "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                             "\u2212": "-"})  # fmt: skip


def funder_key(funder: str) -> str:
    """Who the funder is, however it was written: compatibility forms (fullwidth letters,
    ligatures, no-break spaces) as their plain letters, accents and other marks left out
    (`Montreal` is `Montréal`), typographic apostrophes and dashes as plain ones, invisible
    characters (zero-width spaces, soft hyphens, variation selectors, fillers) left out, spaces
    folded, case ignored. Two names that read the same are one funder, so neither can escape the
    overlap rule; a wrong match is a refusal that names the other agreement, a wrong miss would
    count a place twice."""
    plain = unicodedata.normalize("NFKD", funder).translate(_BLANKS).translate(_LOOKALIKES)
    visible = "".join(c for c in plain if unicodedata.category(c) not in ("Cf", "Mn"))
    return " ".join(visible.casefold().split())


def ledger_id(funder: str) -> UUID:
    """One ledger per funder, however the funder was written (`funder_key`)."""
    return uuid5(NAMESPACE_URL, f"guichet:coverage-ledger:{funder_key(funder)}")


class CoverageLedger(Aggregate):
    """A funder's agreements. Every fact that could make two of them overlap is saved with a
    fact of this ledger, in one transaction: two such facts written at once conflict on the
    ledger's version, and the second is checked again against the first."""

    TOPIC = "guichet.CoverageLedger"
    kind: ClassVar[str] = "coverage ledger"

    class Event(Fact):
        pass

    class Opened(Aggregate.Created, Event):
        """Opened with the funder's agreements already in the log (made before ledgers were)."""

        TOPIC = "guichet.CoverageLedger.Opened"
        funder: str
        agreements: list[UUID]

    Created = Opened

    @event(Opened)
    def __init__(
        self, funder: str, agreements: list[UUID], actor: str, occurred_at: datetime
    ) -> None:
        self.funder = funder
        self.agreements = list(agreements)

    @classmethod
    def open(
        cls, funder: str, agreements: list[UUID], *, actor: str, at: datetime
    ) -> CoverageLedger:
        return cls._create(
            cls.Opened, id=ledger_id(funder), timestamp=at, funder=funder,
            agreements=list(dict.fromkeys(agreements)), actor=actor, occurred_at=at,
        )  # fmt: skip

    class AgreementAdded(Event):
        TOPIC = "guichet.CoverageLedger.AgreementAdded"
        agreement_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CoverageLedger)
            aggregate.agreements.append(self.agreement_id)

    class AgreementChanged(Event):
        """An agreement of the ledger changed its territories, channels or period."""

        TOPIC = "guichet.CoverageLedger.AgreementChanged"
        agreement_id: UUID

    def note(self, agreement_id: UUID, *, actor: str, at: datetime) -> None:
        """Records that the agreement was checked against the others and saved with them."""
        cls = self.AgreementChanged if agreement_id in self.agreements else self.AgreementAdded
        self.trigger_event(
            cls, timestamp=at, occurred_at=at, agreement_id=agreement_id, actor=actor
        )
