"""Expected failures of commands, each with a stable code and a message."""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value given to a command breaks a rule; `field` says which one."""

    code = "INVALID_INPUT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, id: UUID | str) -> None:
        super().__init__(f"No {kind} has the id {id}.")
        self.kind = kind
        self.id = id


class VersionConflict(DomainError):
    """The record changed since the version the editor saw; nothing was written."""

    code = "VERSION_CONFLICT"

    def __init__(self, id: UUID, expected_version: int, current_version: int) -> None:
        super().__init__(
            f"Record {id} is at version {current_version}, not {expected_version}: "
            "it was changed by someone else. Reload it and apply your change again."
        )
        self.id = id
        self.expected_version = expected_version
        self.current_version = current_version


class Contended(DomainError):
    """Other requests kept changing what a rule must read while this one was checked: nothing
    was written, and the same request may be sent again."""

    code = "CONFLICT"

    def __init__(self, id: UUID, version: int, message: str) -> None:
        super().__init__(message)
        self.id = id
        self.version = version
