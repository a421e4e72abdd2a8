"""One convention for every list of the schema: Relay connections.

A list takes `first` (bounded, its default in its description) and `after` (an opaque cursor
this list returned), and answers `edges { cursor node }`, `nodes`, `totalCount` and Relay's
`pageInfo`. Cursors are keyset positions (the sort key of the last item shown), so a page
costs one indexed range read however deep it is, and a record added or removed between two
pages neither repeats nor skips the others.

Strawberry's `relay` module has a `PageInfo`, but its descriptions are those of paging both
ways, and its `Connection` and `Edge` are bound to its `Node` (global ids), which audit
entries, field changes and territories are not, while its `ListConnection` slices a list in
memory by offset: hence these types, which follow Relay's connection spec.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import strawberry

from domain.errors import InvalidInput

__all__ = ["Connection", "Edge", "PageInfo", "connection", "decode", "encode", "first_of"]

T = TypeVar("T")
C = TypeVar("C", bound="Connection[Any]")
Key = str | int | float | UUID | datetime | date
Counter = Callable[[], Awaitable[int]]

CURSOR_MAX = 500  # a cursor holds a few keys; a longer one was not made here
# Every integer key is a PostgreSQL bigint (a log position, a row number, a tier).
BIGINT = 2**63


def first_argument(default: int, most: int) -> Any:
    return strawberry.argument(description=f"How many items at most: 1 to {most}; {default} "
                               "when left out.")  # fmt: skip


AFTER = strawberry.argument(
    description="The `cursor` of an edge, or `pageInfo.endCursor`, of this list: the page "
    "starts after it. Left out: the first page. A cursor another list made is refused "
    "(`InvalidInputError` naming `after`)."
)


@strawberry.type(
    description="Where a page stands in its list (Relay's connection spec). Lists page "
    "forward only, with `first` and `after`."
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when items follow this page: ask for them with `after: endCursor`."
    )
    # Relay lets a forward page answer false, or true when it knows items precede `after`
    # cheaply: the cursor was made from an item of this list, so true costs no read.
    has_previous_page: bool = strawberry.field(
        description="True when the page was asked for with `after` (the item that cursor "
        "points at comes before it); false on the first page. There is no paging backward: "
        "keep the cursors of earlier pages to go back."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last edge, to pass as `after` for the next page; "
        "null when the page is empty."
    )


@strawberry.type(description="An item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="An opaque position in this list: pass it as `after` to read the items "
        "after this one. Valid for this list only; do not parse it."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The page's items in the list's order, each with its cursor."
    )
    nodes: list[T] = strawberry.field(description="The page's items, without their cursors.")
    page_info: PageInfo = strawberry.field(
        description="Whether more items follow, and the cursors of the page's ends."
    )
    counter: strawberry.Private[Counter]

    @strawberry.field(description="How many items the whole list holds, over all its pages.")
    async def total_count(self) -> int:
        return await self.counter()


def counted(total: int) -> Counter:
    """A counter for a list whose size is already known."""

    async def count() -> int:
        return total

    return count


def first_of(first: int, most: int) -> int:
    if not 1 <= first <= most:
        raise InvalidInput("first", f"must be between 1 and {most}")
    return first


def encode(tag: str, keys: Sequence[Key]) -> str:
    """An opaque cursor: the list's tag and the sort keys of an item."""
    plain = [key.isoformat() if isinstance(key, date) else key for key in keys]
    raw = json.dumps([tag, *(str(key) if isinstance(key, UUID) else key for key in plain)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(tag: str, cursor: str, shape: Sequence[type[Key]]) -> tuple[Any, ...]:
    """The keys of a cursor `encode(tag, …)` made; any other text is refused, naming `after`."""
    refused = InvalidInput("after", "is not a cursor of this list")
    if len(cursor) > CURSOR_MAX:
        raise refused
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found = json.loads(raw.decode(), parse_constant=_not_a_number)
        if not isinstance(found, list) or len(found) != len(shape) + 1 or found[0] != tag:
            raise refused
        return tuple(_key(kind, value) for kind, value in zip(shape, found[1:], strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise refused from None


def _not_a_number(constant: str) -> Any:
    # `json` reads NaN and ±Infinity, which `encode` never writes: PostgreSQL sorts NaN after
    # every number and OpenSearch cannot read it back.
    raise ValueError(f"{constant} is not a key")


def _key(kind: type[Key], value: Any) -> Key:
    if kind is UUID and isinstance(value, str):
        return UUID(value)
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's instant has its offset")
        return moment
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)  # 1e999 reads as infinity
        if math.isfinite(number):
            return number
    if kind is int and type(value) is int and -BIGINT <= value < BIGINT:
        return value
    if kind is str and type(value) is str:
        return value
    raise ValueError(f"not a {kind.__name__}")


def connection(
    kind: Callable[..., C],
    items: Sequence[tuple[str, T]],
    *,
    has_next: bool,
    after: str | None,
    counter: Counter,
    **extra: Any,
) -> C:
    """A page of `(cursor, node)` pairs; `after` given means its item precedes the page."""
    edges = [Edge(cursor=cursor, node=node) for cursor, node in items]
    return kind(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        counter=counter,
        **extra,
    )


def keyset(
    kind: Callable[..., C],
    rows: Sequence[Any],
    first: int,
    *,
    tag: str,
    key: Callable[[Any], Sequence[Key]],
    node: Callable[[Any], T],
    after: str | None,
    counter: Counter,
    **extra: Any,
) -> C:
    """A page from rows read `first + 1` at most: the one past the page tells that more follow."""
    return connection(
        kind,
        [(encode(tag, key(row)), node(row)) for row in rows[:first]],
        has_next=len(rows) > first,
        after=after,
        counter=counter,
        **extra,
    )


def in_memory(
    kind: Callable[..., C],
    items: Sequence[Any],
    first: int,
    after: str | None,
    *,
    tag: str,
    key: Callable[[Any], tuple[Key, ...]],
    shape: Sequence[type[Key]],
    node: Callable[[Any], T],
    **extra: Any,
) -> C:
    """A page of a list computed whole (a few thousand items at most), in `key` order, which
    is total: the items after the cursor's keys."""
    start = decode(tag, after, shape) if after is not None else None
    ordered = sorted(items, key=key)
    later = [item for item in ordered if start is None or key(item) > start]
    return keyset(
        kind, later, first, tag=tag, key=key, node=node, after=after,
        counter=counted(len(items)), **extra,
    )  # fmt: skip
