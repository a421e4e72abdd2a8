"""Bearer tokens and the roles they grant.

A tokens file holds one token a line as `NAME ROLE sha256:HEX`, so the file never holds a
usable secret; GUICHET_TOKENS holds `NAME:ROLE:TOKEN` entries separated by commas, for
deployments that keep secrets in the environment.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from domain.errors import InvalidInput
from domain.limits import PERSON_MAX
from domain.text import check


class Role(StrEnum):
    PUBLIC = "public"
    COUNSELLOR = "counsellor"
    EDITOR = "editor"
    COVERAGE_ADMIN = "coverage_admin"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    def has(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or self.role in roles


ANONYMOUS = Principal("anonymous", Role.PUBLIC)


class TokenFileError(ValueError):
    pass


def digest(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, entries: dict[str, Principal]) -> None:
        self._by_digest = entries

    def __len__(self) -> int:
        return len(self._by_digest)

    def authenticate(self, token: str) -> Principal | None:
        return self._by_digest.get(digest(token))

    @classmethod
    def load(cls, files: Iterable[Path], variable: str | None) -> TokenStore:
        entries: dict[str, Principal] = {}
        for path in files:
            entries.update(_read_file(path))
        if variable:
            entries.update(_read_variable(variable))
        return cls(entries)


def _role(raw: str, where: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise TokenFileError(f"{where}: unknown role {raw!r} (roles: {allowed})") from None


def _name(raw: str, where: str) -> str:
    """A token's name is the actor of every fact it writes, so it follows the actor's rule."""
    try:
        check("name", raw, max_length=PERSON_MAX)
    except InvalidInput as error:
        raise TokenFileError(f"{where}: the name {error.message.removeprefix('name: ')}") from None
    return raw


def _read_file(path: Path) -> dict[str, Principal]:
    if not path.is_file():
        raise TokenFileError(f"the tokens file {path} does not exist")
    entries: dict[str, Principal] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split()
        where = f"{path}:{number}"
        if len(parts) != 3 or not parts[2].startswith("sha256:"):
            raise TokenFileError(f"{where}: expected 'NAME ROLE sha256:HEX'")
        entries[parts[2]] = Principal(_name(parts[0], where), _role(parts[1], where))
    return entries


def _read_variable(raw: str) -> dict[str, Principal]:
    entries: dict[str, Principal] = {}
    for index, item in enumerate(raw.split(","), start=1):
        parts = item.strip().split(":", 2)
        where = f"GUICHET_TOKENS entry {index}"
        if len(parts) != 3 or not all(parts):
            raise TokenFileError(f"{where}: expected NAME:ROLE:TOKEN")
        entries[digest(parts[2])] = Principal(_name(parts[0], where), _role(parts[1], where))
    return entries


def add_token(path: Path, name: str, role: Role) -> str:
    """Appends a new token's digest to the file and returns the token, shown only this once."""
    if not name or any(char.isspace() for char in name):
        raise TokenFileError("a token name is one word")
    _name(name, "the token name")
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a") as file:
        file.write(f"{name} {role.value} {digest(token)}\n")
    return token
