"""Free-text opening hours, as real exports write them, read into weekly hours.

"9:00am-5:00pm, Mon-Fri", "Lundi au vendredi 9 h à 17 h; samedi 10h-14h", "24/7".
Text is read as a sequence of day specifications and time ranges; a run of days followed by
a run of times (or times then days) is one group, so both orders and several groups work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.values import OpeningHours
from projections.search_query import fold_text

ALL_DAYS = (1, 2, 3, 4, 5, 6, 7)

_DAY_WORDS = {
    1: ("monday", "mon", "lundi", "lun"),
    2: ("tuesday", "tues", "tue", "mardi", "mar"),
    3: ("wednesday", "wed", "mercredi", "mer"),
    4: ("thursday", "thurs", "thur", "thu", "jeudi", "jeu"),
    5: ("friday", "fri", "vendredi", "ven"),
    6: ("saturday", "sat", "samedi", "sam"),
    7: ("sunday", "sun", "dimanche", "dim"),
}
_DAY_OF = {word: day for day, words in _DAY_WORDS.items() for word in words}
_DAY = "|".join(sorted(_DAY_OF, key=len, reverse=True))
_THROUGH = r"\s*(?:-|\u2013|\u2014|\bto\b|\bthrough\b|\bthru\b|\bau\b|\ba\b|\bjusqu'au\b)\s*"
_GROUPS = {
    "weekdays": (1, 2, 3, 4, 5),
    "m-f": (1, 2, 3, 4, 5),
    "en semaine": (1, 2, 3, 4, 5),
    "weekends": (6, 7),
    "weekend": (6, 7),
    "fin de semaine": (6, 7),
    "daily": ALL_DAYS,
    "every day": ALL_DAYS,
    "everyday": ALL_DAYS,
    "7 days": ALL_DAYS,
    "7 jours": ALL_DAYS,
    "7j/7": ALL_DAYS,
    "tous les jours": ALL_DAYS,
}
_GROUP = "|".join(re.escape(word) for word in sorted(_GROUPS, key=len, reverse=True))
# Hour, minutes (seconds are read and dropped), am/pm; or a word.
_TIME = (
    r"(\d{1,2})(?:\s*(?::|h|\.)\s*(\d{2})?(?::\d{2})?)?\s*(am|pm|a\.m\.|p\.m\.)?"
    r"|(noon|midi|midnight|minuit)"
)
# 24-hour "military" time, "0900" or "1700h": read as "09:00" (never as 00:00 after "09"). Not
# a part of a longer number, a date ("2026/03") or a time already written with a colon.
_MILITARY = re.compile(r"(?<![\d:./])([01]\d|2[0-4])([0-5]\d)(?:\s*h\b)?(?![\d:./])")
# Two years in a range ("2026-2027", "1999 to 2000"): the years the hours hold, not 20:26 to
# 20:27 in military time; left out of free text, and not times in a pair of cells.
_YEAR = r"(?:19|20)\d{2}"
_YEARS = re.compile(rf"(?<![\d:./]){_YEAR}{_THROUGH}{_YEAR}(?![\d:./])")
_A_YEAR = re.compile(rf"\s*{_YEAR}\s*")
_NOON = re.compile(r"\b12(?:[:h.]00)?\s*(noon|midi|midnight|minuit)\b")  # "12:00 noon"
_PLAIN = re.compile(r"(([01]\d|2[0-3]):[0-5]\d)(?::00)?")
# One time in a cell of its own, with the UTC offset HSDS allows (hours are local here).
_CELL = re.compile(rf"\s*(?:{_TIME})\s*(?:z|utc|[+-]\d{{2}}(?::?\d{{2}})?)?\s*")
# A range begins and ends where a number does: "900-1700" is no range of "00" to "17".
_TOKEN = re.compile(
    rf"(?P<range>(?<![\d:])(?:{_TIME}){_THROUGH}(?:{_TIME})(?!\d))"
    rf"|(?P<span>\b(?:{_DAY})s?\b\.?{_THROUGH}\b(?:{_DAY})s?\b\.?)"
    rf"|(?P<group>\b(?:{_GROUP}))"
    rf"|(?P<day>\b(?:{_DAY})s?\b\.?)"
)
_ALWAYS = re.compile(r"24\s*/\s*7|24\s*h\s*/\s*24|24 hours|24 heures|open 24")
_DAYSPEC = rf"(?:\b(?:{_DAY})s?\b\.?(?:{_THROUGH}\b(?:{_DAY})s?\b\.?)?|\b(?:{_GROUP}))"
# "Sat-Sun closed", "closed Saturday", "samedi fermé", "fermé le dimanche": closed days are
# simply not open, and the phrase is taken out before the rest is read.
_CLOSED = re.compile(
    rf"{_DAYSPEC}\s*:?\s*\b(?:closed|ferme)\b"
    rf"|\b(?:closed|ferme)\b\s*(?:on\s+|le\s+|les\s+)?"
    rf"(?:{_DAYSPEC}(?:\s*(?:&|and|et)\s*{_DAYSPEC})*)?"
)
_WORDS = {"noon": (12, 0), "midi": (12, 0), "midnight": (24, 0), "minuit": (24, 0)}


class HoursNotUnderstood(ValueError):
    pass


class PastMidnight(HoursNotUnderstood):
    """Hours that close after midnight ("10pm-2am"): Guichet's weekly hours end by midnight,
    so the range is left out, saying so, rather than cut or read as another time."""


def _normal(text: str) -> str:
    """Folded, with "0900" written "09:00" and "12:00 noon" written "noon"."""
    folded = _MILITARY.sub(r"\1:\2", _YEARS.sub(" ", fold_text(text)))
    return _NOON.sub(r"\1", folded) if "12" in folded else folded


@dataclass(frozen=True)
class Token:
    kind: str
    days: tuple[int, ...] = ()
    times: tuple[str, str] | None = None


def _clock(
    hour: str | None, minute: str | None, suffix: str | None, word: str | None
) -> tuple[int, int, str]:
    if word:
        h, m = _WORDS[word]
        return h, m, ""
    return int(hour or 0), int(minute or 0), (suffix or "").replace(".", "")


def _range(match: re.Match[str]) -> tuple[str, str]:
    # the two times' hour, minute, suffix and word
    return _pair(match.groups()[1:9], match.group(0))


def clock_range(opens: object, closes: object) -> tuple[str, str]:
    """Opening and closing times from structured cells ("9:00am", "17 h 00", "09:00:00",
    "12pm", "09:00-05:00"), read together: "9:00" to "5:00" is 09:00 to 17:00."""
    plain = [_PLAIN.fullmatch(str(value or "")) for value in (opens, closes)]
    if plain[0] is not None and plain[1] is not None and plain[0][0] < plain[1][0]:
        return plain[0][1], plain[1][1]  # "09:00" to "17:00", as most exports write them
    if all(_A_YEAR.fullmatch(str(value or "")) for value in (opens, closes)):
        raise HoursNotUnderstood(f"{opens!r} to {closes!r} are years, not times")
    cells = [_normal(str(value or "")) for value in (opens, closes)]
    matches = [_CELL.fullmatch(cell) for cell in cells]
    if matches[0] is None or matches[1] is None:
        raise HoursNotUnderstood(f"{opens!r} to {closes!r} are not times")
    return _pair(matches[0].groups() + matches[1].groups(), f"{opens} to {closes}")


def _pair(groups: tuple[str | None, ...], shown: str) -> tuple[str, str]:
    opens_h, opens_m, opens_s = _clock(*groups[0:4])
    closes_h, closes_m, closes_s = _clock(*groups[4:8])
    for hour, suffix in ((opens_h, opens_s), (closes_h, closes_s)):
        if suffix and not 1 <= hour <= 12:  # "13pm", "0am": a 12-hour clock has no such hour
            raise HoursNotUnderstood(f"{shown!r} is not a time range")
    if closes_s == "pm" and closes_h < 12:
        closes_h += 12
    if closes_s == "am" and closes_h == 12:
        closes_h = 0
    if opens_s == "pm" and opens_h < 12:
        opens_h += 12
    if opens_s == "am" and opens_h == 12:
        opens_h = 0
    if not opens_s and closes_s == "pm" and opens_h + 12 < closes_h:
        opens_h += 12  # "1-5pm" is 13:00 to 17:00
    if not opens_s and not closes_s and closes_h < opens_h <= 12:
        closes_h += 12  # "9-5" is 09:00 to 17:00
    if (opens_h, opens_m) == (closes_h, closes_m) == (24, 0):
        raise HoursNotUnderstood(f"{shown!r} opens and closes at midnight: no hours")
    if opens_h == 24 and opens_m == 0:
        opens_h = 0  # opening at midnight is at the start of the day
    if closes_h == 0 and closes_m == 0 and opens_h > 0:
        closes_h = 24
    for hour, minute in ((opens_h, opens_m), (closes_h, closes_m)):
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            raise HoursNotUnderstood(f"{shown!r} is not a time range")
    if (closes_h, closes_m) < (opens_h, opens_m):
        raise PastMidnight(f"{shown!r} runs past midnight, which Guichet's hours cannot hold")
    return f"{opens_h:02d}:{opens_m:02d}", f"{closes_h:02d}:{closes_m:02d}"


def _day(name: str) -> int:
    return _DAY_OF.get(name) or _DAY_OF[name.removesuffix("s")]  # "Tuesdays"


def _days(kind: str, text: str) -> tuple[int, ...]:
    if kind == "group":
        return _GROUPS[text.strip()]
    names = [_day(name.strip(" .")) for name in re.split(_THROUGH, text) if name.strip(" .")]
    if kind == "day":
        return (names[0],)
    start, end = names[0], names[-1]
    if start <= end:
        return tuple(range(start, end + 1))
    return tuple(range(start, 8)) + tuple(range(1, end + 1))


def parse_days(text: str) -> tuple[int, ...]:
    """The days named in a cell ("Monday", "M-F", "lun. au ven."), in order."""
    days: list[int] = []
    for match in _TOKEN.finditer(fold_text(text)):
        kind = match.lastgroup or ""
        if kind != "range":
            days.extend(d for d in _days(kind, match.group(kind)) if d not in days)
    return tuple(days)


def parse_hours(text: str) -> tuple[OpeningHours, ...]:
    """Weekly hours read from free text; HoursNotUnderstood when nothing sensible is found."""
    folded = _normal(text)
    if _ALWAYS.search(folded):
        return tuple(OpeningHours(day, "00:00", "24:00") for day in ALL_DAYS)
    tokens: list[Token] = []
    for part in re.split(r"[;\n|]", folded):
        read: list[Token] = []
        closed = ("closed" in part or "ferme" in part) and _CLOSED.search(part) is not None
        for match in _TOKEN.finditer(_CLOSED.sub(" ", part) if closed else part):
            kind = match.lastgroup or ""
            if kind == "range":
                read.append(Token("time", times=_range(match)))
            else:
                read.append(Token("days", days=_days(kind, match.group(kind))))
        if closed and not any(token.kind == "time" for token in read):
            continue  # "Sat, Sun: closed"
        tokens.extend(read)
    if not any(token.kind == "time" for token in tokens):
        raise HoursNotUnderstood(f"no opening times in {text!r}")
    if not any(token.kind == "days" for token in tokens):
        raise HoursNotUnderstood(f"no days in {text!r}")
    return _combine(tokens, text)


def _combine(tokens: list[Token], text: str) -> tuple[OpeningHours, ...]:
    lead = tokens[0].kind
    groups: list[tuple[list[int], list[tuple[str, str]]]] = []
    previous = ""
    for token in tokens:
        if not groups or (token.kind == lead and previous != lead):
            groups.append(([], []))
        days, times = groups[-1]
        days.extend(token.days)
        if token.times is not None:
            times.append(token.times)
        previous = token.kind
    found: dict[tuple[int, str, str], OpeningHours] = {}
    for days, times in groups:
        if not days or not times:
            raise HoursNotUnderstood(f"days without times, or times without days, in {text!r}")
        for day in days:
            for opens, closes in times:
                if opens >= closes:
                    raise HoursNotUnderstood(f"closes at {closes}, not after {opens}, in {text!r}")
                found[(day, opens, closes)] = OpeningHours(day, opens, closes)
    return tuple(found[key] for key in sorted(found))
