"""A service's parts as HSDS spreads them over child tables: phones, hours and closures,
languages, service areas, taxonomy terms and the assured date, each mapped what it can be and
reported where it cannot."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from domain import limits
from domain.errors import InvalidInput
from domain.values import OpeningHours, Phone, Schedule, parse_taxonomy
from infra.hsds.cells import Cells, fold
from infra.hsds.columns import HOURS_TEXT
from infra.hsds.hours import (
    ALL_DAYS,
    HoursNotUnderstood,
    PastMidnight,
    clock_range,
    parse_days,
    parse_hours,
)
from infra.hsds.languages import language_codes
from infra.hsds.report import Report
from infra.hsds.source import Package, Row
from infra.hsds.territory_names import TerritoryNames
from projections.interactions import MONTREAL

# A holiday closure longer than this is not a holiday; it is read as a mistake.
MAX_CLOSURE_DAYS = 62
_WEEKDAYS = {"mo": 1, "tu": 2, "we": 3, "th": 4, "fr": 5, "sa": 6, "su": 7}
_PHONE_KINDS = {
    "voice": "voice",
    "cell": "voice",
    "mobile": "voice",
    "video": "voice",
    "pager": "voice",
    "fax": "fax",
    "text": "text",
    "sms": "text",
    "tty": "tty",
    "textphone": "tty",
}


_ORDINAL = re.compile(r"[+-]?\d+\s*[a-zA-Z]{2}")


class ServiceParts(Cells):
    def __init__(
        self, package: Package, report: Report, language: str, territories: TerritoryNames
    ) -> None:
        super().__init__(package, report, language)
        self.territories = territories
        # Organization ids the records refer to → the first row that does.
        self.referred: dict[str, str] = {}
        self.today: date | None = None
        # Rows of locations and organizations a service took as its own (by id()).
        self.taken: set[int] = set()

    def assured(self, row: Row, where: str) -> tuple[datetime | None, str | None]:
        raw = str(row.get("assured_date") or "").strip()
        if not raw:
            return None, None
        try:
            day = date.fromisoformat(raw[:10])
        except ValueError:
            self.report.note("service", "assured_date not a date, left out", where, raw)
            return None, None
        assurer = str(row.get("assurer_email") or "").strip() or "HSDS assured_date"
        # The start of that day in Montréal: a date Guichet exported is the Montréal day of its
        # check, which is then no later than the check (re-imported, nothing new), and today's
        # date is never in the future.
        return datetime.combine(day, time(0), MONTREAL).astimezone(UTC), assurer

    def phones(self, rows: list[Row], where: str) -> tuple[Phone, ...]:
        found: list[Phone] = []
        for row in rows:
            kind = _PHONE_KINDS.get(fold(str(row.get("type") or "voice")), "voice")
            extension = str(row.get("extension") or "").strip().removesuffix(".0")
            try:
                phone = Phone.parse("phone", str(row.get("number") or ""), kind, extension or None)
            except InvalidInput:
                self.report.note(
                    "service",
                    "phone number not understood, left out",
                    row.get("_where", where),
                    str(row.get("number") or ""),
                )
                continue
            if phone not in found:
                found.append(phone)
        return tuple(found)

    def inherited(
        self, table: str, key: str, links: list[str], places: list[str], owner: str, where: str
    ) -> list[Row]:
        """A service's own rows of `table` (and those of its services at locations); else
        those of the locations it is offered at; else, for phones, its organization's. The
        report notes each inheritance."""
        rows = self.attached(table, key, links)
        if rows:
            return rows
        sources = [("location", [r for p in places for r in self.rows_of(table, "location_id", p)])]
        if table == "phone":
            sources.append(("organization", self.rows_of(table, "organization_id", owner)))
        for source, found in sources:
            # Not another service's rows that also name the location or the organization.
            found = [r for r in found if not _service_pointer(r)]
            if found:
                self.taken.update(map(id, found))
                what = {"phone": "phones", "schedule": "opening hours"}.get(table, "closed days")
                self.report.note(
                    "service", f"no {what} of its own, those of its {source} taken", where,
                    str(found[0].get("_where", "")),
                )  # fmt: skip
                return found
        return []

    def unclaimed(self) -> None:
        """Phones and hours of locations and organizations no service took, reported."""
        for table, what in (
            ("phone", "phones"),
            ("schedule", "opening hours"),
            ("holiday_schedule", "closed days"),
        ):
            for row in self.package.rows(table):
                if id(row) in self.taken or _service_pointer(row):
                    continue
                for pointer, kind in (
                    ("location_id", "location"),
                    ("organization_id", "organization"),
                ):
                    if str(row.get(pointer) or "").strip():
                        self.report.note(kind, f"{what} no service takes, left out", row["_where"])
                        break

    def schedule(self, key: str, links: list[str], places: list[str], where: str) -> Schedule:
        hours: list[OpeningHours] = []
        for row in self.inherited("schedule", key, links, places, "", where):
            for opening in self.opening_hours(row):
                if opening not in hours:
                    hours.append(opening)
        closed: set[date] = set()
        for row in self.inherited("holiday_schedule", key, links, places, "", where):
            closed.update(self.closures(row))
        hours.sort(key=lambda h: (h.weekday, h.opens))
        return Schedule(
            hours=tuple(self.most("service", where, "opening hours", hours, limits.HOURS_MAX)),
            closed_on=tuple(
                self.most("service", where, "closed days", sorted(closed), limits.CLOSED_DAYS_MAX)
            ),
        )

    def opening_hours(self, row: Row) -> list[OpeningHours]:
        """Structured hours when they can be read whole; else the row's text. Guichet's
        schedule has no free-text note, so text that says more than the hours is not kept."""
        where = row["_where"]
        if not self.valid_today(row):
            return []
        if (rule := _not_weekly(row)) is not None:
            self.report.note(
                "service", "opening hours not weekly, left out (Guichet's hours repeat each week)",
                where, rule,
            )  # fmt: skip
            return []
        text = " ".join(str(row.get(k) or "") for k in HOURS_TEXT).strip()
        if row.get("opens_at") or row.get("closes_at"):
            try:
                opens, closes = clock_range(row.get("opens_at"), row.get("closes_at"))
                days = _days(row) or (parse_days(text) if text else ()) or _every_day(row)
                if not days:
                    raise HoursNotUnderstood("no day in the row")
                return [OpeningHours.parse("schedule", day, opens, closes) for day in days]
            except (HoursNotUnderstood, InvalidInput) as error:
                if not text:
                    self.left_out(where, error)
                    return []
                self.report.note(
                    "service", "structured hours incomplete or unreadable, read from the text",
                    where, text[:80],
                )  # fmt: skip
        if not text:
            if row.get("byday") or row.get("weekday"):
                self.report.note(
                    "service",
                    "opening hours not understood, left out",
                    where,
                    "incomplete schedule row",
                )
            return []
        try:
            return list(parse_hours(text))
        except HoursNotUnderstood as error:
            self.left_out(where, error)
            return []

    def left_out(self, where: str, error: HoursNotUnderstood | InvalidInput) -> None:
        """Hours that cannot be read are reported, never stored as other hours."""
        detail = error.message if isinstance(error, InvalidInput) else str(error)
        what = "opening hours not understood, left out"
        if isinstance(error, PastMidnight):
            what = "opening hours past midnight, left out (Guichet's hours end at midnight)"
        self.report.note("service", what, where, detail)

    def valid_today(self, row: Row) -> bool:
        """HSDS 3.0 `valid_from` and `valid_to`: hours that ended before the import, or begin
        after it, are not the service's hours now (a summer schedule beside the usual one)."""
        since, until = (str(row.get(k) or "").strip()[:10] for k in ("valid_from", "valid_to"))
        if self.today is None or not (since or until):
            return True
        try:
            ended = bool(until) and date.fromisoformat(until) < self.today
            begins = bool(since) and date.fromisoformat(since) > self.today
        except ValueError:
            self.report.note("service", "valid_from or valid_to not a date, ignored", row["_where"])
            return True
        if ended or begins:
            self.report.note(
                "service", "hours not valid on the import date, left out", row["_where"],
                f"valid {since or '…'} to {until or '…'}",
            )  # fmt: skip
        return not (ended or begins)

    def closures(self, row: Row) -> list[date]:
        if fold(str(row.get("closed") or "")) not in ("true", "1", "yes", "t", "y", "oui"):
            return []
        try:
            start = date.fromisoformat(str(row.get("start_date") or "")[:10])
            end = date.fromisoformat(str(row.get("end_date") or row.get("start_date") or "")[:10])
        except ValueError:
            self.report.note("service", "holiday dates not understood, left out", row["_where"])
            return []
        if end < start or (end - start).days > MAX_CLOSURE_DAYS:
            self.report.note(
                "service",
                "holiday closure not plausible, left out",
                row["_where"],
                f"{start} to {end}",
            )
            return []
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]

    def languages(self, rows: list[Row], where: str) -> tuple[str, ...]:
        codes: list[str] = []
        for row in rows:
            given = str(row.get("code") or "").strip() or str(
                row.get("name") or row.get("language") or ""
            )
            found, unknown = language_codes(given)
            if not found and row.get("name") and row.get("code"):
                found, unknown = language_codes(str(row["name"]))
            for name in unknown:
                self.report.note(
                    "service", "language not understood, left out", row.get("_where", where), name
                )
            codes.extend(code for code in found if code not in codes)
        return tuple(codes)

    def also(self, row: Row, column: str, table: str, child: str, key: str) -> list[str]:
        """A service row's value of `column`, then those of its rows in `table` (HSDS 1.1 has
        both forms of required documents and payments accepted)."""
        rows = self.rows_of(table, "service_id", key)
        return [str(row.get(column) or ""), *(str(r.get(child) or "") for r in rows)]

    def interpretation(self, row: Row, where: str) -> list[str]:
        """HSDS 1.1 `interpretation_services`, kept as languages when it names only languages."""
        text = str(row.get("interpretation_services") or "").strip()
        if not text:
            return []
        found, unknown = language_codes(text)
        if unknown or not found:
            self.report.note(
                "service", "interpretation_services not a list of languages, left out", where, text
            )
            return []
        return list(found)

    def service_areas(self, rows: list[Row], where: str) -> tuple[str, ...]:
        codes: list[str] = []
        for row in rows:
            values = [str(row.get(k) or "") for k in ("uri", "service_area", "name")]
            code = next((c for c in map(self.territories.resolve, values) if c), None)
            if code is None:
                shown = next((v for v in values if v.strip()), "(empty)")
                self.report.note(
                    "service",
                    "service area not a known territory, left out",
                    row.get("_where", where),
                    shown,
                )
            elif code not in codes:
                codes.append(code)
        return tuple(codes)

    def taxonomy_terms(self) -> dict[str, str]:
        """Term id → code; HSDS 1.1 and 2.0 terms often have no code, their id is the code."""
        terms: dict[str, str] = {}
        for row in self.package.rows("taxonomy_term"):
            key = str(row.get("id") or "").strip()
            code = str(row.get("code") or "").strip() or key
            if key:
                terms.setdefault(key, code)
        return terms

    def taxonomy(self, key: str, terms: dict[str, str], where: str) -> tuple[str, ...]:
        term_ids = [
            str(r.get("taxonomy_term_id") or "") for r in self.rows_of("attribute", "link_id", key)
        ]
        term_ids += [
            str(r.get("taxonomy_id") or r.get("taxonomy_term_id") or "")
            for r in self.rows_of("service_taxonomy", "service_id", key)
        ]
        codes: list[str] = []
        for term in filter(None, (t.strip() for t in term_ids)):
            code = terms.get(term)
            if code is None:
                self.report.note(
                    "service", "taxonomy term not in the taxonomy file, left out", where, term
                )
                continue
            try:
                codes.extend(c for c in parse_taxonomy("taxonomy", [code]) if c not in codes)
            except InvalidInput:
                self.report.note("service", "taxonomy code not understood, left out", where, code)
        return tuple(codes)


