"""The Relay `Node` interface, a record any client can refetch by its id alone, and
`node(id)`: any organization, service, location or contact by its id alone, as Relay
clients refetch what they hold.

What the caller may not see is null, as a record that does not exist is: which types each role
may see is `access.TYPES`, the same table that holds every other operation to its nested fields.
"""

from __future__ import annotations

from uuid import UUID

import strawberry
from graphql import GraphQLError
from strawberry.types import get_object_definition

from api import access
from api.consistency import ConsistentWith, reach
from api.context import Context, Info
from api.errors import CONSISTENCY_TIMEOUT, ConsistencyTimeout
from api.shared import RecordId, parse_id
from domain.errors import InvalidInput
from projections.records import kind_of, location_row, service_row


@strawberry.interface(description="A record with an id unique across every kind of record.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The record's id (a UUID): pass it to `node` to read the record again."
    )


# The views a node may be read from, for `consistentWith`.
VIEWS = ("history", "directory")
CONTACTS = ("interactions",)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any organization, service, location or contact by its id; null when there "
        "is none the caller may see (each kind to the roles that may read it: contacts to "
        "counsellors, analysts and auditors). Malformed ids and consistency timeouts are "
        "errors. Anyone."
    )
    async def node(
        self, info: Info, id: RecordId, consistent_with: ConsistentWith = None
    ) -> Node | None:
        context = info.context
        contacts = access.may_see("Interaction", context.principal.role)
        try:
            uuid = parse_id("id", id)
            await reach(context, VIEWS + CONTACTS if contacts else VIEWS, consistent_with)
        except InvalidInput as error:
            raise GraphQLError(
                str(error), extensions={"code": error.code, "field": error.field}
            ) from None
        except ConsistencyTimeout as error:
            raise GraphQLError(
                str(error), extensions={"code": CONSISTENCY_TIMEOUT, "reached": error.reached}
            ) from None
        found = await _record(context, uuid)
        if found is None and contacts:
            from api.contact_records import InteractionRecord

            row = await context.call(context.container.interactions.contact, uuid)
            found = InteractionRecord.of(row) if row is not None else None
        if found is None or not access.may_see(_type_name(found), context.principal.role):
            return None
        return found


async def _record(context: Context, id: UUID) -> Node | None:
    """A directory record, as `organization`, `service` and `location` show it."""
    # Imported here: each of these types is a Node.
    from api.directory import Organization
    from api.services import Location, Service, concealed

    container = context.container
    fields = (await context.call(container.history.records, [id])).get(id)
    if fields is None:
        return None
    kind = kind_of(fields)
    if kind == "organization":
        row = await context.call(container.directory.organization, id)
        if row is None or access.hides(row.status, context.principal.role):
            return None
        return Organization.from_row(row)
    if kind == "service":
        return None if await concealed(context, fields) else Service.of(service_row(id, fields))
    if kind == "location":
        return None if await concealed(context, fields) else Location.of(location_row(id, fields))
    return None


def _type_name(node: Node) -> str:
    return get_object_definition(type(node), strict=True).name
