"""How value objects are written into stored events."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Transcoding

from domain.values import LocalizedText


class LocalizedTextAsDict(Transcoding):
    type = LocalizedText
    name = "localized_text"

    def encode(self, obj: Any) -> dict[str, str]:
        assert isinstance(obj, LocalizedText)
        return {"fr": obj.fr, "en": obj.en}

    def decode(self, data: Any) -> LocalizedText:
        return LocalizedText(fr=data["fr"], en=data["en"])


TRANSCODINGS: tuple[Transcoding, ...] = (LocalizedTextAsDict(),)
