"""Free-text values of real HSDS exports: opening hours and language names."""

from __future__ import annotations

import pytest

from infra.hsds.hours import HoursNotUnderstood, parse_hours
from infra.hsds.languages import language_codes
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


@pytest.mark.parametrize(
    "text", ["Sometimes open; call first", "9h-17h", "Mon-Fri", "Mon 17:00-9:00", "Mon 25:00-26:00"]
)
def test_hours_that_cannot_be_read_are_refused(text: str) -> None:
    with pytest.raises(HoursNotUnderstood):
        parse_hours(text)


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
