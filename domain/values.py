"""Value objects shared by aggregates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from domain.errors import InvalidInput


@dataclass(frozen=True)
class LocalizedText:
    """A text in French and English; HSDS has one language, Guichet keeps both."""

    fr: str
    en: str

    @classmethod
    def parse(
        cls, field: str, fr: str | None, en: str | None, *, required: bool, max_length: int
    ) -> LocalizedText:
        cleaned = {lang: " ".join((text or "").split()) for lang, text in (("fr", fr), ("en", en))}
        for lang, text in cleaned.items():
            if len(text) > max_length:
                raise InvalidInput(f"{field}.{lang}", f"is longer than {max_length} characters")
        if required and not any(cleaned.values()):
            raise InvalidInput(field, "needs a French or an English text")
        return cls(fr=cleaned["fr"], en=cleaned["en"])

    def is_empty(self) -> bool:
        return not (self.fr or self.en)


def parse_website(field: str, raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
        raise InvalidInput(field, f"{text!r} is not an http:// or https:// address")
    if len(text) > 2000:
        raise InvalidInput(field, "is longer than 2000 characters")
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
        digits = "".join(char for char in number if char.isdigit())
        if not 3 <= len(digits) <= 15:
            raise InvalidInput(f"{field}.number", f"{number!r} is not a phone number")
        if kind not in _PHONE_KINDS:
            raise InvalidInput(f"{field}.kind", f"must be one of {', '.join(_PHONE_KINDS)}")
        ext = (extension or "").strip() or None
        if ext is not None and not ext.isdigit():
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
            if not _TIME.match(value):
                raise InvalidInput(f"{field}.{name}", f"{value!r} is not a time like 09:30")
        if opens >= closes:
            raise InvalidInput(f"{field}.closes", f"closes at {closes}, not after {opens}")
        return cls(weekday=weekday, opens=opens, closes=closes)


@dataclass(frozen=True)
class Schedule:
    hours: tuple[OpeningHours, ...] = ()
    closed_on: tuple[date, ...] = ()

    def is_open(self, at: datetime) -> bool:
        """Whether open at a local (Montréal) wall-clock time."""
        if at.date() in self.closed_on:
            return False
        now = at.strftime("%H:%M")
        return any(h.weekday == at.isoweekday() and h.opens <= now < h.closes for h in self.hours)


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


def parse_languages(field: str, codes: list[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(code.strip().lower() for code in codes))
    for index, code in enumerate(cleaned):
        if not _LANGUAGE.match(code):
            raise InvalidInput(f"{field}[{index}]", f"{code!r} is not an ISO 639 language code")
    return cleaned


def parse_taxonomy(field: str, codes: list[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(code.strip().upper() for code in codes))
    for index, code in enumerate(cleaned):
        if not _TAXONOMY.match(code):
            raise InvalidInput(
                f"{field}[{index}]", f"{code!r} is not a taxonomy code like BD-1800.2000"
            )
    return cleaned


def taxonomy_ancestors(code: str) -> list[str]:
    """`BD-1800.2000-620` → `BD-1800.2000`, `BD-1800`, `BD`: the parent cuts the last segment."""
    found: list[str] = []
    while True:
        cut = max(code.rfind("-"), code.rfind("."))
        if cut <= 0:
            return found
        code = code[:cut]
        found.append(code)


NO_TEXT = LocalizedText(fr="", en="")
NO_SCHEDULE = Schedule()
