"""The Relay `Node` interface: a record any client can refetch by its id alone."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="A record with an id unique across every kind of record.")
class Node:
    id: strawberry.ID
