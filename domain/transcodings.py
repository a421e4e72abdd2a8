"""How value objects are written into stored events."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

from eventsourcing.persistence import Transcoding

from domain.values import Address, Coordinates, LocalizedText, OpeningHours, Phone, Schedule


class DataclassAsDict(Transcoding):
    """A frozen value object as a dict of its fields; tuples are stored as lists."""

    def __init__(self, cls: type[Any], name: str) -> None:
        self.type = cls
        self.name = name
        self._tuples = {f.name for f in fields(cls) if str(f.type).startswith("tuple")}

    def encode(self, obj: Any) -> dict[str, Any]:
        return {
            f.name: list(value) if isinstance(value := getattr(obj, f.name), tuple) else value
            for f in fields(obj)
        }

    def decode(self, data: Any) -> Any:
        values = {k: tuple(v) if k in self._tuples else v for k, v in data.items()}
        return self.type(**values)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: Any) -> str:
        assert isinstance(obj, date)
        return obj.isoformat()

    def decode(self, data: Any) -> date:
        return date.fromisoformat(data)


class LocalizedTextAsDict(DataclassAsDict):
    def __init__(self) -> None:
        super().__init__(LocalizedText, "localized_text")


TRANSCODINGS: tuple[Transcoding, ...] = (
    LocalizedTextAsDict(),
    DataclassAsDict(Phone, "phone"),
    DataclassAsDict(OpeningHours, "opening_hours"),
    DataclassAsDict(Schedule, "schedule"),
    DataclassAsDict(Coordinates, "coordinates"),
    DataclassAsDict(Address, "address"),
    DateAsISO(),
)