def _service_pointer(row: Row) -> bool:
    return any(str(row.get(k) or "").strip() for k in ("service_id", "service_at_location_id"))


def _not_weekly(row: Row) -> str | None:
    """The recurrence of a row Guichet's weekly hours cannot hold ("freq=MONTHLY", "byday=1MO",
    the first Monday of each month), or None: such a row is never every Monday."""
    freq = fold(str(row.get("freq") or ""))
    if freq not in ("", "weekly", "daily"):
        return f"freq={row.get('freq')}"
    byday = str(row.get("byday") or "")
    if any(_ORDINAL.fullmatch(part.strip()) for part in byday.split(",")):
        return f"byday={byday}"
    return None


def _every_day(row: Row) -> tuple[int, ...]:
    """HSDS 3.0 `freq` DAILY without `byday`: every day."""
    return ALL_DAYS if fold(str(row.get("freq") or "")) == "daily" else ()


def _days(row: Row) -> list[int]:
    byday = str(row.get("byday") or "").strip()
    if byday:
        return [
            _WEEKDAYS[d]
            for d in (p.strip().lower()[-2:] for p in byday.split(","))
            if d in _WEEKDAYS
        ]
    raw = str(row.get("weekday") or "")
    weekday = fold(raw)  # folding makes "Monday-Friday" "monday friday": days read unfolded
    if weekday and not weekday.isdigit() and (named := parse_days(raw)):
        return list(named)  # "Monday", "Mon-Fri", "M-F", "lundi au vendredi"
    if weekday.isdigit():
        number = int(weekday)
        # HSDS 1.1 and 2.0 leave the numbering open; 1 is taken as Monday, 0 and 7 as Sunday.
        return [7 if number in (0, 7) else number] if 0 <= number <= 7 else []
    for name, day in (
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
        ("sun", 7),
        ("lun", 1),
        ("mar", 2),
        ("mer", 3),
        ("jeu", 4),
        ("ven", 5),
        ("sam", 6),
        ("dim", 7),
    ):
        if weekday.startswith(name):
            return [day]
    return []
