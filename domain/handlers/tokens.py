"""Issuing, revoking and rotating bearer tokens.

A name holds at most one live token (neither revoked nor expired): issuing a name that has one
is refused, so a typo cannot leave two tokens of one person working; `rotate` replaces it, the
old token revoked and the new one issued in one save, with the same role and, unless told
otherwise, a lifetime as long as the old one's. A revoked or expired name may be issued again.
Commands carry the new token's digest only: the token itself is made and shown by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import Contended, InvalidInput, NotFound, VersionConflict
from domain.operations import Operations, Receipt
from domain.tokens import Role, Token, parse_issued_name, parse_name, token_id

__all__ = ["IssueToken", "RevokeToken", "Role", "RotateToken", "TokenHandler"]


@dataclass(frozen=True, slots=True)
class IssueToken:
    name: str
    role: Role
    digest: str
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RevokeToken:
    name: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RotateToken:
    """`expires_at` None keeps the old token's lifetime, counted from now."""

    name: str
    digest: str
    expires_at: datetime | None = None


class TokenHandler:
    def __init__(self, operations: Operations) -> None:
        self.operations = operations

    def issue(self, command: IssueToken, *, actor: str, at: datetime) -> Receipt:
        name = parse_issued_name(command.name)
        token = self._find(name)
        if token is None:
            made = Token.issue(
                name, command.role, command.digest, command.expires_at, actor=actor, at=at
            )
            return self._save(made)
        token.reissue(command.role, command.digest, command.expires_at, actor=actor, at=at)
        return self._save(token)

    def revoke(self, command: RevokeToken, *, actor: str, at: datetime) -> Receipt:
        token = self._token(parse_name(command.name))
        token.revoke(command.reason, actor=actor, at=at)
        return self._save(token)

    def rotate(self, command: RotateToken, *, actor: str, at: datetime) -> Receipt:
        # A new token under a name issued before the rule would keep it in use: refused.
        token = self._token(parse_issued_name(command.name))
        if token.revoked_at is not None:
            raise InvalidInput(
                "name", f"{token.name!r} was revoked: issue a new token with `tokens add`"
            )
        lifetime = token.lifetime()
        expires_at = command.expires_at
        if expires_at is None and lifetime is not None:
            expires_at = at + lifetime
        token.revoke("rotated", actor=actor, at=at)
        token.reissue(Role(token.role), command.digest, expires_at, actor=actor, at=at)
        return self._save(token)

    def _find(self, name: str) -> Token | None:
        try:
            return self.operations.load(Token, token_id(name), None)
        except NotFound:
            return None

    def _token(self, name: str) -> Token:
        token = self._find(name)
        if token is None:
            raise InvalidInput("name", f"no token is named {name!r}")
        return token

    def _save(self, token: Token) -> Receipt:
        try:
            return self.operations.save_record(token, token.version - len(token.pending_events))
        except VersionConflict as conflict:
            raise Contended(
                token.id, conflict.current_version,
                f"another command changed the token {token.name!r} at the same time; nothing "
                "was written: run it again",
            ) from None  # fmt: skip
