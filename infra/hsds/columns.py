"""Which columns of HSDS 1.1, 2.0 and 3.0 tables the import reads, and the service's parts
that Guichet holds as labelled lines of another field (required documents in the application
process, payments accepted with the fees). The report names every other column once."""

from __future__ import annotations

from infra.hsds.source import Package, Row

_POINTERS = frozenset(
    {"id", "service_id", "location_id", "service_at_location_id", "link_id", "organization_id"}
)
_ADDRESS = frozenset(
    {"address_1", "address_2", "address_3", "address_4", "city", "state_province",
     "postal_code", "country", "address_type"}
)  # fmt: skip
HOURS_TEXT = ("description", "notes", "original_text", "schedule", "hours", "hours_of_operation")

# Table → the columns the import reads, besides the ids that link rows.
READ: dict[str, frozenset[str]] = {
    "organization": frozenset({"name", "description", "website", "url"}),
    "service": frozenset(
        [
            "name",
            "description",
            "status",
            "eligibility",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "fees",
            "fees_description",
            "application_process",
            "required_documents",
            "payments_accepted",
            "wait_time",
            "interpretation_services",
            "assured_date",
            "assurer_email",
        ]
    ),
    "location": frozenset({"name", "description", "location_type", "latitude", "longitude"}),
    "service_at_location": frozenset(),
    "address": _ADDRESS,
    "postal_address": _ADDRESS,
    "phone": frozenset({"number", "type", "extension"}),
    "schedule": frozenset(
        {"opens_at", "closes_at", "byday", "weekday", "freq", "valid_from", "valid_to", *HOURS_TEXT}
    ),
    "holiday_schedule": frozenset({"closed", "start_date", "end_date"}),
    "language": frozenset({"code", "name", "language"}),
    "service_area": frozenset({"uri", "service_area", "name"}),
    "service_taxonomy": frozenset({"taxonomy_id", "taxonomy_term_id"}),
    "attribute": frozenset({"link_entity", "link_type", "taxonomy_term_id"}),
    "accessibility": frozenset({"description", "accessibility", "details"}),
    "eligibility": frozenset({"eligibility"}),
    "required_document": frozenset({"document"}),
    "payment_accepted": frozenset({"payment"}),
}
# Each field of a record → where the package holds it: a column of the record's own table,
# a child table ("table:phone"), or a column that holds a value in this row ("filled:…").
# A field none of whose sources is in the package is absent: the import leaves it as Guichet
# holds it.
SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "organization": {"description": ("description",), "website": ("website", "url")},
    "service": {
        "description": ("description",),
        "status": ("status",),  # without it, a service's state in Guichet is left as it is
        "eligibility": (
            "eligibility_description", "eligibility", "minimum_age", "maximum_age",
            "table:eligibility",
        ),
        "fees": ("fees_description", "fees", "payments_accepted", "table:payment_accepted"),
        "application_process": (
            "application_process", "required_documents", "wait_time", "table:required_document",
        ),
        "phones": ("table:phone",),
        "schedule": ("table:schedule", "table:holiday_schedule"),
        # HSDS 1.1 and 2.0 services.csv always have this column, most often empty.
        "languages": ("table:language", "filled:interpretation_services"),
        "service_areas": ("table:service_area",),
        "taxonomy_codes": ("table:attribute", "table:service_taxonomy"),
    },
    "location": {
        "description": ("description",),
        "address": ("table:address", "table:postal_address"),
        "coordinates": ("latitude", "longitude"),
        "accessibility": ("table:accessibility",),
    },
}  # fmt: skip
# A child table → the field of an HSDS 3.0 JSON object that nests its rows.
NESTED = {
    "phone": "phones",
    "schedule": "schedules",
    "holiday_schedule": "holiday_schedules",
    "service_area": "service_areas",
    "language": "languages",
    "attribute": "attributes",
    "address": "addresses",
    "accessibility": "accessibility",
    "required_document": "required_documents",
}
# Terms are read by the taxonomy's own import; what it leaves is its report's to say.
# Tables the import knows and does not use are named once, as such (not column by column).
UNUSED = frozenset({"metadata"})
_NOT_REPORTED = frozenset({"taxonomy_term"}) | UNUSED

_LABELS = {
    "required_documents": {"fr": "Documents requis", "en": "Required documents"},
    "wait_time": {"fr": "Délai d'attente", "en": "Wait time"},
    "payments_accepted": {"fr": "Paiements acceptés", "en": "Payments accepted"},
    "age": {"fr": "Âge", "en": "Age"},
}


def left_out(package: Package) -> dict[str, list[str]]:
    """Table → its columns the model has no place for, each named once."""
    found: dict[str, list[str]] = {}
    for table, rows in sorted(package.tables.items()):
        if table in _NOT_REPORTED:
            continue
        read = READ.get(table)
        named = {c for c in set[str]().union(*rows) if c and not c.startswith("_")}
        # A column empty in every row holds nothing the import leaves out.
        columns = {
            c for c in named - _POINTERS - (read or frozenset())
            if any(str(row.get(c) if row.get(c) is not None else "").strip() for row in rows)
        }  # fmt: skip
        columns.update(c for row in rows for c in row.get("_unread", ()))
        unread = sorted(columns - _POINTERS - (read or frozenset()))
        if read is None:
            found[table] = ["(the whole table)", *unread]
        elif unread:
            found[table] = unread
    return found


def unused_tables(package: Package) -> list[str]:
    """The tables of the package the import knows and does not use (`metadata`)."""
    return sorted(table for table in package.tables if table in UNUSED)


def labelled(language: str, label: str, values: list[str]) -> str:
    """A line such as "Required documents: ID card; proof of address", or ""."""
    given = [" ".join(v.split()) for v in values if v and v.strip()]
    if not given:
        return ""
    name = _LABELS[label]["fr" if language == "fr" else "en"]
    colon = " : " if language == "fr" else ": "
    return f"{name}{colon}{'; '.join(dict.fromkeys(given))}"


def ages(row: Row) -> list[str]:
    """HSDS 3.0 `minimum_age` and `maximum_age`, as one range."""
    low, high = (str(row.get(k) or "").strip() for k in ("minimum_age", "maximum_age"))
    if low and high:
        return [f"{low}-{high}"]
    if low:
        return [f"{low}+"]
    return [f"≤ {high}"] if high else []


def joined(*parts: str) -> str:
    return "\n".join(part for part in parts if part.strip())
