"""What of the directory partners may be given: the records in service, and of each record's
history only what the public sees (as the HSDS API and GraphQL show them to everyone)."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from infra.hsds.export import Snapshot
from infra.hsds.pages import public_changes
from projections.history import Json


def public_snapshot(snapshot: Snapshot) -> Snapshot:
    """The active organizations, and the active locations and services of those; the links
    between an active service and an active location; each kept record's public metadata."""

    def active(record: dict[str, Json] | None) -> bool:
        return record is not None and record.get("status") == "active"

    def owned(record: dict[str, Json]) -> bool:
        return active(record) and active(_of(snapshot, record, "organization_id"))

    kept: dict[UUID, dict[str, Json]] = {}
    for id, record in snapshot.records.items():
        kind = record.get("kind")
        if kind == "organization":
            shown = active(record)
        elif kind in ("location", "service"):
            shown = owned(record)
        elif kind == "service_at_location":
            service, place = (_of(snapshot, record, key) for key in ("service_id", "location_id"))
            shown = (
                record.get("linked") is True
                and service is not None
                and owned(service)
                and place is not None
                and owned(place)
            )
        else:
            shown = False
        if shown:
            kept[id] = record
    changes = {id: public_changes(found) for id, found in snapshot.changes.items() if id in kept}
    return replace(snapshot, records=kept, changes=changes)


def _of(snapshot: Snapshot, record: dict[str, Json], key: str) -> dict[str, Json] | None:
    try:
        return snapshot.records.get(UUID(str(record.get(key))))
    except ValueError:
        return None
