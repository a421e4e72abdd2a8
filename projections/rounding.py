"""Random rounding of public counts to a multiple of 5, as Statistics Canada rounds census
counts: a count already a multiple of 5 stays; a count 5q + r is rounded up to 5q + 5 with
probability r/5 and down to 5q otherwise, so on average it is the count itself.

The draw is not fresh each time, or asking again and averaging would take the noise away: as
in the cell-key method of the Australian Bureau of Statistics and the ONS, it comes from the
cell itself, here a keyed hash (HMAC-SHA256) of a secret kept by the deployment, the cell's
table and key, its exact count, and the exact number of contacts of the whole answer. The same
question, or any question counting the same contacts, gets the same figures; two answers that
differ by one contact draw every cell anew, so a cell whose published count moves is no sign
that the contact is in it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

BASE = 5
_SPAN = float(2**64)


def random_round(count: int, draw: float, base: int = BASE) -> int:
    """`count` rounded to a multiple of `base`: up when `draw` (in [0, 1)) falls below the
    remainder's share of `base`, which happens with probability remainder / base."""
    rest = count % base
    low = count - rest
    return low + base if draw * base < rest else low


@dataclass(frozen=True)
class RandomRounding:
    secret: bytes
    base: int = BASE

    def __call__(self, count: int, *cell: str | int) -> int:
        """The published value of a cell counting `count`; `cell` names it (table, group,
        key, the answer's exact contacts)."""
        return random_round(count, self.draw(count, *cell), self.base)

    def draw(self, count: int, *cell: str | int) -> float:
        message = json.dumps([*cell, count], ensure_ascii=False).encode()
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") / _SPAN
