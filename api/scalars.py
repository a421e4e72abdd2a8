"""Strawberry's `Date` and `DateTime`, parsed and printed as strawberry does, described with
what Guichet accepts and answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

DAY = replace(
    DateDefinition,
    description="A calendar day in ISO 8601, `2026-03-01`, from 1900-01-01 to 2199-12-31. "
    "A period's days are local days in Montréal (America/Montreal).",
)
MOMENT = replace(
    DateTimeDefinition,
    description="An instant in ISO 8601 with its offset from UTC, `2026-03-01T09:30:00-05:00`, "
    "in the years 1900 to 2199. A write refuses an instant without an offset; a read argument "
    "takes it in Montréal time.",
)


def overrides() -> dict[object, ScalarDefinition]:
    return {date: DAY, datetime: MOMENT}
