"""Bearer tokens and the roles they grant.

Tokens an operator manages are facts in the log (`domain.tokens`, followed by
`infra.token_log`). Two static sources are read once, at start, and never written by Guichet:
a tokens file holds one token a line as `NAME ROLE sha256:HEX`, so the file never holds a
usable secret; GUICHET_TOKENS holds `NAME:ROLE:TOKEN` entries separated by commas, for
deployments that keep secrets in the environment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from domain.errors import InvalidInput
from domain.limits import PERSON_MAX
from domain.text import check
from domain.tokens import Role

if TYPE_CHECKING:
    from infra.token_log import TokenLog

__all__ = ["ANONYMOUS", "Principal", "Role", "TokenFileError", "TokenStore", "digest"]


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


# A static token shorter than this is guessable; `guichet tokens` makes 43-character ones.
STRONG_ENOUGH = 24


class TokenStore:
    """The static tokens, and those of the log when it follows one: looked up in memory only,
    so signing in never waits for the database."""

    def __init__(
        self, entries: dict[str, Principal], log: TokenLog | None = None,
        weak: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        self._by_digest = entries
        self.log = log
        self.weak = weak  # names of static tokens too short to resist guessing

    def static_names(self) -> set[str]:
        return {principal.name for principal in self._by_digest.values()}

    def __len__(self) -> int:
        """How many static tokens there are (the log's are counted by the log)."""
        return len(self._by_digest)

    def following(self, log: TokenLog) -> TokenStore:
        return TokenStore(self._by_digest, log, self.weak)

    def authenticate(self, token: str) -> Principal | None:
        return self.principal(digest(token))

    def principal(self, key: str) -> Principal | None:
        """Who the token of that digest signs in as, now."""
        found = self._by_digest.get(key)
        if found is None and self.log is not None:
            return self.log.principal(key)
        return found

    @classmethod
    def load(cls, files: Iterable[Path], variable: str | None) -> TokenStore:
        entries: dict[str, Principal] = {}
        for path in files:
            entries.update(_read_file(path))
        weak: tuple[str, ...] = ()
        if variable:
            entries.update(_read_variable(variable))
            items = [item.strip().split(":", 2) for item in variable.split(",")]
            weak = tuple(name for name, _, token in items if len(token) < STRONG_ENOUGH)
        return cls(entries, weak=weak)


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
