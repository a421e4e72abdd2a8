"""The calendar a fact may hold: every date and moment between `EARLIEST` and `LATEST`.

PostgreSQL, Python and the views that turn a moment into a local day in any time zone all work
within these years; a moment at the calendar's ends (year 1, year 9999 with a negative offset,
which is year 10000 in UTC) would be stored and then fail every view that reads it, for good.
So a fact refuses such a date when it is made (`domain.text.check_stored`), and the commands
where a person types a date refuse it first with their own rule and field name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.errors import InvalidInput

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

_RANGE = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def check_day(field: str, value: date) -> None:
    """Refuses a date, or a moment, outside the calendar a fact may hold; a moment must say
    its offset from UTC, and is placed in UTC."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise InvalidInput(field, "needs a time zone offset")
        try:
            day = value.astimezone(UTC).date()
        except OverflowError:
            raise InvalidInput(field, f"must be a moment {_RANGE} (UTC)") from None
        if not EARLIEST <= day <= LATEST:
            raise InvalidInput(field, f"must be a moment {_RANGE} (UTC)")
        return
    if not EARLIEST <= value <= LATEST:
        raise InvalidInput(field, f"must be a date {_RANGE}")
