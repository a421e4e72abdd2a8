"""The HSDS API's parameters: what each endpoint takes, and each one parsed once, hostile
until parsed (bounded, no control characters, valid UUIDs, dates in the calendar)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from api.moments import read_moment
from domain.errors import InvalidInput
from domain.text import check
from projections.search_query import MAX_TEXT, MAX_WORDS, parse_search_text

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# A list of organizations with their services fully nested holds up to 500 services each.
MAX_NESTED_PER_PAGE = 5
# Past this a page number is a mistake: 100,000 pages of 100 is ten million records.
MAX_PAGE = 100_000
MAX_PARAMETERS = 20
# A parameter's name or value is short; a longer one is refused before it is read.
MAX_VALUE = 4 * MAX_TEXT
BOOLEANS = {"true": True, "false": False, "1": True, "0": False}

PARAMETERS: dict[str, dict[str, Any]] = {
    "search": {
        "description": f"Full text search, in French or English: at most {MAX_TEXT} characters "
        f"and {MAX_WORDS} words, no control characters. Narrows to the 500 most relevant "
        "services, then orders them by id like any page.",
        "schema": {"type": "string", "maxLength": MAX_TEXT},
    },
    "page": {
        "description": f"Page number of paginated result, from 1 (the default) to {MAX_PAGE}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    "per_page": {
        "description": "Number of results requested in a single page, from 1 to "
        f"{MAX_PER_PAGE}; {DEFAULT_PER_PAGE} by default. With `full_service=true`, from 1 to "
        f"{MAX_NESTED_PER_PAGE}, and {MAX_NESTED_PER_PAGE} by default.",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "default": DEFAULT_PER_PAGE,
        },
    },
    "format": {
        "description": "Return results in the specified format: only `json` (the default).",
        "schema": {"type": "string", "enum": ["json"]},
    },
    "taxonomy_term_id": {
        "description": "Only records with this taxonomy term (a UUID from /taxonomy_terms).",
        "schema": {"type": "string", "format": "uuid"},
    },
    "organization_id": {
        "description": "Only services (or their services at locations) this organization "
        "provides (a UUID).",
        "schema": {"type": "string", "format": "uuid"},
    },
    "modified_after": {
        "description": "Only records recorded as changed on or after this ISO 8601 date or "
        "date and time (Montréal time when no offset is given). A service at a location "
        "counts its service's and its location's changes too.",
        "schema": {"type": "string", "format": "date-time"},
    },
    "minimal": {
        "description": "true: each service as its `id` and `modified_date` only.",
        "schema": {"type": "boolean"},
    },
    "full": {
        "description": "true: fully nested records (services with their organization, "
        "phones, schedules, locations and taxonomy terms).",
        "schema": {"type": "boolean"},
    },
    "full_service": {
        "description": "true: an organization's services fully nested, not only their "
        f"one-to-one fields; a list then takes `per_page` of at most {MAX_NESTED_PER_PAGE}, "
        f"{MAX_NESTED_PER_PAGE} when not given.",
        "schema": {"type": "boolean"},
    },
}

LIST = ("page", "per_page", "format")
ENDPOINTS: dict[str, tuple[str, ...]] = {
    "/": (),
    "/openapi.json": (),
    "/services": ("search", *LIST, "taxonomy_term_id", "organization_id", "modified_after",
                  "minimal", "full"),
    "/services/{id}": (),
    "/organizations": ("search", *LIST, "taxonomy_term_id", "full", "full_service"),
    "/organizations/{id}": ("full_service",),
    "/service_at_locations": ("search", *LIST, "taxonomy_term_id", "organization_id",
                              "modified_after", "full"),
    "/service_at_locations/{id}": (),
    "/taxonomies": ("search", *LIST),
    "/taxonomies/{id}": (),
    "/taxonomy_terms": ("search", *LIST),
    "/taxonomy_terms/{id}": (),
}  # fmt: skip


@dataclass(frozen=True)
class Parameters:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    search: str | None = None
    taxonomy_term_id: UUID | None = None
    organization_id: UUID | None = None
    modified_after: datetime | None = None
    minimal: bool = False
    full: bool = False
    full_service: bool = False


def parse(endpoint: str, given: list[tuple[str, str]]) -> Parameters:
    """The endpoint's parameters; an unknown, repeated or malformed one is refused, named."""
    if len(given) > MAX_PARAMETERS:
        raise InvalidInput("query", f"has more than {MAX_PARAMETERS} parameters")
    allowed = ENDPOINTS[endpoint]
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for name, raw in given:
        check("query", name, max_length=50)
        if name not in allowed:
            raise InvalidInput(name, f"is not a parameter of {endpoint}")
        if name in seen:
            raise InvalidInput(name, "is given more than once")
        seen.add(name)
        check(name, raw, max_length=MAX_VALUE)
        value = _value(name, raw)
        if name != "format":  # json is the only format
            values[name] = value
    found = Parameters(**values)
    if found.full_service and "per_page" in allowed and "per_page" not in values:
        # Nested services take smaller pages: the default is the most they allow.
        found = replace(found, per_page=MAX_NESTED_PER_PAGE)
    if found.full_service and "per_page" in allowed and found.per_page > MAX_NESTED_PER_PAGE:
        raise InvalidInput(
            "per_page", f"must be at most {MAX_NESTED_PER_PAGE} with full_service=true"
        )
    return found


def _value(name: str, raw: str) -> object:
    if name in ("page", "per_page"):
        most = MAX_PAGE if name == "page" else MAX_PER_PAGE
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and 1 <= int(raw) <= most):
            raise InvalidInput(name, f"must be a whole number from 1 to {most}")
        return int(raw)
    if name == "search":
        return parse_search_text(name, raw)
    if name in ("taxonomy_term_id", "organization_id"):
        return parse_id(name, raw)
    if name == "modified_after":
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise InvalidInput(name, "must be an ISO 8601 date or date and time") from None
        return read_moment(name, moment)
    if name == "format":
        if raw != "json":
            raise InvalidInput(name, "must be json")
        return None
    if raw.lower() not in BOOLEANS:
        raise InvalidInput(name, "must be true or false")
    return BOOLEANS[raw.lower()]


def parse_id(name: str, raw: str) -> UUID:
    check(name, raw, max_length=50)
    try:
        return UUID(raw.strip())
    except ValueError:
        raise InvalidInput(name, "must be a UUID") from None
