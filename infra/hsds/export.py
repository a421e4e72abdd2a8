"""The directory as HSDS 3.0 JSON, with each record's field-level `metadata` taken from its facts.

Written as two files: `services.json` (every service with its organization, phones, schedules,
languages, service areas, taxonomy attributes and services at locations with their locations)
and `organizations.json` (every organization with all its locations, so nothing without a
service is lost). HSDS has one language: text is written in the one asked for, falling back on
the other when a record has none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pycountry

from infra.hsds.folder import check_folder
from infra.views.history import PostgresHistoryView
from infra.views.taxonomy import PostgresTaxonomyView
from infra.views.territories import PostgresTerritoryView
from projections.history import Change, Json
from projections.interactions import local_day
from projections.taxonomy import with_ancestors

_NAMESPACE = uuid5(NAMESPACE_URL, "guichet:hsds-export")
_BYDAY = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
_PHONE_TYPES = {"voice": "voice", "fax": "fax", "text": "text", "tty": "textphone"}
_STATUS = {"active": "active", "inactive": "inactive", "merged": "defunct"}
# Service areas carry the official code in a URN the importer reads back.
TERRITORY_URN = "urn:guichet:territory:"

Document = dict[str, Any]
KINDS = ("organization", "location", "service", "service_at_location")
CHUNK = 2000


def child_id(parent: UUID | str, kind: str, key: object) -> str:
    """Ids for HSDS objects Guichet keeps inside a record (phones, schedules, …), stable."""
    return str(uuid5(_NAMESPACE, f"{parent}:{kind}:{key}"))


@dataclass(frozen=True)
class Snapshot:
    """The current fields of every record, their changes, and territory names."""

    records: dict[UUID, dict[str, Json]]
    changes: dict[UUID, list[Change]]
    territory_names: dict[str, str]
    language: str
    # Taxonomy code → (name in the language, parent code), when the taxonomy names it.
    terms: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def text(self, record: dict[str, Json], field: str) -> str:
        other = "en" if self.language == "fr" else "fr"
        return str(record.get(f"{field}.{self.language}") or record.get(f"{field}.{other}") or "")

    def of_kind(self, kind: str) -> list[tuple[UUID, dict[str, Json]]]:
        return [(id, r) for id, r in self.records.items() if r.get("kind") == kind]


def _value(value: Json) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def metadata(snapshot: Snapshot, id: UUID, kind: str) -> list[Document]:
    return [
        {
            "id": child_id(id, "metadata", f"{change.version}:{change.field}"),
            "resource_id": str(id),
            "resource_type": kind,
            "last_action_date": change.occurred_at.isoformat(),
            "last_action_type": change.fact,
            "field_name": change.field,
            "previous_value": _value(change.previous),
            "replacement_value": _value(change.replacement),
            "updated_by": change.actor,
        }
        for change in snapshot.changes.get(id, [])
    ]


def organization(snapshot: Snapshot, id: UUID, record: dict[str, Json]) -> Document:
    document: Document = {
        "id": str(id),
        "name": snapshot.text(record, "name"),
        "description": snapshot.text(record, "description"),
    }
    if record.get("website"):
        document["website"] = record["website"]
    return document


def location(snapshot: Snapshot, id: UUID, record: dict[str, Json]) -> Document:
    address = record.get("address")
    document: Document = {
        "id": str(id),
        "location_type": "physical" if isinstance(address, dict) else "virtual",
        "organization_id": str(record["organization_id"]),
        "name": snapshot.text(record, "name"),
    }
    if snapshot.text(record, "description"):
        document["description"] = snapshot.text(record, "description")
    coordinates = record.get("coordinates")
    if isinstance(coordinates, dict):
        document["latitude"] = coordinates["latitude"]
        document["longitude"] = coordinates["longitude"]
    return document


def location_details(snapshot: Snapshot, id: UUID, record: dict[str, Json]) -> Document:
    details: Document = {}
    address = record.get("address")
    if isinstance(address, dict):
        details["addresses"] = [
            {
                "id": child_id(id, "address", 0),
                "location_id": str(id),
                "address_1": address["street"],
                "city": address["city"],
                "state_province": address["province"],
                "postal_code": address["postal_code"],
                "country": address["country"],
                "address_type": "physical",
            }
        ]
    if snapshot.text(record, "accessibility"):
        details["accessibility"] = [
            {
                "id": child_id(id, "accessibility", 0),
                "location_id": str(id),
                "description": snapshot.text(record, "accessibility"),
            }
        ]
    details["metadata"] = metadata(snapshot, id, "location")
    return details


def _language_name(code: str) -> str:
    found = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
    return str(found.name) if found is not None else code


def service(
    snapshot: Snapshot, id: UUID, record: dict[str, Json], places: list[Document]
) -> Document:
    sid = str(id)
    document: Document = {
        "id": sid,
        "organization_id": str(record["organization_id"]),
        "name": snapshot.text(record, "name"),
        "description": snapshot.text(record, "description"),
        "status": _STATUS.get(str(record.get("status")), "active"),
    }
    for name, hsds in (
        ("eligibility", "eligibility_description"),
        ("fees", "fees_description"),
        ("application_process", "application_process"),
    ):
        if snapshot.text(record, name):
            document[hsds] = snapshot.text(record, name)
    if record.get("last_verified_at"):
        # The day in Montréal, where it was verified: an evening check is not tomorrow's.
        verified = datetime.fromisoformat(str(record["last_verified_at"]))
        document["assured_date"] = local_day(verified).isoformat()
    owner = snapshot.records.get(UUID(str(record["organization_id"])))
    if owner is not None:
        document["organization"] = organization(
            snapshot, UUID(str(record["organization_id"])), owner
        )
    phones = record.get("phones") or []
    document["phones"] = [
        {
            "id": child_id(sid, "phone", n),
            "service_id": sid,
            "number": phone["number"],
            "type": _PHONE_TYPES.get(phone["kind"], "voice"),
            **({"extension": int(phone["extension"])} if phone.get("extension") else {}),
        }
        for n, phone in enumerate(phones if isinstance(phones, list) else [])
    ]
    schedule = record.get("schedule")
    hours = schedule.get("hours", []) if isinstance(schedule, dict) else []
    closed = schedule.get("closed_on", []) if isinstance(schedule, dict) else []
    document["schedules"] = [
        {
            "id": child_id(sid, "schedule", n),
            "service_id": sid,
            "freq": "WEEKLY",
            "byday": _BYDAY[h["weekday"]],
            "opens_at": h["opens"],
            "closes_at": h["closes"],
            **({"notes": "Closed on " + ", ".join(closed)} if closed else {}),
        }
        for n, h in enumerate(hours)
    ]
    document["languages"] = [
        {
            "id": child_id(sid, "language", code),
            "service_id": sid,
            "code": code,
            "name": _language_name(code),
        }
        for code in _strings(record.get("languages"))
    ]
    document["service_areas"] = [
        {
            "id": child_id(sid, "service_area", code),
            "service_id": sid,
            "name": snapshot.territory_names.get(code, code),
            "uri": TERRITORY_URN + code,
        }
        for code in _strings(record.get("service_areas"))
    ]
    document["attributes"] = [
        {
            "id": child_id(sid, "attribute", code),
            "link_id": sid,
            "link_type": "taxonomy",
            "link_entity": "service",
            "taxonomy_term_id": child_id("taxonomy", "term", code),
            "taxonomy_term": _term(snapshot, code),
        }
        for code in _strings(record.get("taxonomy_codes"))
    ]
    document["service_at_locations"] = places
    document["metadata"] = metadata(snapshot, id, "service")
    return document


def term_documents(snapshot: Snapshot) -> list[Document]:
    """Every term of the package, once, by code: those the services carry and every term above
    them, so that each `parent_id` is one of them."""
    codes = set(snapshot.terms)
    codes.update(
        c for _, r in snapshot.of_kind("service") for c in _strings(r.get("taxonomy_codes"))
    )
    return [_term(snapshot, code) for code in sorted(codes)]


def _term(snapshot: Snapshot, code: str) -> Document:
    name, parent = snapshot.terms.get(code, (code, None))
    return {
        "id": child_id("taxonomy", "term", code),
        "code": code,
        "name": name or code,
        "description": f"Taxonomy code {code}",
        **({"parent_id": child_id("taxonomy", "term", parent)} if parent else {}),
    }


def _strings(value: Json) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def place(snapshot: Snapshot, id: UUID, link: dict[str, Json]) -> Document | None:
    """One service at a location, with its location; None when unlinked or the location is
    not in the snapshot."""
    location_id = UUID(str(link["location_id"]))
    found = snapshot.records.get(location_id)
    if link.get("linked") is not True or found is None or found.get("kind") != "location":
        return None
    return {
        "id": str(id),
        "service_id": str(link["service_id"]),
        "location_id": str(location_id),
        "location": {
            **location(snapshot, location_id, found),
            **location_details(snapshot, location_id, found),
        },
        "metadata": metadata(snapshot, id, "service_at_location"),
    }


def places_of(snapshot: Snapshot) -> dict[str, list[Document]]:
    """Service id → its services at locations, for the links and locations in the snapshot."""
    places: dict[str, list[Document]] = {}
    for id, link in snapshot.of_kind("service_at_location"):
        found = place(snapshot, id, link)
        if found is not None:
            places.setdefault(str(link["service_id"]), []).append(found)
    return places


def documents(snapshot: Snapshot) -> tuple[list[Document], list[Document]]:
    """(organizations, services) as HSDS 3.0 objects."""
    locations = dict(snapshot.of_kind("location"))
    places = places_of(snapshot)
    owned: dict[str, list[Document]] = {}
    for id, place in locations.items():
        owned.setdefault(str(place["organization_id"]), []).append(
            {**location(snapshot, id, place), **location_details(snapshot, id, place)}
        )
    organizations = [
        {
            **organization(snapshot, id, record),
            "locations": owned.get(str(id), []),
            "metadata": metadata(snapshot, id, "organization"),
        }
        for id, record in snapshot.of_kind("organization")
    ]
    services = [
        service(snapshot, id, record, places.get(str(id), []))
        for id, record in snapshot.of_kind("service")
    ]
    return organizations, services


# Written beside the files, it tells a folder this export wrote from another tool's HSDS files;
# not a .json file, which an import of the folder would read as records.
MARKER = "guichet-export.txt"
FILES = ("organizations.json", "services.json", "taxonomy_terms.json")
EXPORT_NAME = f"Written by guichet export hsds: {', '.join(FILES)}; the next export replaces them."


def write_documents(folder: Path, snapshot: Snapshot) -> tuple[int, int]:
    """Writes the FILES and the MARKER; returns how many organizations and services.
    FolderInUse when the folder holds files this export did not write."""
    check_export_folder(folder)
    organizations, services = documents(snapshot)
    folder.mkdir(parents=True, exist_ok=True)
    for name, items in (
        # The marker first: a folder this export began to write is one it may write again.
        (MARKER, EXPORT_NAME),
        ("organizations.json", organizations), ("services.json", services),
        ("taxonomy_terms.json", term_documents(snapshot)),
    ):  # fmt: skip
        temporary = folder / f".{name}.partial"
        text = items if isinstance(items, str) else json.dumps(items, ensure_ascii=False, indent=1)
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(folder / name)  # a reader never sees half a file
    return len(organizations), len(services)


def check_export_folder(folder: Path) -> None:
    """FolderInUse when the folder is a file or holds files this export did not write."""
    check_folder(folder, _ours)


def _ours(folder: Path) -> bool:
    """A folder this export wrote: only its files (a write cut short leaves a `.partial`
    one), and its marker naming it. A partner's services.json is not replaced."""
    names = {path.name for path in folder.iterdir()}
    mine = {MARKER, *FILES}
    if MARKER not in names or not names <= mine | {f".{name}.partial" for name in mine}:
        return False
    try:
        return (folder / MARKER).read_text(encoding="utf-8").strip() == EXPORT_NAME
    except (OSError, ValueError):
        return False


