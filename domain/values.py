"""Value objects shared by aggregates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from urllib.parse import urlsplit

import pycountry

from domain import limits
from domain.errors import InvalidInput
from domain.moments import check_day
from domain.text import check, parse_text, visible


@dataclass(frozen=True)
class LocalizedText:
    """A text in French and English; HSDS has one language, Guichet keeps both."""

    fr: str
    en: str

    @classmethod
    def parse(
        cls, field: str, fr: str | None, en: str | None, *, required: bool, max_length: int,
        multiline: bool = False,
    ) -> LocalizedText:  # fmt: skip
        parsed = {
            lang: parse_text(f"{field}.{lang}", text, max_length=max_length, multiline=multiline)
            for lang, text in (("fr", fr), ("en", en))
        }
        # A language whose text shows nothing (zero-width characters alone) has no text.
        cleaned = {lang: text if visible(text) else "" for lang, text in parsed.items()}
        if required and not any(cleaned.values()):
            raise InvalidInput(field, "needs a French or an English text")
        return cls(fr=cleaned["fr"], en=cleaned["en"])

    def bounded(
        self, field: str, *, max_length: int, multiline: bool = False, required: bool = False
    ) -> LocalizedText:
        """This text parsed again, as aggregates do with what they are given, whoever built it."""
        return self.parse(
            field, self.fr, self.en, required=required, max_length=max_length,
            multiline=multiline,
        )  # fmt: skip

    def is_empty(self) -> bool:
        return not (self.fr or self.en)


def parse_website(field: str, raw: str | None) -> str | None:
    text = parse_text(field, raw, max_length=limits.WEBSITE_MAX)
    if not text:
        return None
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        hostname = None
    if parts.scheme not in ("http", "https") or not hostname or " " in text:
        raise InvalidInput(field, f"{text!r} is not an http:// or https:// address")
    return text


_PHONE_KINDS = ("voice", "fax", "text", "tty")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_TAXONOMY = re.compile(r"^[A-Z]{1,2}(-\d{4}(\.\d{3,4})*)?(-\d{3,4}(\.\d{2,4})*)?$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


@dataclass(frozen=True)
class Phone:
    number: str
    kind: str = "voice"
    extension: str | None = None

    @classmethod
    def parse(cls, field: str, number: str, kind: str, extension: str | None) -> Phone:
        number = parse_text(f"{field}.number", number, max_length=limits.PHONE_MAX)
        extension = parse_text(f"{field}.extension", extension, max_length=limits.EXTENSION_MAX)
        check(f"{field}.kind", kind, max_length=limits.CODE_MAX)
        digits = "".join(char for char in number if char.isdigit())
        if not 3 <= len(digits) <= 15:
            raise InvalidInput(f"{field}.number", f"{number!r} is not a phone number")
        if kind not in _PHONE_KINDS:
            raise InvalidInput(f"{field}.kind", f"must be one of {', '.join(_PHONE_KINDS)}")
        ext = extension or None
        if ext is not None and not (ext.isascii() and ext.isdigit()):
            raise InvalidInput(f"{field}.extension", "an extension is digits only")
        return cls(number=digits, kind=kind, extension=ext)


@dataclass(frozen=True)
class OpeningHours:
    """Open on an ISO weekday (1 = Monday) from `opens` to `closes`, local time."""

    weekday: int
    opens: str
    closes: str

    @classmethod
    def parse(cls, field: str, weekday: int, opens: str, closes: str) -> OpeningHours:
        if not 1 <= weekday <= 7:
            raise InvalidInput(f"{field}.weekday", "is 1 (Monday) to 7 (Sunday)")
        for name, value in (("opens", opens), ("closes", closes)):
            check(f"{field}.{name}", value, max_length=limits.CODE_MAX)
            if not _TIME.fullmatch(value):
                raise InvalidInput(f"{field}.{name}", f"{value!r} is not a time like 09:30")
        if opens >= closes:
            raise InvalidInput(f"{field}.closes", f"closes at {closes}, not after {opens}")
        return cls(weekday=weekday, opens=opens, closes=closes)


@dataclass(frozen=True)
class Schedule:
    hours: tuple[OpeningHours, ...] = ()
    closed_on: tuple[date, ...] = ()

    def bounded(self, field: str) -> Schedule:
        limits.bounded(f"{field}.hours", self.hours, limits.HOURS_MAX)
        limits.bounded(f"{field}.closedOn", self.closed_on, limits.CLOSED_DAYS_MAX)
        for index, day in enumerate(self.closed_on):
            check_day(f"{field}.closedOn[{index}]", day)
        return self


@dataclass(frozen=True)
class Coordinates:
    latitude: float
    longitude: float

    @classmethod
    def parse(cls, field: str, latitude: float, longitude: float) -> Coordinates:
        if not -90 <= latitude <= 90:
            raise InvalidInput(f"{field}.latitude", "is between -90 and 90")
        if not -180 <= longitude <= 180:
            raise InvalidInput(f"{field}.longitude", "is between -180 and 180")
        return cls(latitude=round(latitude, 6), longitude=round(longitude, 6))


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    postal_code: str
    province: str = "QC"
    country: str = "CA"

    @classmethod
    def parse(
        cls, field: str, street: str | None, city: str | None, postal_code: str | None,
        province: str | None = "QC", country: str | None = "CA",
    ) -> Address:  # fmt: skip
        return cls(
            street=parse_text(f"{field}.street", street, max_length=limits.STREET_MAX),
            city=parse_text(f"{field}.city", city, max_length=limits.CITY_MAX),
            postal_code=parse_text(
                f"{field}.postalCode", postal_code, max_length=limits.POSTAL_CODE_MAX
            ).upper(),
            province=parse_text(f"{field}.province", province, max_length=limits.REGION_MAX)
            or "QC",
            country=parse_text(f"{field}.country", country, max_length=limits.REGION_MAX) or "CA",
        )

    def bounded(self, field: str) -> Address:
        return self.parse(
            field, self.street, self.city, self.postal_code, self.province, self.country
        )


def parse_codes(field: str, codes: Sequence[str], most: int) -> list[str]:
    """Codes as given, bounded in number and length, trimmed; each is named by its index."""
    limits.bounded(field, codes, most)
    for index, code in enumerate(codes):
        check(f"{field}[{index}]", code, max_length=limits.CODE_MAX)
    return [code.strip() for code in codes]


@cache
def iso639_codes() -> dict[str, str]:
    """Every ISO 639-1, 639-3 and 639-2/B code (`fr`, `fra`, `fre`), each with the one form
    Guichet keeps: the two-letter code where the language has one, else the three-letter
    one. The one registry of languages, for services and contacts alike; read on first use."""
    codes: dict[str, str] = {}
    for language in pycountry.languages:
        kept = getattr(language, "alpha_2", None) or language.alpha_3
        for part in ("alpha_2", "alpha_3", "bibliographic"):
            code = getattr(language, part, None)
            if code:
                codes[code] = kept
    return codes


def parse_languages(field: str, codes: Sequence[str]) -> tuple[str, ...]:
    """ISO 639 codes as given (`fr`, `fra`, `fre`, `FR`), each in the one form kept (`fr`),
    without repeats: one language is never counted or searched under two codes."""
    given = parse_codes(field, codes, limits.LANGUAGES_MAX)
    known = iso639_codes()
    kept: dict[str, None] = {}
    for index, code in enumerate(given):
        folded = code.lower()
        if not _LANGUAGE.fullmatch(folded) or folded not in known:
            raise InvalidInput(f"{field}[{index}]", f"{code!r} is not an ISO 639 language code")
        kept.setdefault(known[folded])
    return tuple(kept)


def parse_taxonomy(field: str, codes: Sequence[str]) -> tuple[str, ...]:
    given = parse_codes(field, codes, limits.TAXONOMY_MAX)
    cleaned = tuple(dict.fromkeys(code.upper() for code in given))
    for index, code in enumerate(cleaned):
        if not _TAXONOMY.fullmatch(code):
            raise InvalidInput(
                f"{field}[{index}]", f"{code!r} is not a taxonomy code like BD-1800.2000"
            )
    return cleaned


def parse_territory_codes(
    field: str, codes: Sequence[str], most: int = limits.SERVICE_AREAS_MAX
) -> tuple[str, ...]:
    """Territory codes as given, trimmed, without repeats and blanks; whether each is known is
    the application's to check."""
    return tuple(dict.fromkeys(code for code in parse_codes(field, codes, most) if code))


def parse_phones(field: str, phones: Sequence[Phone]) -> tuple[Phone, ...]:
    limits.bounded(field, phones, limits.PHONES_MAX)
    return tuple(
        Phone.parse(f"{field}[{i}]", p.number, p.kind, p.extension) for i, p in enumerate(phones)
    )


def taxonomy_ancestors(code: str) -> list[str]:
    """`BD-1800.2000-620` → `BD-1800.2000`, `BD-1800`, `BD`, `B`: the parent cuts the last
    segment, and above two letters is the first (the taxonomy's top level)."""
    found: list[str] = []
    while True:
        cut = max(code.rfind("-"), code.rfind("."))
        if cut <= 0:
            if len(code) == 2:
                found.append(code[0])
            return found
        code = code[:cut]
        found.append(code)


NO_TEXT = LocalizedText(fr="", en="")
NO_SCHEDULE = Schedule()
