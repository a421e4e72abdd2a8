"""The OpenAPI 3.1 document of the HSDS API, built from the table of endpoints and parameters
the API itself parses with (`api.hsds.params`), so it describes exactly what is served."""

from __future__ import annotations

from typing import Any

from api.hsds.params import ENDPOINTS, PARAMETERS

SCHEMAS = "https://docs.openreferral.org/en/latest/hsds/schema_reference.html"
# What each path answers: a summary, the HSDS object it holds, and whether it is a page.
ANSWERS: dict[str, tuple[str, str, bool]] = {
    "/": ("Information about this API and its relationship with HSDS.", "api", False),
    "/openapi.json": ("This document.", "openapi", False),
    "/services": ("Paginated list of active services (one-to-one fields unless `full`).",
                  "service", True),
    "/services/{id}": ("A fully nested active service.", "service", False),
    "/organizations": ("Paginated list of active organizations.", "organization", True),
    "/organizations/{id}": ("An active organization with its locations and services.",
                            "organization", False),
    "/service_at_locations": ("Paginated list of active services at active locations.",
                              "service_at_location", True),
    "/service_at_locations/{id}": ("A fully nested service at a location.",
                                   "service_at_location", False),
    "/taxonomies": ("Paginated list of taxonomies.", "taxonomy", True),
    "/taxonomies/{id}": ("A taxonomy.", "taxonomy", False),
    "/taxonomy_terms": ("Paginated list of the taxonomy terms of active services, in code "
                        "order.", "taxonomy_term", True),
    "/taxonomy_terms/{id}": ("A taxonomy term.", "taxonomy_term", False),
}  # fmt: skip
ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "parameter": {"type": "string", "description": "The parameter refused, for a 400."},
    },
}
PAGE = {
    "type": "object",
    "required": ["empty"],
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer"},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array", "items": {"type": "object"}},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _operation(path: str) -> dict[str, Any]:
    summary, kind, paged = ANSWERS[path]
    schema: dict[str, Any] = (
        {"$ref": "#/components/schemas/Page"}
        if paged
        else {"type": "object", "description": f"HSDS 3.0 {kind} ({SCHEMAS})"}
    )
    responses: dict[str, Any] = {
        "200": {"description": summary, "content": {"application/json": {"schema": schema}}},
        "400": _error("A parameter is not valid; `parameter` names it."),
        "429": _error("Too many requests from this address; see Retry-After."),
    }
    if "{id}" in path:
        responses["404"] = _error("No active record has this id.")
    if "search" in ENDPOINTS[path]:
        responses["503"] = _error("The search engine cannot be reached.")
    name = "".join(part.title() for part in path.strip("/").split("/") if part)
    name = name.replace("_", "").replace("{Id}", "ById").replace(".Json", "")
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": "get" + (name or "ApiInformation"),
        "parameters": [{"$ref": f"#/components/parameters/{n}"} for n in ENDPOINTS[path]],
        "responses": responses,
    }  # fmt: skip
    return operation


def document(root: str) -> dict[str, Any]:
    """The document, for the API served at `root` (such as `/hsds`)."""
    paths: dict[str, Any] = {}
    for path in ENDPOINTS:
        item: dict[str, Any] = {"get": _operation(path)}
        if "{id}" in path:
            item["parameters"] = [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "description": "The record's id, a UUID.",
                    "schema": {"type": "string", "format": "uuid"},
                }
            ]
        paths[path] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Guichet HSDS API",
            "version": "3.0",
            "summary": "The public directory as the Open Referral HSDS 3.0 API, read-only.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": root}],
        "paths": paths,
        "components": {
            "schemas": {"Page": PAGE, "Error": ERROR},
            "parameters": {
                name: {"name": name, "in": "query", "required": False, **definition}
                for name, definition in PARAMETERS.items()
            },
        },
    }