def read_snapshot(
    history: PostgresHistoryView,
    territories: PostgresTerritoryView,
    language: str,
    taxonomy: PostgresTaxonomyView | None = None,
) -> Snapshot:
    """Every record; with `taxonomy`, the codes they carry and every term above them, named
    in `language`."""
    ids = [id for kind in KINDS for id in history.ids_of_kind(kind)]
    snapshot = read_records(history, territories, ids, language)
    if taxonomy is None:
        return snapshot
    codes = {c for r in snapshot.records.values() for c in _strings(r.get("taxonomy_codes"))}
    defined = {term.code: term for term in taxonomy.terms()}
    terms = {
        code: (defined[code].name_in(language), parent)
        for code, parent in sorted(with_ancestors(codes, defined).items())
    }
    return replace(snapshot, terms=terms)


def read_records(
    history: PostgresHistoryView,
    territories: PostgresTerritoryView,
    ids: Sequence[UUID],
    language: str,
    *,
    changes: bool = True,
) -> Snapshot:
    """The snapshot of the named records only (a page of them, and what they embed); without
    `changes`, their metadata is left empty."""
    records: dict[UUID, dict[str, Json]] = {}
    found: dict[UUID, list[Change]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        records.update(history.records(chunk))
        if changes:
            found.update(history.changes_of(chunk))
    codes = sorted({code for r in records.values() for code in _strings(r.get("service_areas"))})
    names = {row.code: row.name for row in territories.territories(codes)}
    return Snapshot(records, found, names, language)
