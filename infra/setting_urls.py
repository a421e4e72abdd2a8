"""The settings that are URLs: parsed, and refused without ever repeating them, since a URL may
hold a password in any of its forms."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


class Unshown(ValueError):
    """A refusal of a value that may hold a password: its message says what to do instead."""


# Signs of a password written as it is: an `@` in what precedes the host; a `/`, `?` or `#`
# in it ends the URL's authority early, leaving `…@host/` after it; a `%` that starts no
# escape.
_SPLIT_AUTHORITY = re.compile(r"[/?#][^/?#=&]*@[^/?#]*/")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPES = "@ is %40, / is %2F, : is %3A, # is %23, ? is %3F, % is %25"


def postgres_url(raw: str) -> str:
    try:
        parts = urlsplit(raw)
    except ValueError as error:  # "Invalid IPv6 URL"
        raise _url_refusal(raw, f"a URL like postgresql://host:5432/database ({error})") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise _url_refusal(raw, "a URL like postgresql://user:password@host:5432/database")
    if _unescaped_password(raw, parts.netloc):
        # libpq would split it elsewhere than here: `failed to resolve host 'ss@127.0.0.1'`.
        raise Unshown(
            f"its password seems to hold a sign as it is; percent-encode the password: {_ESCAPES}"
        )
    if not parts.path.strip("/"):
        raise _url_refusal(raw, "a URL that names the database, like postgresql://host/guichet")
    return raw


def _url_refusal(raw: str, expected: str) -> ValueError:
    """A URL is never repeated in the message: in whatever form, it may hold a password
    (`user:secret@host`, `?password=`, or libpq's `password=` keyword)."""
    return Unshown(f"expected {expected}")


def _unescaped_password(raw: str, netloc: str) -> bool:
    userinfo = netloc.rpartition("@")[0]
    if "@" in userinfo or _BAD_ESCAPE.search(userinfo):
        return True
    after = raw.partition("://")[2][len(netloc) :]
    return _SPLIT_AUTHORITY.search(after) is not None


def http_url(raw: str) -> str:
    expected = "an http:// or https:// URL, like http://localhost:9200"
    try:
        parts = urlsplit(raw)
        hostname = parts.hostname
    except ValueError as error:
        raise _url_refusal(raw, f"{expected} ({error})") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise _url_refusal(raw, expected)
    return raw.rstrip("/")
