"""What every area's GraphQL surface shares: record ids, bilingual texts, reasons, and the
receipt a mutation answers with."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from domain.errors import InvalidInput
from domain.limits import DESCRIPTION_MAX, NAME_MAX, REASON_MAX, at_most
from domain.operations import Receipt as Written
from domain.text import check, parse_optional_text
from domain.values import LocalizedText

NAME = at_most(NAME_MAX, "characters in each language")
DESCRIPTION = at_most(DESCRIPTION_MAX, "characters in each language, on several lines")
REASON = at_most(REASON_MAX)
CHANGE_REASON = (
    "Why the change was made, if worth saying; kept in the record's history (`recordHistory`, "
    f"the audit log). {REASON}"
)

INPUT = strawberry.argument(description="What to write: see the input type's fields.")

RecordId = Annotated[
    strawberry.ID, strawberry.argument(description="The record's id (a UUID), as `id` gives it.")
]


@strawberry.type(name="LocalizedText", description="A text in French and in English.")
class LocalizedTextType:
    fr: str = strawberry.field(description="In French; empty when there is none.")
    en: str = strawberry.field(description="In English; empty when there is none.")

    @classmethod
    def of(cls, text: LocalizedText) -> LocalizedTextType:
        return cls(fr=text.fr, en=text.en)


@strawberry.input(
    description="A text in French and in English. A required text needs one of the two; the "
    "field's description gives its length bound."
)
class LocalizedTextInput:
    fr: str | None = strawberry.field(default=None, description="In French.")
    en: str | None = strawberry.field(default=None, description="In English.")


@strawberry.type(description="What a mutation wrote.")
class Receipt:
    id: strawberry.ID = strawberry.field(description="The record written.")
    version: int = strawberry.field(
        description="The record's version after the write: the next `expectedVersion`."
    )
    position: int = strawberry.field(
        description="Log position of the last fact written; pass it as consistentWith."
    )

    @classmethod
    def of(cls, written: Written) -> Receipt:
        return cls(
            id=strawberry.ID(str(written.id)), version=written.version, position=written.position
        )


def parse_id(field: str, raw: str) -> UUID:
    check(field, raw, max_length=100)
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidInput(field, f"{raw!r} is not a record id (a UUID)") from None


def localized(
    field: str, value: LocalizedTextInput | None, *, required: bool, limit: int,
    multiline: bool = False,
) -> LocalizedText:  # fmt: skip
    fr, en = (value.fr, value.en) if value is not None else (None, None)
    return LocalizedText.parse(
        field, fr, en, required=required, max_length=limit, multiline=multiline
    )


def name_of(field: str, value: LocalizedTextInput) -> LocalizedText:
    """A record's name: required, on one line."""
    return localized(field, value, required=True, limit=NAME_MAX)


def long_text(field: str, value: LocalizedTextInput | None) -> LocalizedText:
    """A description or a text like it: optional, on several lines."""
    return localized(field, value, required=False, limit=DESCRIPTION_MAX, multiline=True)


def reason_of(text: str | None, field: str = "input.reason") -> str | None:
    return parse_optional_text(field, text, max_length=REASON_MAX)
