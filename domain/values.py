"""Value objects shared by aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.errors import InvalidInput


@dataclass(frozen=True)
class LocalizedText:
    """A text in French and English; HSDS has one language, Guichet keeps both."""

    fr: str
    en: str

    @classmethod
    def parse(
        cls, field: str, fr: str | None, en: str | None, *, required: bool, max_length: int
    ) -> LocalizedText:
        cleaned = {lang: " ".join((text or "").split()) for lang, text in (("fr", fr), ("en", en))}
        for lang, text in cleaned.items():
            if len(text) > max_length:
                raise InvalidInput(f"{field}.{lang}", f"is longer than {max_length} characters")
        if required and not any(cleaned.values()):
            raise InvalidInput(field, "needs a French or an English text")
        return cls(fr=cleaned["fr"], en=cleaned["en"])

    def is_empty(self) -> bool:
        return not (self.fr or self.en)


def parse_website(field: str, raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
        raise InvalidInput(field, f"{text!r} is not an http:// or https:// address")
    if len(text) > 2000:
        raise InvalidInput(field, "is longer than 2000 characters")
    return text
