"""Free-text values of real HSDS exports: opening hours and language names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.hsds.hours import HoursNotUnderstood, clock_range, parse_days, parse_hours
from infra.hsds.languages import language_codes
from infra.hsds.report import Report
from infra.hsds.service_parts import ServiceParts
from infra.hsds.source import Package
from infra.hsds.territory_names import TerritoryNames

WEEKDAYS = [1, 2, 3, 4, 5]
HALVES = [("09:00", "12:00"), ("13:00", "17:00")]


def hours(text: str) -> list[tuple[int, str, str]]:
    return [(h.weekday, h.opens, h.closes) for h in parse_hours(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00am-5:00pm, Mon-Fri", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("Mon-Fri 9am-5pm", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("du lundi au vendredi de 8h30 à 16h30", [(d, "08:30", "16:30") for d in WEEKDAYS]),
        ("M-F 8:30-4:30", [(d, "08:30", "16:30") for d in WEEKDAYS]),
        ("Tuesdays and Thursdays 1-5pm", [(2, "13:00", "17:00"), (4, "13:00", "17:00")]),
        ("Fri-Mon 10:00-22:00", [(d, "10:00", "22:00") for d in (1, 5, 6, 7)]),
        ("Sat-Sun closed; Mon-Fri 9am-noon", [(d, "09:00", "12:00") for d in WEEKDAYS]),
        ("24/7", [(d, "00:00", "24:00") for d in range(1, 8)]),
        ("tous les jours 7h-23h", [(d, "07:00", "23:00") for d in range(1, 8)]),
        (
            "Lundi au vendredi 9 h à 17 h; samedi 10h-14h",
            [(d, "09:00", "17:00") for d in WEEKDAYS] + [(6, "10:00", "14:00")],
        ),
        (
            "9am-5pm Mon-Fri, 10am-2pm Sat",
            [(d, "09:00", "17:00") for d in WEEKDAYS] + [(6, "10:00", "14:00")],
        ),
        (
            "Mon, Wed 9-12, 13-17",
            [(day, opens, closes) for day in (1, 3) for opens, closes in HALVES],
        ),
    ],
)
def test_free_text_hours(text: str, expected: list[tuple[int, str, str]]) -> None:
    assert hours(text) == expected


EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon\u2013Fri 9:00 AM - 5:00 PM", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("M-F 9am-12:00pm", [(d, "09:00", "12:00") for d in WEEKDAYS]),
        ("Monday - Friday 8:30 a.m. to 4:30 p.m.", [(d, "08:30", "16:30") for d in WEEKDAYS]),
        ("Mon-Fri noon-5pm", [(d, "12:00", "17:00") for d in WEEKDAYS]),
        ("Sat 6pm-12am", [(6, "18:00", "24:00")]),
        ("Sun midnight-6am", [(7, "00:00", "06:00")]),
        ("Mon-Fri 09:00:00-17:00:00", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("lun. au ven. de 9 h à 17 h", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("du lundi au vendredi de 9 h à 17 h", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("Lun. - Ven. : 9h-17h", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("mardi 17 h 00 à 20 h 30", [(2, "17:00", "20:30")]),
        ("Open 24 hours", [(d, "00:00", "24:00") for d in EVERY_DAY]),
        ("Mon-Fri 9-12, 13-17", [(d, o, c) for d in WEEKDAYS for o, c in HALVES]),
        ("Mon-Fri 9am-5pm; Sat, Sun: Closed", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("Friday 5pm to 9pm, closed Saturday", [(5, "17:00", "21:00")]),
        ("Mon-Fri 9-5 closed Sat & Sun", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("Fermé le lundi, mardi au vendredi 9h-17h", [(d, "09:00", "17:00") for d in (2, 3, 4, 5)]),
        ("Mon-Fri 0900-1700", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("Mon-Fri 0900h-1700h", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("Mon-Fri 9:00 - 17:00", [(d, "09:00", "17:00") for d in WEEKDAYS]),
        ("Sat 12:00 noon - 4:00pm", [(6, "12:00", "16:00")]),
        (
            "lun. au ven. de 9 h à 12 h et de 13 h à 17 h; samedi fermé",
            [(d, o, c) for d in WEEKDAYS for o, c in HALVES],
        ),
    ],
)
def test_free_text_hours_in_12_hour_and_french_forms(
    text: str, expected: list[tuple[int, str, str]]
) -> None:
    assert hours(text) == expected


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        ("9:00am", "5:00pm", ("09:00", "17:00")),
        ("9am", "5 pm", ("09:00", "17:00")),
        ("9:00 AM", "12:00pm", ("09:00", "12:00")),
        ("12pm", "12am", ("12:00", "24:00")),
        ("12am", "6am", ("00:00", "06:00")),
        ("noon", "midnight", ("12:00", "24:00")),
        ("1 pm", "5 pm", ("13:00", "17:00")),
        ("12:30pm", "1pm", ("12:30", "13:00")),
        ("09:00", "17:00", ("09:00", "17:00")),
        ("09:00:00", "17:00:00", ("09:00", "17:00")),
        ("09:00-05:00", "17:00-05:00", ("09:00", "17:00")),  # with the UTC offset HSDS allows
        ("08:00Z", "12:00Z", ("08:00", "12:00")),
        ("9 h", "17 h 00", ("09:00", "17:00")),
        ("9h30", "16h30", ("09:30", "16:30")),
        ("midi", "minuit", ("12:00", "24:00")),
        ("9:00", "5:00", ("09:00", "17:00")),  # 12-hour times without am/pm
        ("0900", "1700", ("09:00", "17:00")),  # 24-hour "military" time
        ("0830h", "1630 h", ("08:30", "16:30")),
        ("12:00 noon", "5:00pm", ("12:00", "17:00")),
    ],
)
def test_structured_times_in_12_hour_24_hour_and_french_forms(
    opens: str, closes: str, expected: tuple[str, str]
) -> None:
    assert clock_range(opens, closes) == expected


@pytest.mark.parametrize(
    ("opens", "closes"),
    [
        ("25:00", "26:00"),
        ("soon", "5pm"),
        ("9:00", ""),
        ("9:75", "10:00"),
        ("9am", "13pm"),
        ("0am", "5pm"),
        ("0pm", "5pm"),  # no such hours on a 12-hour clock
    ],
)
def test_structured_times_that_are_not_times_are_refused(opens: str, closes: str) -> None:
    with pytest.raises(HoursNotUnderstood):
        clock_range(opens, closes)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Monday", (1,)),
        ("Mon-Fri", (1, 2, 3, 4, 5)),
        ("M-F", (1, 2, 3, 4, 5)),
        ("lun. au ven.", (1, 2, 3, 4, 5)),
        ("Sat, Sun", (6, 7)),
        ("tous les jours", (1, 2, 3, 4, 5, 6, 7)),
        ("sometimes", ()),
    ],
)
def test_days_named_in_a_cell(text: str, days: tuple[int, ...]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    "text",
    [
        "Sometimes open; call first", "9h-17h", "Mon-Fri", "Mon 17:00-9:00", "Mon 25:00-26:00",
        "Mon-Fri 900-1700",  # never "00" to "17:00"
    ],
)  # fmt: skip
def test_hours_that_cannot_be_read_are_refused(text: str) -> None:
    with pytest.raises(HoursNotUnderstood):
        parse_hours(text)


def row_hours(**cells: str) -> tuple[list[tuple[int, str, str]], Report]:
    """The weekly hours of one schedule row, and what the report says of it."""
    report = Report()
    parts = ServiceParts(Package(), report, "en", TerritoryNames([]))
    found = parts.opening_hours({"_where": "schedules.csv line 2", **cells})
    return [(h.weekday, h.opens, h.closes) for h in found], report


@pytest.mark.parametrize(
    "weekday", ["Monday-Friday", "M-F", "Mon\u2013Fri", "lun-ven", "lundi au vendredi"]
)
def test_a_range_of_days_in_the_weekday_column(weekday: str) -> None:
    found, _ = row_hours(weekday=weekday, opens_at="09:00", closes_at="17:00")

    assert found == [(d, "09:00", "17:00") for d in WEEKDAYS]


@pytest.mark.parametrize(
    "cells",
    [
        {"weekday": "Friday", "opens_at": "10:00am", "closes_at": "2:00am"},
        {"description": "Fri 10pm-2am"},
    ],
)
def test_hours_past_midnight_are_left_out_saying_why(cells: dict[str, str]) -> None:
    found, report = row_hours(**cells)

    assert found == []
    what = "opening hours past midnight, left out (Guichet's hours end at midnight)"
    assert report.mapped[("service", what)].count == 1


def test_an_unreadable_time_is_reported_never_stored_as_another() -> None:
    found, report = row_hours(weekday="Monday", opens_at="900", closes_at="1700")

    assert found == []
    assert report.mapped[("service", "opening hours not understood, left out")].count == 1


@pytest.mark.parametrize(
    ("text", "codes", "unknown"),
    [
        ("English, French", ("en", "fr"), ()),
        ("Français et anglais", ("fr", "en"), ()),
        ("Créole haïtien", ("ht",), ()),
        ("arabe / Mandarin", ("ar", "zh"), ()),
        ("Tamil (Sri Lanka)", ("ta",), ()),
        ("fre, spa", ("fr", "es"), ()),
        ("LSQ", ("fcs",), ()),
        ("Spanish, Elvish", ("es",), ("Elvish",)),
    ],
)
def test_language_names_in_english_or_french(
    text: str, codes: tuple[str, ...], unknown: tuple[str, ...]
) -> None:
    assert language_codes(text) == (codes, unknown)


def test_service_areas_by_code_uri_or_name() -> None:
    names = TerritoryNames(
        [
            ("RA-13", "Laval", "region"),
            ("65005", "Laval", "municipality"),
            ("66023", "Montréal", "municipality"),
            ("CMM", "Communauté métropolitaine de Montréal", "metropolitan_community"),
        ]
    )
    assert names.resolve("laval") == "RA-13"
    assert names.resolve("MONTREAL") == "66023"
    assert names.resolve("https://example.org/territories/cmm") == "CMM"
    assert names.resolve("65005") == "65005"
    assert names.resolve("Atlantis") is None


@pytest.mark.parametrize(
    "text", ["Lundi au vendredi 9h à 17h, année 2026-2027", "Mon-Fri 9-17 (2026-2027)"]
)
def test_a_year_range_in_the_text_is_not_hours(text: str) -> None:
    assert hours(text) == [(d, "09:00", "17:00") for d in WEEKDAYS]


@pytest.mark.parametrize(("opens", "closes"), [("2026", "2027"), ("24:00", "24:00")])
def test_years_or_midnight_to_midnight_are_not_opening_times(opens: str, closes: str) -> None:
    with pytest.raises(HoursNotUnderstood):
        clock_range(opens, closes)


@pytest.mark.parametrize(
    "cells",
    [
        {"freq": "MONTHLY", "byday": "MO"},
        {"freq": "WEEKLY", "byday": "1MO"},
        {"byday": "MO,-1FR"},
    ],
)
def test_a_schedule_that_is_not_weekly_is_left_out_saying_why(cells: dict[str, str]) -> None:
    found, report = row_hours(opens_at="09:00", closes_at="17:00", **cells)

    assert found == []
    what = "opening hours not weekly, left out (Guichet's hours repeat each week)"
    assert report.mapped[("service", what)].count == 1


def test_an_assured_date_is_the_start_of_that_day_in_montreal() -> None:
    parts = ServiceParts(Package(), Report(), "en", TerritoryNames([]))

    assured, _ = parts.assured({"assured_date": "2026-04-01"}, "services.json item 1")

    assert assured == datetime(2026, 4, 1, 4, tzinfo=UTC)  # midnight, daylight saving time
