"""From HSDS tables to the records Guichet will hold, mapping what it can of dirty data.

Nothing here writes: the result is a plan of records plus a report of what was left out or
guessed. Identifiers follow from the source's ids, so importing the same package again finds
the same records.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import limits
from domain.errors import InvalidInput
from domain.records import DESCRIPTION_MAX, NAME_MAX
from domain.text import forbidden_character, without_forbidden
from domain.values import (
    Address,
    Coordinates,
    LocalizedText,
    OpeningHours,
    Phone,
    Schedule,
    parse_taxonomy,
    parse_website,
)
from infra.hsds.hours import HoursNotUnderstood, parse_hours
from infra.hsds.languages import language_codes
from infra.hsds.report import Report
from infra.hsds.source import Package, Row
from projections.search_query import fold_text

T = TypeVar("T")

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
_KIND_RANK = ("province", "metropolitan_community", "region", "agglomeration", "mrc")


def record_id(kind: str, key: str) -> UUID:
    """HSDS 3.0 ids are UUIDs and are kept; older exports' ids are turned into stable UUIDs."""
    try:
        return UUID(key)
    except ValueError:
        return uuid5(NAMESPACE_URL, f"guichet:hsds:{kind}:{key}")


@dataclass(frozen=True)
class OrganizationIn:
    id: UUID
    where: str
    name: LocalizedText
    description: LocalizedText
    website: str | None


@dataclass(frozen=True)
class ServiceIn:
    id: UUID
    where: str
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText
    eligibility: LocalizedText
    fees: LocalizedText
    application_process: LocalizedText
    phones: tuple[Phone, ...]
    schedule: Schedule
    languages: tuple[str, ...]
    service_areas: tuple[str, ...]
    taxonomy_codes: tuple[str, ...]
    status: str
    assured_on: datetime | None
    assurer: str | None


@dataclass(frozen=True)
class LocationIn:
    id: UUID
    where: str
    organization_id: UUID
    name: LocalizedText
    description: LocalizedText
    address: Address | None
    coordinates: Coordinates | None
    accessibility: LocalizedText


@dataclass(frozen=True)
class LinkIn:
    where: str
    service_id: UUID
    location_id: UUID


@dataclass
class Plan:
    organizations: list[OrganizationIn] = field(default_factory=list)
    services: list[ServiceIn] = field(default_factory=list)
    locations: list[LocationIn] = field(default_factory=list)
    links: list[LinkIn] = field(default_factory=list)


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold_text(text)).split())


class TerritoryNames:
    """Reads a service area given by official code or by name; an ambiguous name means the
    broadest territory of that name ("Laval" is the region, which is also the city)."""

    def __init__(self, territories: Iterable[tuple[str, str, str]]) -> None:
        self.codes: set[str] = set()
        by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for code, name, kind in territories:
            self.codes.add(code)
            rank = _KIND_RANK.index(kind) if kind in _KIND_RANK else len(_KIND_RANK)
            by_name[fold(name)].append((rank, code))
        self.names = {name: min(found)[1] for name, found in by_name.items()}
        self.upper = {code.upper(): code for code in self.codes}

    def resolve(self, value: str) -> str | None:
        text = value.strip()
        if not text:
            return None
        tail = re.split(r"[/:]", text.rstrip("/"))[-1]  # a URI or URN ending with the code
        for candidate in (text, tail):
            if candidate.upper() in self.upper:
                return self.upper[candidate.upper()]
        return self.names.get(fold(text))


