"""Dates and times given as read arguments, read one way for every query.

A moment without an offset is read in Montréal time, as `searchServices(openAt:)` always was;
a date or moment outside the calendar a fact may hold (`domain.moments`) can match nothing and,
at the calendar's ends, would overflow the arithmetic of a view, so it is refused as
INVALID_INPUT naming the argument.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.moments import check_day
from projections.interactions import MONTREAL


def read_day(argument: str, value: date) -> date:
    check_day(argument, value)
    return value


def read_moment(argument: str, value: datetime) -> datetime:
    if value.utcoffset() is None:
        value = value.replace(tzinfo=MONTREAL)
    check_day(argument, value)
    return value


def read_optional_moment(argument: str, value: datetime | None) -> datetime | None:
    return None if value is None else read_moment(argument, value)
