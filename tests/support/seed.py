"""Writes organizations through the application, as the API would."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from domain.handlers.directory import DirectoryHandler, RegisterOrganization
from domain.operations import Operations, Receipt
from domain.values import LocalizedText

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def register(
    operations: Operations, number: int, id: UUID | None = None, at: datetime = AT
) -> Receipt:
    command = RegisterOrganization(
        id or uuid4(),
        LocalizedText(fr=f"Organisme {number}", en=f"Organization {number}"),
        LocalizedText(fr="Aide alimentaire", en="Food aid"),
    )
    return DirectoryHandler(operations).register_organization(command, actor="seed", at=at)
