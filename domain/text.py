"""One rule for every text that enters Guichet, whatever the door (GraphQL, WebSocket, CLI,
import): bounded, valid Unicode, no NUL or other control characters, NFC, trimmed.

A text PostgreSQL, JSON or a CSV reader cannot hold (a NUL, a lone surrogate) would be stored
in the log and then fail every view that applies it, for good; so the value constructors parse
with `parse_text`, and every fact checks its own strings once more (`check_stored`) before it
can be saved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from uuid import UUID

from domain.errors import InvalidInput
from domain.moments import check_day

# C0 controls but tab and newline, DEL, and the C1 controls; lone surrogates are not Unicode;
# the bidirectional embeddings, overrides and isolates reorder what is shown after them, so a
# name could read otherwise than it is written (the marks LRM and RLM stay: they reorder only
# neutral characters, and right-to-left text needs them).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Characters that show nothing: a required text of these alone is blank.
_INVISIBLE = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc"})
_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[^\S\n]+")

# The longest text any stored fact may hold, whatever its field (the longest field bound).
STORED_MAX = 10_000


def forbidden_character(text: str) -> str | None:
    """A description of the first character Guichet refuses in `text`, or None."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return f"an invalid Unicode character (a lone surrogate U+{ord(char):04X})"
    name = (
        "a NUL character" if char == "\x00"
        else "a bidirectional control character" if "\u202a" <= char <= "\u2069"
        else "a control character"
    )  # fmt: skip
    return f"{name} (U+{ord(char):04X}) at position {found.start() + 1}"


def without_forbidden(text: str) -> str:
    """The text with each character Guichet refuses replaced by a space: for importers that
    keep what can be kept of dirty data, and say so."""
    return _FORBIDDEN.sub(" ", text)


def visible(text: str) -> bool:
    """Whether the text shows anything: a text of spaces, format characters (zero-width
    joiners, word joiners) and controls alone is blank, wherever a text is required."""
    return any(unicodedata.category(char) not in _INVISIBLE for char in text)


def parse_text(
    field: str,
    raw: str | None,
    *,
    max_length: int,
    multiline: bool = False,
    required: bool = False,
) -> str:
    """The text, trimmed and in NFC; on one line its spaces are folded, on several lines
    `\\r\\n` becomes `\\n` and blank runs within a line are folded. Refuses what `check` does."""
    if raw is None:
        raw = ""
    if multiline:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    else:
        # Any whitespace, tabs and line breaks included, folds to one space on one line.
        raw = raw.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    problem = forbidden_character(raw)
    if problem is not None:
        raise InvalidInput(field, f"contains {problem}")
    if len(raw) > 4 * max_length:
        # Refused before any normalising work: a hostile text costs no more than a short one.
        raise InvalidInput(field, f"is longer than {max_length} characters")
    text = unicodedata.normalize("NFC", raw)
    if multiline:
        lines = [_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = "\n".join(lines).strip()
    else:
        text = _SPACES.sub(" ", text).strip()
    if len(text) > max_length:
        raise InvalidInput(field, f"is longer than {max_length} characters")
    if required and not visible(text):
        raise InvalidInput(field, "is required and must not be blank")
    return text


def parse_optional_text(
    field: str, raw: str | None, *, max_length: int, multiline: bool = False
) -> str | None:
    """`parse_text`, with a blank text read as none."""
    return parse_text(field, raw, max_length=max_length, multiline=multiline) or None


def check(field: str, text: str, *, max_length: int = STORED_MAX) -> None:
    """Refuses a text Guichet cannot store or show, without changing it (for read arguments
    and identifiers that must be taken as they are)."""
    problem = forbidden_character(text)
    if problem is not None:
        raise InvalidInput(field, f"contains {problem}")
    if len(text) > max_length:
        raise InvalidInput(field, f"is longer than {max_length} characters")


def check_stored(field: str, value: object, depth: int = 0) -> None:
    """Every string inside a fact's value, however nested, passes `check`, and every date
    and moment lies in the calendar a fact may hold (`domain.moments`).

    The last guard before the log: the value constructors already parsed what they hold, so
    this only fails when a rule was skipped somewhere, and then nothing is saved.
    """
    if isinstance(value, str):
        check(field, value)
    elif isinstance(value, date | datetime):
        # A date a view cannot place in every time zone would stop it for good.
        check_day(field, value)
    elif value is None or isinstance(value, bool | int | float | UUID | Enum):
        return
    elif depth > 16:
        raise InvalidInput(field, "is nested too deeply")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_stored(f"{field}.{key}", key, depth + 1)
            check_stored(f"{field}.{key}", item, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            check_stored(f"{field}[{index}]", item, depth + 1)
    elif hasattr(value, "__dict__"):
        for name, item in vars(value).items():
            check_stored(f"{field}.{name}", item, depth + 1)
