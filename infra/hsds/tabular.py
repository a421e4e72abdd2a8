"""The HSDS 3.0 tabular tables Guichet writes, with their columns as the specification's
`datapackage.json` (version 3.0.0) lists them: name, type, format, required and allowed values.

Only the tables Guichet has data for are here; each keeps every column of the specification,
in its order, so a package reads the same with any HSDS 3.0 tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    required: bool = False
    format: str | None = None
    enum: tuple[str, ...] = ()

    def descriptor(self) -> dict[str, Any]:
        constraints: dict[str, Any] = {"required": self.required}
        if self.enum:
            constraints["enum"] = list(self.enum)
        found: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.format:
            found["format"] = self.format
        return {**found, "constraints": constraints}


@dataclass(frozen=True)
class Table:
    name: str
    path: str
    columns: tuple[Column, ...]
    references: tuple[tuple[str, str], ...] = ()  # (column, table) pairs

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def descriptor(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "primaryKey": "id",
            "fields": [column.descriptor() for column in self.columns],
        }
        if self.references:
            schema["foreignKeys"] = [
                {"fields": column, "reference": {"resource": table, "fields": "id"}}
                for column, table in self.references
            ]
        return {
            "name": self.name, "path": self.path, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "profile": "tabular-data-resource", "schema": schema,
        }  # fmt: skip


def _c(name: str, type: str = "string", **options: Any) -> Column:
    return Column(name, type, **options)


ID = _c("id", required=True)
REQUIRED = {"required": True}
EMAIL = {"format": "email"}
URI = {"format": "uri"}
KINDS_OF_PLACE = ("physical", "postal", "virtual")

TABLES: tuple[Table, ...] = (
    Table("organization", "organizations.csv", (
        ID, _c("name", required=True), _c("alternate_name"), _c("description", required=True),
        _c("email", **EMAIL), _c("website", **URI), _c("year_incorporated", "number"),
        _c("legal_status"), _c("logo"), _c("uri", **URI), _c("parent_organization_id"),
    )),
    Table("service", "services.csv", (
        ID, _c("organization_id", required=True), _c("program_id"), _c("name", required=True),
        _c("alternate_name"), _c("description"), _c("url", **URI), _c("email", **EMAIL),
        _c("status", required=True, enum=("active", "inactive", "defunct", "temporarily closed")),
        _c("interpretation_services"), _c("application_process"), _c("fees_description"),
        _c("accreditations"), _c("eligibility_description"), _c("minimum_age", "number"),
        _c("maximum_age", "number"), _c("assured_date", "date"), _c("assurer_email", **EMAIL),
        _c("alert"),
    ), (("organization_id", "organization"),)),
    Table("location", "locations.csv", (
        ID, _c("location_type", required=True, enum=KINDS_OF_PLACE), _c("url", **URI),
        _c("organization_id"), _c("name"), _c("alternate_name"), _c("description"),
        _c("transportation"), _c("latitude", "number"), _c("longitude", "number"),
        _c("external_identifier"), _c("external_identifier_type"),
    ), (("organization_id", "organization"),)),
    Table("service_at_location", "service_at_location.csv", (
        ID, _c("service_id", required=True), _c("location_id", required=True), _c("description"),
    ), (("service_id", "service"), ("location_id", "location"))),
    # The specification's path is `addresss.csv`, a typo; the resource name is what tools read.
    Table("address", "addresses.csv", (
        ID, _c("location_id"), _c("attention"), _c("address_1", required=True), _c("address_2"),
        _c("city", required=True), _c("region"), _c("state_province", required=True),
        _c("postal_code", required=True), _c("country", required=True),
        _c("address_type", required=True, enum=KINDS_OF_PLACE),
    ), (("location_id", "location"),)),
    Table("phone", "phones.csv", (
        ID, _c("location_id"), _c("service_id"), _c("organization_id"), _c("contact_id"),
        _c("service_at_location_id"), _c("number", required=True), _c("extension", "number"),
        _c("type"), _c("description"),
    ), (("service_id", "service"),)),
    Table("schedule", "schedules.csv", (
        ID, _c("service_id"), _c("location_id"), _c("service_at_location_id"),
        _c("valid_from", "date"), _c("valid_to", "date"), _c("dtstart", "date"),
        _c("timezone", "number"), _c("until", "date"), _c("count", "number"),
        _c("wkst", enum=("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")),
        _c("freq", enum=("WEEKLY", "MONTHLY")), _c("interval", "number"), _c("byday"),
        _c("byweekno"), _c("bymonthday", "number"), _c("byyearday", "number"),
        _c("description"), _c("opens_at", "time"), _c("closes_at", "time"),
        _c("schedule_link", **URI), _c("attending_type"), _c("notes"),
    ), (("service_id", "service"),)),
    Table("service_area", "service_areas.csv", (
        ID, _c("service_id"), _c("name"), _c("description"), _c("extent"), _c("extent_type"),
        _c("uri"),
    ), (("service_id", "service"),)),
    Table("language", "languages.csv", (
        ID, _c("service_id"), _c("location_id"), _c("phone_id"), _c("name"), _c("code"),
        _c("note"),
    ), (("service_id", "service"),)),
    Table("accessibility", "accessibility.csv", (
        ID, _c("location_id"), _c("description"), _c("details"), _c("url", **URI),
    ), (("location_id", "location"),)),
    Table("attribute", "attributes.csv", (
        ID, _c("link_id", required=True), _c("taxonomy_term_id", required=True),
        _c("link_type", required=True), _c("link_entity", required=True), _c("value"),
    ), (("taxonomy_term_id", "taxonomy_term"),)),
    Table("taxonomy_term", "taxonomy_terms.csv", (
        ID, _c("code"), _c("name", required=True), _c("description", required=True),
        _c("parent_id"), _c("taxonomy"), _c("language"), _c("taxonomy_id"),
        _c("term_uri", **URI),
    )),
    Table("metadata", "metadata.csv", (
        ID, *(_c(name, required=True) for name in ("resource_id", "resource_type")),
        _c("last_action_date", "datetime", required=True),
        *(_c(name, required=True) for name in (
            "last_action_type", "field_name", "previous_value", "replacement_value", "updated_by",
        )),
    )),
)  # fmt: skip
