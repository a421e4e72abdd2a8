"""Cursors: what `encode` makes, `decode` gives back; anything else is refused naming `after`."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from api.pagination import decode, encode
from domain.errors import InvalidInput

SHAPE = (str, int, float, UUID, datetime)


def test_a_cursor_gives_back_its_keys_of_every_kind() -> None:
    keys = (
        "Aide à Laval",
        7,
        2.5,
        uuid4(),
        datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
    )
    assert decode("places", encode("places", keys), SHAPE) == keys
    assert decode("n", encode("n", [3]), (float,)) == (3.0,)


# Fixed keys: workers collecting the parameters apart must find the same ones.
ID = UUID("5b3f1c2e-8a4d-4f6b-9c1e-2d7a8b9c0e1f")
AT = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "€",
        "A" * 501,
        encode("other", ["a", 1, 1.0, ID, AT]),  # another list's
        encode("places", ["a", 1, 1.0, ID]),  # a key short
        encode("places", ["a", True, 1.0, ID, AT]),  # a bool for an int
        encode("places", [1, 1, 1.0, ID, AT]),  # an int for a text
        encode("places", ["a", 1, 1.0, "not-a-uuid", AT]),
        encode("places", ["a", 1, 1.0, ID, "2026-03-02T09:30:00"]),  # no offset
        base64.urlsafe_b64encode(b'{"places": 1}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_forged_cursor_is_invalid_input_on_after(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode("places", cursor, SHAPE)
    assert refused.value.field == "after"
