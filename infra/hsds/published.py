"""The HSDS 3.0 API's documents: a page of public records, or one, mapped by the export's
HSDS mapping (`infra.hsds.export`) from a snapshot of that page's records alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil
from typing import Any
from uuid import UUID

from infra.hsds.export import (
    Document,
    Snapshot,
    child_id,
    location,
    location_details,
    metadata,
    organization,
    place,
    places_of,
    service,
)
from infra.hsds.pages import Filters, HsdsPages, term_id
from projections.history import Json

HSDS_VERSION = "3.0"
# One taxonomy: the codes Guichet's services carry (the 211 taxonomy's codes).
TAXONOMY_CODE = "211"
TAXONOMY = {
    "id": child_id("taxonomy", "taxonomy", TAXONOMY_CODE),
    "name": "211 taxonomy",
    "description": "The codes of the 211 taxonomy that Guichet's services are classified by.",
}
# What a list shows of a service without `full`: its one-to-one fields.
NESTED = ("organization", "phones", "schedules", "languages", "service_areas", "attributes",
          "service_at_locations", "metadata")  # fmt: skip


@dataclass(frozen=True)
class Ask:
    """One page asked for."""

    page: int
    per_page: int
    language: str
    filters: Filters = field(default_factory=Filters)
    full: bool = False


def envelope(ask: Ask, total: int, contents: list[Document]) -> Document:
    """The reference's `Page`, with the page's items in `contents`."""
    pages = ceil(total / ask.per_page)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": ask.page,
        "size": len(contents),
        "first_page": ask.page == 1,
        "last_page": ask.page >= pages,
        "empty": not contents,
        "contents": contents,
    }


class Published:
    def __init__(self, pages: HsdsPages) -> None:
        self.pages = pages

    def services(self, ask: Ask, *, minimal: bool = False) -> Document:
        page = self.pages.page("service", ask.filters, ask.page, ask.per_page)
        if minimal:
            modified = self.pages.modified(page.ids)
            contents = [
                {"id": str(id), "modified_date": modified[id].isoformat()}
                for id in page.ids
                if id in modified
            ]
        else:
            contents = self._services(page.ids, ask.language, full=ask.full)
        return envelope(ask, page.total, contents)

    def service(self, id: UUID, language: str) -> Document | None:
        if not self.pages.public("service", id):
            return None
        return self._services([id], language, full=True)[0]

    def _services(self, ids: list[UUID], language: str, *, full: bool) -> list[Document]:
        links = self.pages.links_of(ids) if full else []
        first = self.pages.snapshot([*ids, *links], language, changes=full)
        records = first.records.values()
        owners = {_id(r, "organization_id") for r in records if "organization_id" in r}
        places = {_id(r, "location_id") for r in records if "location_id" in r}
        rest = self.pages.snapshot(sorted(owners | places), language, changes=full)
        snapshot = _joined(first, rest)
        by_service = places_of(snapshot) if full else {}
        found = []
        for id in ids:
            record = snapshot.records.get(id)
            if record is None:
                continue  # a record between two views' writes; the next request has it
            document = self._named(
                service(snapshot, id, record, by_service.get(str(id), [])), language
            )
            found.append(document if full else _brief(document))
        return found

    def organizations(self, ask: Ask, *, full_service: bool = False) -> Document:
        page = self.pages.page("organization", ask.filters, ask.page, ask.per_page)
        if ask.full or full_service:
            contents = [self._organization(id, ask.language, full_service) for id in page.ids]
        else:
            snapshot = self.pages.snapshot(page.ids, ask.language, changes=False)
            contents = [
                organization(snapshot, id, snapshot.records[id])
                for id in page.ids
                if id in snapshot.records
            ]
        return envelope(ask, page.total, [c for c in contents if c is not None])

    def organization(self, id: UUID, language: str, full_service: bool) -> Document | None:
        if not self.pages.public("organization", id):
            return None
        return self._organization(id, language, full_service)

    def _organization(self, id: UUID, language: str, full_service: bool) -> Document | None:
        locations = self.pages.owned("location", id)
        snapshot = self.pages.snapshot([id, *locations], language)
        record = snapshot.records.get(id)
        if record is None:
            return None
        services = self._services(self.pages.owned("service", id), language, full=full_service)
        return {
            **organization(snapshot, id, record),
            "locations": [
                {**location(snapshot, lid, found), **location_details(snapshot, lid, found)}
                for lid in locations
                if (found := snapshot.records.get(lid)) is not None
            ],
            "services": [{k: v for k, v in s.items() if k != "organization"} for s in services],
            "metadata": metadata(snapshot, id, "organization"),
        }

    def service_at_locations(self, ask: Ask) -> Document:
        page = self.pages.page("service_at_location", ask.filters, ask.page, ask.per_page)
        if ask.full:
            found = [self._link(id, ask.language) for id in page.ids]
            return envelope(ask, page.total, [c for c in found if c is not None])
        snapshot = self.pages.snapshot(page.ids, ask.language, changes=False)
        contents = [
            {"id": str(id), "service_id": str(link["service_id"]),
             "location_id": str(link["location_id"])}
            for id in page.ids
            if (link := snapshot.records.get(id)) is not None
        ]  # fmt: skip
        return envelope(ask, page.total, contents)

    def service_at_location(self, id: UUID, language: str) -> Document | None:
        if not self.pages.public("service_at_location", id):
            return None
        return self._link(id, language)

    def _link(self, id: UUID, language: str) -> Document | None:
        links = self.pages.snapshot([id], language)
        link = links.records.get(id)
        if link is None:
            return None
        snapshot = _joined(links, self.pages.snapshot([_id(link, "location_id")], language))
        found = place(snapshot, id, link)
        if found is None:
            return None
        services = self._services([_id(link, "service_id")], language, full=False)
        return {**found, "service": services[0]} if services else found

    def taxonomies(self, ask: Ask, search: str | None) -> Document:
        found = [TAXONOMY]
        if search:
            found = [t for t in found if search.casefold() in f"{t['name']}".casefold()]
        return envelope(ask, len(found), found if ask.page == 1 else [])

    def taxonomy(self, id: UUID) -> Document | None:
        return TAXONOMY if str(id) == TAXONOMY["id"] else None

    def taxonomy_terms(self, ask: Ask, search: str | None) -> Document:
        terms = self.terms(ask.language)
        if search:
            folded = search.casefold()
            terms = [t for t in terms if folded in f"{t['code']} {t['name']}".casefold()]
        start = (ask.page - 1) * ask.per_page
        return envelope(ask, len(terms), terms[start : start + ask.per_page])

    def taxonomy_term(self, id: UUID, language: str) -> Document | None:
        return next((t for t in self.terms(language) if t["id"] == str(id)), None)

    def code_of(self, id: UUID) -> str | None:
        """The taxonomy code of a term id, if the taxonomy has it or a public service carries
        it."""
        term = self.taxonomy_term(id, "fr")
        return str(term["code"]) if term else None

    def terms(self, language: str) -> list[Document]:
        """The taxonomy's terms and those in use, in code order, named in `language`."""
        return [
            {
                "id": term_id(code),
                "code": code,
                "name": name,
                "description": f"Taxonomy code {code}",
                **({"parent_id": term_id(parent)} if parent else {}),
                "taxonomy": TAXONOMY["name"],
                "taxonomy_id": TAXONOMY["id"],
                "language": language,
            }
            for code, name, parent in self.pages.terms(language)
        ]

    def _named(self, document: Document, language: str) -> Document:
        """A service's taxonomy terms with the names /taxonomy_terms gives them."""
        attributes = document.get("attributes") or []
        names = self.pages.term_names([a["taxonomy_term"]["code"] for a in attributes], language)
        for attribute in attributes:
            term = attribute["taxonomy_term"]
            term["name"] = names.get(term["code"]) or term["code"]
        return document


def _brief(document: Document) -> Document:
    return {key: value for key, value in document.items() if key not in NESTED}


def _id(record: dict[str, Json], field: str) -> UUID:
    return UUID(str(record[field]))


def _joined(first: Snapshot, second: Snapshot) -> Snapshot:
    records: dict[UUID, dict[str, Any]] = {**first.records, **second.records}
    return Snapshot(
        records,
        {**first.changes, **second.changes},
        {**first.territory_names, **second.territory_names},
        first.language,
    )