class Planner:
    def __init__(
        self, package: Package, report: Report, language: str, territories: TerritoryNames
    ) -> None:
        self.package = package
        self.report = report
        self.language = language
        self.territories = territories
        self.children: dict[tuple[str, str, str], list[Row]] = defaultdict(list)

    # -- helpers ---------------------------------------------------------------------------

    def clean(self) -> None:
        """A cell with a NUL, another control character or a lone surrogate would make a fact
        no view can store: the characters become spaces, and the report says where."""
        for table, rows in self.package.tables.items():
            for row in rows:
                for column, value in row.items():
                    if column.startswith("_") or not isinstance(value, str):
                        continue
                    problem = forbidden_character(value)
                    if problem is not None:
                        row[column] = without_forbidden(value).strip()
                        self.report.note(
                            table, "control characters removed", row["_where"],
                            f"{column} contained {problem}",
                        )  # fmt: skip

    def cut(self, kind: str, where: str, name: str, value: str, limit: int) -> str:
        if len(value) > limit:
            self.report.note(kind, f"{name} longer than {limit:,} characters, cut", where)
            return value[:limit].strip()
        return value

    def most(self, kind: str, where: str, name: str, items: list[T], limit: int) -> list[T]:
        if len(items) > limit:
            self.report.note(kind, f"more than {limit:,} {name}, the rest left out", where)
            return items[:limit]
        return items

    def text(
        self, kind: str, where: str, name: str, value: Any, limit: int, multiline: bool = False
    ) -> LocalizedText:
        raw = str(value or "")
        if multiline:
            cleaned = "\n".join(" ".join(line.split()) for line in raw.splitlines()).strip()
        else:
            cleaned = " ".join(raw.split())
        if len(cleaned) > limit:
            self.report.note(kind, f"{name} longer than {limit:,} characters, cut", where)
            cleaned = cleaned[:limit]
        return (
            LocalizedText(fr=cleaned, en="")
            if self.language == "fr"
            else LocalizedText(fr="", en=cleaned)
        )

    def unique(self, table: str, kind: str) -> dict[str, Row]:
        """Rows by id; a repeated id keeps the first row (nested copies of one object are fine)."""
        rows: dict[str, Row] = {}
        for row in self.package.rows(table):
            key = str(row.get("id") or "").strip()
            if not key:
                self.report.skip(kind, "no id", row["_where"])
                continue
            first = rows.get(key)
            if first is None:
                rows[key] = row
            elif not (row.get("_nested") and _same(first, row)):
                self.report.skip(
                    kind, "duplicate id", row["_where"], f"{key!r}, first at {first['_where']}"
                )
        return rows

    def index_children(self) -> None:
        for table in (
            "phone",
            "schedule",
            "holiday_schedule",
            "language",
            "service_area",
            "service_taxonomy",
            "attribute",
            "address",
            "postal_address",
            "accessibility",
            "eligibility",
        ):
            for row in self.package.rows(table):
                for pointer in ("service_id", "location_id", "service_at_location_id", "link_id"):
                    key = str(row.get(pointer) or "").strip()
                    if key:
                        self.children[(table, pointer, key)].append(row)

    def rows_of(self, table: str, pointer: str, key: str) -> list[Row]:
        return self.children.get((table, pointer, key), [])

    # -- records ---------------------------------------------------------------------------

    def plan(self) -> Plan:
        self.clean()
        self.index_children()
        plan = Plan()
        organizations = self.unique("organization", "organization")
        for key, row in organizations.items():
            organization = self.organization(key, row)
            if organization is not None:
                plan.organizations.append(organization)
        services = self.unique("service", "service")
        links = self.unique("service_at_location", "service_at_location")
        service_of_link = {key: str(row.get("service_id") or "") for key, row in links.items()}
        terms = self.taxonomy_terms()
        for key, row in services.items():
            extra = [k for k, s in service_of_link.items() if s == key]
            service = self.service(key, row, extra, terms)
            if service is not None:
                plan.services.append(service)
        owners = self.location_owners(links, services)
        for key, row in self.unique("location", "location").items():
            location = self.location(key, row, owners.get(key))
            if location is not None:
                plan.locations.append(location)
        for row in links.values():
            service_key = str(row.get("service_id") or "").strip()
            location_key = str(row.get("location_id") or "").strip()
            if not service_key or not location_key:
                self.report.skip(
                    "service_at_location", "no service_id or location_id", row["_where"]
                )
                continue
            plan.links.append(
                LinkIn(
                    row["_where"],
                    record_id("service", service_key),
                    record_id("location", location_key),
                )
            )
        return plan

    def organization(self, key: str, row: Row) -> OrganizationIn | None:
        where = row["_where"]
        name = self.text("organization", where, "name", row.get("name"), NAME_MAX)
        if name.is_empty():
            self.report.skip("organization", "no name", where, key)
            return None
        website = None
        raw = str(row.get("website") or row.get("url") or "").strip()
        if raw and not raw.lower().startswith(("http://", "https://")) and "." in raw:
            raw = "https://" + raw  # "www.example.org"
        try:
            website = parse_website("website", raw)
        except InvalidInput:
            self.report.note("organization", "website not a web address, left out", where, raw)
        return OrganizationIn(
            id=record_id("organization", key),
            where=where,
            name=name,
            description=self.text(
                "organization", where, "description", row.get("description"), DESCRIPTION_MAX, True
            ),
            website=website,
        )

    def service(
        self, key: str, row: Row, links: list[str], terms: dict[str, str]
    ) -> ServiceIn | None:
        where = row["_where"]
        name = self.text("service", where, "name", row.get("name"), NAME_MAX)
        if name.is_empty():
            self.report.skip("service", "no name", where, key)
            return None
        organization = str(row.get("organization_id") or "").strip()
        if not organization:
            self.report.skip("service", "no organization_id", where, key)
            return None
        eligibility = " ".join(
            [str(row.get("eligibility_description") or row.get("eligibility") or "")]
            + [
                str(r.get("eligibility") or "")
                for r in self.rows_of("eligibility", "service_id", key)
            ]
        )
        status = fold(str(row.get("status") or "active")) or "active"
        if status not in ("active", "inactive", "defunct", "temporarily closed"):
            self.report.note("service", "status not understood, taken as active", where, status)
            status = "active"
        assured, assurer = self.assured(row, where)
        return ServiceIn(
            id=record_id("service", key),
            where=where,
            organization_id=record_id("organization", organization),
            name=name,
            description=self.text(
                "service", where, "description", row.get("description"), DESCRIPTION_MAX, True
            ),
            eligibility=self.text(
                "service", where, "eligibility", eligibility, DESCRIPTION_MAX, True
            ),
            fees=self.text(
                "service",
                where,
                "fees",
                row.get("fees_description") or row.get("fees"),
                DESCRIPTION_MAX,
                True,
            ),
            application_process=self.text(
                "service",
                where,
                "application_process",
                row.get("application_process"),
                DESCRIPTION_MAX,
                True,
            ),
            phones=tuple(
                self.most(
                    "service",
                    where,
                    "phones",
                    list(self.phones(self.attached("phone", key, links), where)),
                    limits.PHONES_MAX,
                )
            ),
            schedule=self.schedule(key, links, where),
            languages=tuple(
                self.most(
                    "service",
                    where,
                    "languages",
                    list(self.languages(self.rows_of("language", "service_id", key), where)),
                    limits.LANGUAGES_MAX,
                )
            ),
            service_areas=tuple(
                self.most(
                    "service",
                    where,
                    "service areas",
                    list(self.service_areas(self.attached("service_area", key, links), where)),
                    limits.SERVICE_AREAS_MAX,
                )
            ),
            taxonomy_codes=tuple(
                self.most(
                    "service",
                    where,
                    "taxonomy codes",
                    list(self.taxonomy(key, terms, where)),
                    limits.TAXONOMY_MAX,
                )
            ),
            status="inactive" if status == "defunct" else status,
            assured_on=assured,
            assurer=assurer,
        )

    def attached(self, table: str, key: str, links: list[str]) -> list[Row]:
        """Rows of a service's own, then those of its services at locations."""
        rows = list(self.rows_of(table, "service_id", key))
        for link in links:
            rows.extend(self.rows_of(table, "service_at_location_id", link))
        return rows

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
        return datetime(day.year, day.month, day.day, 12, tzinfo=UTC), assurer

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

    def schedule(self, key: str, links: list[str], where: str) -> Schedule:
        hours: list[OpeningHours] = []
        for row in self.attached("schedule", key, links):
            for opening in self.opening_hours(row):
                if opening not in hours:
                    hours.append(opening)
        closed: set[date] = set()
        for row in self.attached("holiday_schedule", key, links):
            closed.update(self.closures(row))
        hours.sort(key=lambda h: (h.weekday, h.opens))
        return Schedule(
            hours=tuple(self.most("service", where, "opening hours", hours, limits.HOURS_MAX)),
            closed_on=tuple(
                self.most("service", where, "closed days", sorted(closed), limits.CLOSED_DAYS_MAX)
            ),
        )

    def opening_hours(self, row: Row) -> list[OpeningHours]:
        where = row["_where"]
        opens = _time(row.get("opens_at"))
        closes = _time(row.get("closes_at"))
        days = _days(row)
        if opens and closes and days:
            try:
                return [OpeningHours.parse("schedule", day, opens, closes) for day in days]
            except InvalidInput as error:
                self.report.note(
                    "service", "opening hours not understood, left out", where, error.message
                )
                return []
        text = " ".join(str(row.get(k) or "") for k in ("description", "notes")).strip()
        if not text:
            if (
                row.get("opens_at")
                or row.get("closes_at")
                or row.get("byday")
                or row.get("weekday")
            ):
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
            self.report.note("service", "opening hours not understood, left out", where, str(error))
            return []

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

    def location_owners(self, links: dict[str, Row], services: dict[str, Row]) -> dict[str, str]:
        """HSDS lets a location have no organization; that of a service there will do."""
        owners: dict[str, str] = {}
        for row in links.values():
            service = services.get(str(row.get("service_id") or ""))
            organization = str((service or {}).get("organization_id") or "")
            if organization:
                owners.setdefault(str(row.get("location_id") or ""), organization)
        return owners

    def location(self, key: str, row: Row, owner: str | None) -> LocationIn | None:
        where = row["_where"]
        organization = str(row.get("organization_id") or "").strip() or owner
        if not organization:
            self.report.skip(
                "location", "no organization_id, and no service there has one", where, key
            )
            return None
        if not str(row.get("organization_id") or "").strip():
            self.report.note("location", "no organization_id, taken from a service there", where)
        address = self.address(key, row)
        virtual = fold(str(row.get("location_type") or "")) == "virtual"
        coordinates = None if virtual else self.coordinates(row, where)
        if virtual:
            address = None
        elif address is None and coordinates is not None:
            self.report.note("location", "no address, only coordinates", where)
            address = Address(street="", city="", postal_code="")
        elif address is None:
            self.report.note(
                "location", "no address and no coordinates, imported as virtual", where
            )
        name = self.text("location", where, "name", row.get("name"), NAME_MAX)
        if name.is_empty():
            fallback = address.street if address and address.street else key
            self.report.note("location", "no name, named after its address", where)
            name = self.text("location", where, "name", fallback, NAME_MAX)
        accessibility = " ".join(
            str(r.get("description") or r.get("accessibility") or "")
            + " "
            + str(r.get("details") or "")
            for r in self.rows_of("accessibility", "location_id", key)
        )
        return LocationIn(
            id=record_id("location", key),
            where=where,
            organization_id=record_id("organization", organization),
            name=name,
            description=self.text(
                "location", where, "description", row.get("description"), DESCRIPTION_MAX, True
            ),
            address=address,
            coordinates=coordinates,
            accessibility=self.text(
                "location", where, "accessibility", accessibility, DESCRIPTION_MAX, True
            ),
        )

    def address(self, key: str, row: Row) -> Address | None:
        rows = sorted(
            self.rows_of("address", "location_id", key),
            key=lambda r: fold(str(r.get("address_type") or "physical")) != "physical",
        ) + self.rows_of("postal_address", "location_id", key)
        for found in rows:
            if fold(str(found.get("address_type") or "")) == "virtual":
                continue
            street = ", ".join(
                part
                for part in (str(found.get(f"address_{n}") or "").strip() for n in (1, 2, 3, 4))
                if part
            )
            city = str(found.get("city") or "").strip()
            if street or city:
                where = str(found.get("_where") or row["_where"])
                parts = {
                    name: self.cut("location", where, name, text, most)
                    for name, text, most in (
                        ("street", street, limits.STREET_MAX),
                        ("city", city, limits.CITY_MAX),
                        ("postal_code", str(found.get("postal_code") or "").strip().upper(),
                         limits.POSTAL_CODE_MAX),
                        ("state_province", str(found.get("state_province") or "").strip(),
                         limits.REGION_MAX),
                        ("country", str(found.get("country") or "").strip().upper(),
                         limits.REGION_MAX),
                    )
                }  # fmt: skip
                return Address(
                    street=parts["street"],
                    city=parts["city"],
                    postal_code=parts["postal_code"],
                    province=parts["state_province"] or "QC",
                    country=parts["country"] or "CA",
                )
        return None

    def coordinates(self, row: Row, where: str) -> Coordinates | None:
        raw = (row.get("latitude"), row.get("longitude"))
        if all(value in (None, "") for value in raw):
            self.report.note("location", "no coordinates", where)
            return None
        try:
            latitude, longitude = (float(str(v).replace(",", ".")) for v in raw)
            if latitude == 0 and longitude == 0:
                raise ValueError("0, 0 stands for unknown")
            return Coordinates.parse("coordinates", latitude, longitude)
        except (ValueError, TypeError, InvalidInput):
            self.report.note(
                "location", "coordinates not understood, left out", where, f"{raw[0]}, {raw[1]}"
            )
            return None


def _same(first: Row, second: Row) -> bool:
    def content(row: Row) -> dict[str, Any]:
        return {k: v for k, v in row.items() if not k.startswith("_")}

    return content(first) == content(second)


def _time(value: Any) -> str | None:
    """ "09:00", "9:00:00", "09:00-05:00" (HSDS allows a UTC offset; hours are local here)."""
    match = re.match(r"^\s*(\d{1,2}):(\d{2})", str(value or ""))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return f"{hour:02d}:{minute:02d}"


def _days(row: Row) -> list[int]:
    byday = str(row.get("byday") or "").strip()
    if byday:
        return [
            _WEEKDAYS[d]
            for d in (p.strip().lower()[-2:] for p in byday.split(","))
            if d in _WEEKDAYS
        ]
    weekday = fold(str(row.get("weekday") or ""))
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


def plan_package(
    package: Package, report: Report, *, language: str, territories: TerritoryNames
) -> Plan:
    report.ignored_files.extend(package.ignored)
    return Planner(package, report, language, territories).plan()
