"""Pages of the public directory for the HSDS API, read from the record view in id order.

Public means active: a deactivated or merged record is hidden, and so is a service of an
inactive organization, a link to an inactive location or service, as GraphQL hides them from
the public. Each page is one keyed SQL query (ids in order, then only that page's records are
read and mapped by `infra.hsds.export`), never the whole directory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from infra.hsds.export import Snapshot, child_id, read_records
from infra.views.history import PostgresHistoryView
from infra.views.taxonomy import PostgresTaxonomyView
from infra.views.territories import PostgresTerritoryView
from projections.history import Change
from projections.search import categories
from projections.taxonomy import shown_parent

# Who a public metadata entry names: the publisher, not the person (see `public_changes`).
PUBLISHER = "Guichet"
# Fields whose last change the public may see: those the HSDS documents show. Who confirmed a
# verification, why a record was flagged, what it was merged into are the directory team's.
PUBLIC_FIELDS = frozenset(
    {
        "name.fr", "name.en", "description.fr", "description.en", "website", "status",
        "organization_id", "service_id", "location_id", "linked", "taxonomy_codes",
        "languages", "service_areas", "eligibility.fr", "eligibility.en", "fees.fr", "fees.en",
        "application_process.fr", "application_process.en", "phones", "schedule",
        "last_verified_at", "address", "coordinates", "accessibility.fr", "accessibility.en",
    }
)  # fmt: skip
# An organization's own locations and services shown with it, at most.
OWNED_MAX = 500


@dataclass(frozen=True)
class Filters:
    """What a list asks for, parsed. `services`: the services a text search found."""

    services: tuple[UUID, ...] | None = None
    organization: UUID | None = None
    code: str | None = None
    modified_after: datetime | None = None


@dataclass(frozen=True)
class Page:
    ids: list[UUID]
    total: int


ACTIVE = "'\"active\"'::jsonb"


# Each record's fields are read by key (record, field) in subqueries, row by row from the
# records of one kind in id order: a plan that does not depend on the tables' statistics
# (joins of the key-value table were planned as nested scans while they were unknown).
def field(record: str, name: str) -> str:
    """The JSON value of one field of a record."""
    return f"(SELECT f.value FROM {{fields}} f WHERE f.record_id = {record} AND f.field = '{name}')"


def ref(record: str, name: str) -> str:
    """The record id a field holds as JSON text (braces doubled for `sql.SQL.format`)."""
    return f"({field(record, name)} #>> '{{{{}}}}')::uuid"


def is_active(record: str) -> str:
    return f"{field(record, 'status')} = {ACTIVE}"


def of_kind(kind: str) -> str:
    return f"WHERE k.field = 'kind' AND k.value = '\"{kind}\"'::jsonb"


SERVICES = (
    "FROM {fields} k\n"
    f"CROSS JOIN LATERAL (SELECT {ref('k.record_id', 'organization_id')} AS owner) o\n"
    f"{of_kind('service')} AND {is_active('k.record_id')} AND {is_active('o.owner')}"
)
ORGANIZATIONS = f"FROM {{fields}} k\n{of_kind('organization')} AND {is_active('k.record_id')}"
LOCATIONS = f"FROM {{fields}} k\n{of_kind('location')} AND {is_active('k.record_id')}"
LINKS = (
    "FROM {fields} k\n"
    f"CROSS JOIN LATERAL (SELECT {ref('k.record_id', 'service_id')} AS service,"
    f" {ref('k.record_id', 'location_id')} AS location) r\n"
    f"CROSS JOIN LATERAL (SELECT {ref('r.service', 'organization_id')} AS owner) o\n"
    f"{of_kind('service_at_location')} AND {field('k.record_id', 'linked')} = 'true'::jsonb"
    f" AND {is_active('r.service')} AND {is_active('r.location')} AND {is_active('o.owner')}"
)
# For each kind: its active records, the service each row stands for (taxonomy, search; none
# for an organization, which matches through its active services) and the records whose
# changes count as its own.
KINDS: dict[str, tuple[str, str | None, str]] = {
    "service": (SERVICES, "k.record_id", "k.record_id"),
    "organization": (ORGANIZATIONS, None, "k.record_id"),
    "service_at_location": (LINKS, "r.service", "k.record_id, r.service, r.location"),
}
OFFERED = (
    "EXISTS (SELECT 1 FROM {fields} so WHERE so.field = 'organization_id'"
    f" AND so.value = to_jsonb(k.record_id::text) AND {is_active('so.record_id')} AND $test)"
)


def driven(source: str, by: str, test: str) -> str:
    """`source` over only the records whose field `by` passes `test`, found by the index,
    rather than over every record of the kind."""
    return source.replace(
        "FROM {fields} k\n",
        "FROM (SELECT s.record_id FROM {fields} s"
        f" WHERE s.field = '{by}' AND s.value {test}) k\n",
        1,
    ).replace("WHERE k.field = 'kind' AND k.value =", f"WHERE {field('k.record_id', 'kind')} =", 1)


def _filters(
    filters: Filters, service: str | None, touched: str, codes: list[str] | None
) -> tuple[str, dict[str, Any]]:
    """`codes`: the codes in use that `filters.code` stands for."""
    where, params = "", dict[str, Any]()

    def through_service(test: str) -> str:
        if service is not None:
            return test.replace("$service", service)
        return OFFERED.replace("$test", test.replace("$service", "so.record_id"))

    if filters.organization is not None:
        where += " AND " + ("k.record_id" if service is None else "o.owner")
        where += " = %(organization)s"
        params["organization"] = filters.organization
    if codes is not None:
        where += " AND " + through_service(field("$service", "taxonomy_codes") + " ?| %(codes)s")
        params["codes"] = list(codes)
    if filters.services is not None:
        where += " AND " + through_service("$service = ANY(%(services)s)")
        params["services"] = list(filters.services)
    if filters.modified_after is not None:
        where += (
            " AND EXISTS (SELECT 1 FROM {history} h WHERE h.record_id IN ("
            + touched
            + ") AND h.recorded_at >= %(since)s)"
        )
        params["since"] = filters.modified_after
    return where, params


class HsdsPages:
    def __init__(
        self,
        history: PostgresHistoryView,
        territories: PostgresTerritoryView,
        taxonomy: PostgresTaxonomyView,
    ) -> None:
        self.history = history
        self.territories = territories
        self.taxonomy = taxonomy

    def _sql(self, text: str) -> sql.Composed:
        return sql.SQL(text).format(
            fields=self.history.table("record_fields"),
            history=self.history.table("record_history"),
        )

    def page(self, kind: str, filters: Filters, number: int, size: int) -> Page:
        """The ids of one page of active records of `kind`, in id order, and how many match."""
        source, service, touched = KINDS[kind]
        codes = None if filters.code is None else self.codes_under(filters.code)
        where, params = _filters(filters, service, touched, codes)
        body = source + where
        with self.history.datastore.get_connection() as conn:
            total = conn.execute(self._sql("SELECT count(*) AS n " + body), params).fetchone()
            rows = conn.execute(
                self._sql(
                    "SELECT k.record_id " + body
                    + " ORDER BY k.record_id LIMIT %(limit)s OFFSET %(offset)s"
                ),
                {**params, "limit": size, "offset": (number - 1) * size},
            ).fetchall()  # fmt: skip
        return Page([row["record_id"] for row in rows], int(total["n"]) if total else 0)

    def public(self, kind: str, id: UUID) -> bool:
        """Whether the public may see this record of `kind` (a record asked for by id)."""
        source, _, _ = KINDS[kind]
        with self.history.datastore.get_connection() as conn:
            row = conn.execute(
                self._sql("SELECT 1 AS found " + source + " AND k.record_id = %(id)s"), {"id": id}
            ).fetchone()
        return row is not None

    def links_of(self, services: list[UUID]) -> list[UUID]:
        """The public links (services at locations) of these services."""
        return self._ids(
            driven(LINKS, "service_id", "= ANY(%(ids)s)"), [Jsonb(str(s)) for s in services]
        )

    def owned(self, kind: str, organization: UUID) -> list[UUID]:
        """An organization's public services or locations, the first `OWNED_MAX` by id."""
        source = SERVICES if kind == "service" else LOCATIONS
        return self._ids(
            driven(source, "organization_id", "= %(ids)s")
            + " ORDER BY k.record_id LIMIT "
            + str(OWNED_MAX),
            Jsonb(str(organization)),
        )

    def _ids(self, query: str, ids: object) -> list[UUID]:
        with self.history.datastore.get_connection() as conn:
            rows = conn.execute(self._sql("SELECT k.record_id " + query), {"ids": ids}).fetchall()
        return [row["record_id"] for row in rows]

    def modified(self, ids: list[UUID]) -> dict[UUID, datetime]:
        """When each record last changed (recorded, so that a fact dated in the past still
        counts as a change for a partner who synchronises)."""
        with self.history.datastore.get_connection() as conn:
            rows = conn.execute(
                self._sql(
                    "SELECT record_id, max(recorded_at) AS at FROM {history}"
                    " WHERE record_id = ANY(%(ids)s) GROUP BY record_id"
                ),
                {"ids": ids},
            ).fetchall()
        return {row["record_id"]: row["at"] for row in rows}

    def codes_in_use(self) -> list[str]:
        """The taxonomy codes of the public services, in order."""
        with self.history.datastore.get_connection() as conn:
            rows = conn.execute(
                self._sql(
                    "SELECT DISTINCT jsonb_array_elements_text(t.value) AS code"
                    " FROM {fields} t WHERE t.field = 'taxonomy_codes' AND t.record_id IN"
                    " (SELECT k.record_id " + SERVICES + ") ORDER BY code"
                )
            ).fetchall()
        return [row["code"] for row in rows]

    def codes_under(self, code: str) -> list[str]:
        """The codes in use that a term stands for, by the rule of `searchServices`'s
        categories: the code itself and every code below it."""
        return [used for used in self.codes_in_use() if code in categories([used])]

    def term_names(self, codes: list[str], language: str) -> dict[str, str]:
        """Each taxonomy code's name in `language`, from the taxonomy view; a code Guichet has
        no name for is named by itself."""
        names = self.taxonomy.names(codes, language)
        return {code: names.get(code) or code for code in codes}

    def terms(self, language: str) -> list[tuple[str, str, str | None]]:
        """(code, name, parent code) of every term the taxonomy defines or a public service
        carries, in code order; a parent is always one of them."""
        defined = {term.code: term for term in self.taxonomy.terms()}
        codes = sorted(set(defined) | set(self.codes_in_use()))
        return [
            (code, defined[code].name_in(language) or code, shown_parent(defined[code], defined))
            if code in defined
            else (code, code, None)
            for code in codes
        ]

    def snapshot(self, ids: list[UUID], language: str, *, changes: bool = True) -> Snapshot:
        """The named records as the HSDS mapping reads them, with public metadata only (none
        without `changes`, for lists that show no metadata)."""
        found = read_records(self.history, self.territories, ids, language, changes=changes)
        return replace(found, changes={id: public_changes(c) for id, c in found.changes.items()})


def public_changes(changes: list[Change]) -> list[Change]:
    """The last change of each public field: when it changed and to what, which the public
    sees anyway. Not the values before (a record's history is for editors and auditors in
    GraphQL too) nor who changed it (editors' names are the team's): `updated_by` is the
    publisher."""
    last: dict[str, Change] = {}
    for change in changes:
        if change.field in PUBLIC_FIELDS:
            last[change.field] = change
    return [
        replace(change, previous=None, actor=PUBLISHER, reason=None)
        for change in sorted(last.values(), key=lambda c: (c.version, c.field))
    ]


def term_id(code: str) -> str:
    """The HSDS id of a taxonomy term, as the export writes it in attributes."""
    return child_id("taxonomy", "term", code)
