"""From HSDS tables to the records Guichet will hold, mapping what it can of dirty data.

Nothing here writes: the result is a plan of records plus a report of what was left out or
guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from domain import limits
from domain.errors import InvalidInput
from domain.handlers.directory_import import ServiceState
from domain.records import DESCRIPTION_MAX, NAME_MAX
from domain.values import Address, Coordinates, LocalizedText, parse_website
from infra.hsds.cells import fold
from infra.hsds.columns import ages, joined, labelled, left_out, unused_tables
from infra.hsds.plan import (
    LinkIn,
    LocationIn,
    OrganizationIn,
    PlaceholderIn,
    Plan,
    ServiceIn,
    record_id,
)
from infra.hsds.report import Report
from infra.hsds.service_parts import ServiceParts
from infra.hsds.source import Package, Row
from infra.hsds.territory_names import TerritoryNames

# A source id is cut to this in a placeholder's name, which stays within the name's bounds.
PLACEHOLDER_ID_MAX = 200
_RECORDS = ("organization", "service", "location", "service_at_location")


class Planner(ServiceParts):
    def plan(self) -> Plan:
        self.clean()
        self.index_children()
        plan = Plan()
        organizations = self.unique("organization", "organization")
        for key, row in organizations.items():
            organization = self.organization(key, row)
            if organization is not None:
                plan.organizations.append(organization)
        services = self.unique("service", "service")
        links = self.unique("service_at_location", "service_at_location")
        links_of_service: dict[str, list[str]] = defaultdict(list)
        places: dict[str, list[str]] = defaultdict(list)  # service → the locations it is at
        for key, row in links.items():
            links_of_service[str(row.get("service_id") or "")].append(key)
            places[str(row.get("service_id") or "")].append(str(row.get("location_id") or ""))
        terms = self.taxonomy_terms()
        for key, row in services.items():
            at = (links_of_service.get(key, []), places.get(key, []))
            service = self.service(key, row, at, terms)
            if service is not None:
                plan.services.append(replace(service, absent=self.unheld(service, row)))
        self.unclaimed()
        owners = self.location_owners(links, services)
        for key, row in self.unique("location", "location").items():
            location = self.location(key, row, owners.get(key))
            if location is not None:
                plan.locations.append(location)
        held = {str(o.id) for o in plan.organizations}
        for key, where in self.referred.items():
            if str(record_id("organization", key)) not in held:
                plan.placeholders.append(self.placeholder(key, where))
        for row in links.values():
            service_key = str(row.get("service_id") or "").strip()
            location_key = str(row.get("location_id") or "").strip()
            if not service_key or not location_key:
                self.report.skip(
                    "service_at_location", "no service_id or location_id", row["_where"]
                )
                continue
            plan.links.append(
                LinkIn(
                    row["_where"],
                    record_id("service", service_key),
                    record_id("location", location_key),
                )
            )
        return plan

    def placeholder(self, key: str, where: str) -> PlaceholderIn:
        """Named in both languages, whatever the import's: the record stands for nothing of
        the source's text, and an editor of either language must see what it is."""
        shown = " ".join(key[:PLACEHOLDER_ID_MAX].split())
        return PlaceholderIn(
            id=record_id("organization", key),
            where=where,
            name=LocalizedText(
                fr=f"Organisation inconnue (source : {shown})",
                en=f"Unknown organization (source id {shown})",
            ),
            reason=f"organization {shown!r} is referred to in the HSDS package but is not in it",
        )

    def organization(self, key: str, row: Row) -> OrganizationIn | None:
        where = row["_where"]
        name = self.text("organization", where, "name", row.get("name"), NAME_MAX)
        if name.is_empty():
            self.report.skip("organization", "no name", where, key)
            return None
        website = None
        raw = str(row.get("website") or row.get("url") or "").strip()
        if raw and not raw.lower().startswith(("http://", "https://")) and "." in raw:
            raw = "https://" + raw  # "www.example.org"
        try:
            website = parse_website("website", raw)
        except InvalidInput:
            self.report.note("organization", "website not a web address, left out", where, raw)
        return OrganizationIn(
            id=record_id("organization", key),
            where=where,
            name=name,
            description=self.text(
                "organization", where, "description", row.get("description"), DESCRIPTION_MAX, True
            ),
            website=website,
            absent=self.absent("organization", row),
        )

    def service(
        self, key: str, row: Row, at: tuple[list[str], list[str]], terms: dict[str, str]
    ) -> ServiceIn | None:
        """`at`: the service's services at locations, and those locations."""
        where = row["_where"]
        links, places = at
        name = self.text("service", where, "name", row.get("name"), NAME_MAX)
        if name.is_empty():
            self.report.skip("service", "no name", where, key)
            return None
        organization = str(row.get("organization_id") or "").strip()
        if not organization:
            self.report.skip("service", "no organization_id", where, key)
            return None
        self.referred.setdefault(organization, where)
        eligibility = joined(
            " ".join(
                [str(row.get("eligibility_description") or row.get("eligibility") or "")]
                + [
                    str(r.get("eligibility") or "")
                    for r in self.rows_of("eligibility", "service_id", key)
                ]
            ),
            labelled(self.language, "age", ages(row)),
        )
        fees = joined(
            str(row.get("fees_description") or row.get("fees") or ""),
            labelled(
                self.language,
                "payments_accepted",
                self.also(row, "payments_accepted", "payment_accepted", "payment", key),
            ),
        )
        application = joined(
            str(row.get("application_process") or ""),
            labelled(
                self.language,
                "required_documents",
                self.also(row, "required_documents", "required_document", "document", key),
            ),
            labelled(self.language, "wait_time", [str(row.get("wait_time") or "")]),
        )
        status = fold(str(row.get("status") or "active")) or "active"
        if status not in ("active", "inactive", "defunct", "temporarily closed"):
            self.report.note("service", "status not understood, taken as active", where, status)
            status = "active"
        assured, assurer = self.assured(row, where)
        return ServiceIn(
            id=record_id("service", key),
            where=where,
            organization_id=record_id("organization", organization),
            name=name,
            description=self.text(
                "service", where, "description", row.get("description"), DESCRIPTION_MAX, True
            ),
            eligibility=self.text(
                "service", where, "eligibility", eligibility, DESCRIPTION_MAX, True
            ),
            fees=self.text("service", where, "fees", fees, DESCRIPTION_MAX, True),
            application_process=self.text(
                "service", where, "application_process", application, DESCRIPTION_MAX, True
            ),
            phones=tuple(
                self.most(
                    "service",
                    where,
                    "phones",
                    list(
                        self.phones(
                            self.inherited("phone", key, links, places, organization, where),
                            where,
                        )
                    ),
                    limits.PHONES_MAX,
                )
            ),
            schedule=self.schedule(key, links, places, where),
            languages=tuple(
                self.most(
                    "service",
                    where,
                    "languages",
                    list(self.languages(self.rows_of("language", "service_id", key), where))
                    + self.interpretation(row, where),
                    limits.LANGUAGES_MAX,
                )
            ),
            service_areas=tuple(
                self.most(
                    "service",
                    where,
                    "service areas",
                    list(self.service_areas(self.attached("service_area", key, links), where)),
                    limits.SERVICE_AREAS_MAX,
                )
            ),
            taxonomy_codes=tuple(
                self.most(
                    "service",
                    where,
                    "taxonomy codes",
                    list(self.taxonomy(key, terms, where)),
                    limits.TAXONOMY_MAX,
                )
            ),
            status=ServiceState.INACTIVE if status == "defunct" else ServiceState(status),
            assured_on=assured,
            assurer=assurer,
        )

    def unheld(self, service: ServiceIn, row: Row) -> frozenset[str]:
        """The service's fields the package does not hold; not one it found values for (phones
        of the service's location, in a JSON package whose services have none of their own)."""
        found = {
            "phones": service.phones, "languages": service.languages,
            "schedule": service.schedule.hours or service.schedule.closed_on,
            "service_areas": service.service_areas, "taxonomy_codes": service.taxonomy_codes,
        }  # fmt: skip
        return frozenset(f for f in self.absent("service", row) if not found.get(f))

    def location_owners(self, links: dict[str, Row], services: dict[str, Row]) -> dict[str, str]:
        """HSDS lets a location have no organization; that of a service there will do."""
        owners: dict[str, str] = {}
        for row in links.values():
            service = services.get(str(row.get("service_id") or ""))
            organization = str((service or {}).get("organization_id") or "")
            if organization:
                owners.setdefault(str(row.get("location_id") or ""), organization)
        return owners

    def location(self, key: str, row: Row, owner: str | None) -> LocationIn | None:
        where = row["_where"]
        organization = str(row.get("organization_id") or "").strip() or owner
        if not organization:
            self.report.skip(
                "location", "no organization_id, and no service there has one", where, key
            )
            return None
        if not str(row.get("organization_id") or "").strip():
            self.report.note("location", "no organization_id, taken from a service there", where)
        self.referred.setdefault(organization, where)
        address = self.address(key, row)
        virtual = fold(str(row.get("location_type") or "")) == "virtual"
        coordinates = None if virtual else self.coordinates(row, where)
        if virtual:
            address = None
        elif address is None and coordinates is not None:
            self.report.note("location", "no address, only coordinates", where)
            address = Address(street="", city="", postal_code="")
        elif address is None:
            self.report.note(
                "location", "no address and no coordinates, imported as virtual", where
            )
        name = self.text("location", where, "name", row.get("name"), NAME_MAX)
        if name.is_empty():
            fallback = address.street if address and address.street else key
            self.report.note("location", "no name, named after its address", where)
            name = self.text("location", where, "name", fallback, NAME_MAX)
        accessibility = " ".join(
            str(r.get("description") or r.get("accessibility") or "")
            + " "
            + str(r.get("details") or "")
            for r in self.rows_of("accessibility", "location_id", key)
        )
        return LocationIn(
            id=record_id("location", key),
            where=where,
            organization_id=record_id("organization", organization),
            name=name,
            description=self.text(
                "location", where, "description", row.get("description"), DESCRIPTION_MAX, True
            ),
            address=address,
            coordinates=coordinates,
            accessibility=self.text(
                "location", where, "accessibility", accessibility, DESCRIPTION_MAX, True
            ),
            # A virtual location holds no address, whether or not the package has addresses.
            absent=self.absent("location", row) - ({"address"} if virtual else set()),
        )

    def address(self, key: str, row: Row) -> Address | None:
        rows = sorted(
            self.rows_of("address", "location_id", key),
            key=lambda r: fold(str(r.get("address_type") or "physical")) != "physical",
        ) + self.rows_of("postal_address", "location_id", key)
        for found in rows:
            if fold(str(found.get("address_type") or "")) == "virtual":
                continue
            street = ", ".join(
                part
                for part in (str(found.get(f"address_{n}") or "").strip() for n in (1, 2, 3, 4))
                if part
            )
            city = str(found.get("city") or "").strip()
            if street or city:
                where = str(found.get("_where") or row["_where"])
                parts = {
                    name: self.cut("location", where, name, text, most)
                    for name, text, most in (
                        ("street", street, limits.STREET_MAX),
                        ("city", city, limits.CITY_MAX),
                        ("postal_code", str(found.get("postal_code") or "").strip().upper(),
                         limits.POSTAL_CODE_MAX),
                        ("state_province", str(found.get("state_province") or "").strip(),
                         limits.REGION_MAX),
                        ("country", str(found.get("country") or "").strip().upper(),
                         limits.REGION_MAX),
                    )
                }  # fmt: skip
                return Address(
                    street=parts["street"],
                    city=parts["city"],
                    postal_code=parts["postal_code"],
                    province=parts["state_province"] or "QC",
                    country=parts["country"] or "CA",
                )
        return None

    def coordinates(self, row: Row, where: str) -> Coordinates | None:
        raw = (row.get("latitude"), row.get("longitude"))
        if all(value in (None, "") for value in raw):
            self.report.note("location", "no coordinates", where)
            return None
        try:
            latitude, longitude = (float(str(v).replace(",", ".")) for v in raw)
            if latitude == 0 and longitude == 0:
                raise ValueError("0, 0 stands for unknown")
            return Coordinates.parse("coordinates", latitude, longitude)
        except (ValueError, TypeError, InvalidInput):
            self.report.note(
                "location", "coordinates not understood, left out", where, f"{raw[0]}, {raw[1]}"
            )
            return None


def plan_package(
    package: Package,
    report: Report,
    *,
    language: str,
    territories: TerritoryNames,
    today: date | None = None,
) -> Plan:
    """`today`, the import's date, leaves out hours the source says are not valid on it."""
    report.ignored_files.extend(package.ignored)
    report.relocated_files.extend(package.relocated)
    report.columns_left_out.update(left_out(package))
    report.tables_not_used.extend(unused_tables(package))
    report.rows = sum(len(package.rows(t)) for t in _RECORDS)
    planner = Planner(package, report, language, territories)
    planner.today = today
    return planner.plan()
