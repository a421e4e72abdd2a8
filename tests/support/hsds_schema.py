"""JSON Schema for the HSDS 3.0 objects Guichet writes, from the specification's field tables.

Each object lists its fields with their HSDS type, format and allowed values, and which are
required. Fields outside HSDS are refused (stricter than the specification), so a misspelt
field fails the export test instead of slipping through.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

S: dict[str, Any] = {"type": "string"}
N: dict[str, Any] = {"type": "number"}
UUID_: dict[str, Any] = {"type": "string", "format": "uuid"}
URI: dict[str, Any] = {"type": "string", "format": "uri"}
EMAIL: dict[str, Any] = {"type": "string", "format": "email"}


def _obj(required: list[str], **fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": fields,
        "additionalProperties": False,
    }


def _many(name: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}


def _one(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


DEFS: dict[str, Any] = {
    "metadata": _obj(
        ["id", "resource_id", "resource_type", "last_action_date", "last_action_type",
         "field_name", "previous_value", "replacement_value", "updated_by"],
        id=UUID_, resource_id=UUID_, resource_type=S, last_action_date=S, last_action_type=S,
        field_name=S, previous_value=S, replacement_value=S, updated_by=S,
    ),
    "organization": _obj(
        ["id", "name", "description"],
        id=UUID_, name=S, alternate_name=S, description=S, email=EMAIL,
        website=URI, tax_status=S, tax_id=S, year_incorporated=N, legal_status=S, logo=S, uri=URI,
        parent_organization_id=UUID_, locations=_many("location"), services=_many("service"),
        metadata=_many("metadata"),
    ),
    "address": _obj(
        ["id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
        id=UUID_, location_id=UUID_, attention=S, address_1=S, address_2=S, city=S, region=S,
        state_province=S, postal_code=S, country=S,
        address_type={"enum": ["physical", "postal", "virtual"]},
    ),
    "accessibility": _obj(
        ["id"], id=UUID_, location_id=UUID_, description=S, details=S, url=URI
    ),
    "location": _obj(
        ["id", "location_type"],
        id=UUID_, location_type={"enum": ["physical", "postal", "virtual"]}, url=URI,
        organization_id=UUID_, name=S, alternate_name=S, description=S, transportation=S,
        latitude=N, longitude=N, external_identifier=S, external_identifier_type=S,
        addresses=_many("address"), accessibility=_many("accessibility"),
        metadata=_many("metadata"),
    ),
    "phone": _obj(
        ["id", "number"],
        id=UUID_, location_id=UUID_, service_id=UUID_, organization_id=UUID_, contact_id=UUID_,
        service_at_location_id=UUID_, number=S, extension=N, type=S, description=S,
    ),
    "schedule": _obj(
        ["id"],
        id=UUID_, service_id=UUID_, location_id=UUID_, service_at_location_id=UUID_,
        valid_from=S, valid_to=S, dtstart=S, timezone=N, until=S, count=N,
        wkst={"enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]},
        freq={"enum": ["WEEKLY", "MONTHLY"]}, interval=N, byday=S, byweekno=S, bymonthday=S,
        byyearday=S, description=S, opens_at=S, closes_at=S, schedule_link=URI,
        attending_type=S, notes=S,
    ),
    "service_area": _obj(
        ["id"],
        id=UUID_, service_id=UUID_, service_at_location_id=UUID_, name=S, description=S,
        extent=S, extent_type=S, uri=S,
    ),
    "language": _obj(
        ["id"], id=UUID_, service_id=UUID_, location_id=UUID_, phone_id=UUID_, name=S, code=S,
        note=S,
    ),
    "taxonomy": _obj(
        ["id", "name", "description"],
        id=UUID_, name=S, description=S, uri=URI, version=S, metadata=_many("metadata"),
    ),
    "taxonomy_term": _obj(
        ["id", "name", "description"],
        id=UUID_, code=S, name=S, description=S, parent_id=UUID_, taxonomy=S, language=S,
        taxonomy_id=UUID_, term_uri=URI, taxonomy_detail=_one("taxonomy"),
        metadata=_many("metadata"),
    ),
    "attribute": _obj(
        ["id"],
        id=UUID_, link_id=UUID_, taxonomy_term_id=UUID_, link_type=S, link_entity=S, value=S,
        label=S, taxonomy_term=_one("taxonomy_term"),
    ),
    "service_at_location": _obj(
        ["id"],
        id=UUID_, service_id=UUID_, location_id=UUID_, description=S,
        service_areas=_many("service_area"), phones=_many("phone"),
        schedules=_many("schedule"), location=_one("location"), attributes=_many("attribute"),
        # The API's fully nested service_at_location also nests its service.
        service=_one("service"), metadata=_many("metadata"),
    ),
    "service": _obj(
        ["id", "name", "status"],
        id=UUID_, organization_id=UUID_, program_id=UUID_, name=S, alternate_name=S,
        description=S, url=URI, email=EMAIL,
        status={"enum": ["active", "inactive", "defunct", "temporarily closed"]},
        interpretation_services=S, application_process=S, fees_description=S,
        eligibility_description=S, minimum_age=N, maximum_age=N, assured_date=S,
        assurer_email=EMAIL, alert=S, last_modified=S,
        organization=_one("organization"), phones=_many("phone"),
        schedules=_many("schedule"), service_areas=_many("service_area"),
        languages=_many("language"), attributes=_many("attribute"),
        service_at_locations=_many("service_at_location"), metadata=_many("metadata"),
    ),
    # The API reference's `minimal` services: "just 'id' and 'modified_date'".
    "minimal_service": _obj(
        ["id", "modified_date"], id=UUID_, modified_date={"type": "string", "format": "date-time"}
    ),
    # The API reference's `/` answer.
    "api": _obj(
        ["version"],
        version=S, profile=URI, openapi_url=URI, description=S,
        publisher={"type": "object"},
    ),
}  # fmt: skip

# The API reference's `Page` (components.schemas.Page), every field present, its items in
# `contents`.
PAGE_FIELDS: dict[str, dict[str, Any]] = {
    "total_items": {"type": "integer", "minimum": 0},
    "total_pages": {"type": "integer", "minimum": 0},
    "page_number": {"type": "integer", "minimum": 1},
    "size": {"type": "integer", "minimum": 0},
    "first_page": {"type": "boolean"},
    "last_page": {"type": "boolean"},
    "empty": {"type": "boolean"},
}


def page_validator(item: str) -> Draft202012Validator:
    """A validator for a page of HSDS objects of one kind."""
    schema = {
        "$defs": DEFS,
        **_obj([*PAGE_FIELDS, "contents"], **PAGE_FIELDS, contents=_many(item)),
    }
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validator(name: str) -> Draft202012Validator:
    """A validator for one HSDS object, formats checked (uuid, email, uri where available)."""
    schema = {"$defs": DEFS, "$ref": f"#/$defs/{name}"}
    return Draft202012Validator(schema, format_checker=FormatChecker())
