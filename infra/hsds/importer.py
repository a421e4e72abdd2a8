"""Writing an import plan through the directory's import handler, in batches: new records
registered, known ones amended, each by the rules the API applies.

Records are known by the ids that follow from the source's ids, so running the same import
twice records nothing the second time, and an interrupted import is completed by running it
again. Text from the source fills one language; the other language Guichet holds is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from domain.handlers.directory import (
    DirectoryHandler,
    LinkServiceToLocation,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
)
from domain.handlers.directory_import import (
    DirectoryImport,
    ImportService,
    Partial,
    PlaceholderOrganization,
    SourceRecord,
)
from domain.operations import Operations
from domain.territories import Territory
from infra.bulk import facts_of_topic
from infra.hsds.plan import LinkIn, LocationIn, OrganizationIn, PlaceholderIn, Plan, ServiceIn
from infra.hsds.planner import plan_package
from infra.hsds.report import Report
from infra.hsds.source import read_package
from infra.hsds.taxonomy import define_package_terms
from infra.hsds.territory_names import TerritoryNames
from infra.runner import Progress

BATCH = 500

Item = OrganizationIn | PlaceholderIn | LocationIn | ServiceIn | LinkIn
_KINDS: dict[type, str] = {
    OrganizationIn: "organization",
    PlaceholderIn: "placeholder organization",
    LocationIn: "location",
    ServiceIn: "service",
    LinkIn: "service_at_location",
}
# Why a record was left out, by the field the rules named.
_REFUSED = {
    "organization_id": "its organization is not in the package nor active in Guichet",
    "service_id": "its service was not imported and is not active in Guichet",
    "location_id": "its location was not imported and is not active in Guichet",
    "id": "its id belongs to another record in Guichet",
}


@dataclass(frozen=True)
class ImportContext:
    directory: DirectoryHandler
    actor: str
    at: datetime
    language: str

    @property
    def operations(self) -> Operations:
        return self.directory.operations


def known_territories(operations: Operations) -> TerritoryNames:
    defined = facts_of_topic(operations, Territory.Defined.TOPIC)
    return TerritoryNames((fact.code, fact.name, fact.kind) for fact in defined)


def command(item: Item) -> SourceRecord:
    """The record as the handler takes it."""
    if isinstance(item, OrganizationIn):
        organization = RegisterOrganization(item.id, item.name, item.description, item.website)
        return Partial(organization, item.absent) if item.absent else organization
    if isinstance(item, PlaceholderIn):
        return PlaceholderOrganization(item.id, item.name, item.reason)
    if isinstance(item, LocationIn):
        location = RegisterLocation(
            item.id, item.organization_id, item.name, item.description,
            item.address, item.coordinates, item.accessibility,
        )  # fmt: skip
        return Partial(location, item.absent) if item.absent else location
    if isinstance(item, ServiceIn):
        service = RegisterService(
            item.id, item.organization_id, item.name, item.description,
            taxonomy_codes=item.taxonomy_codes, languages=item.languages,
            service_areas=item.service_areas, eligibility=item.eligibility, fees=item.fees,
            application_process=item.application_process, phones=item.phones,
            schedule=item.schedule,
        )  # fmt: skip
        return ImportService(service, item.status, item.assured_on, item.assurer, item.absent)
    return LinkServiceToLocation(item.service_id, item.location_id)


class Importer:
    def __init__(
        self,
        context: ImportContext,
        report: Report,
        on_batch: Callable[[Progress], None] | None = None,
    ) -> None:
        self.context = context
        self.report = report
        self.on_batch = on_batch
        self.handler = DirectoryImport(context.directory, source="HSDS")
        self.done = 0
        self.total = 0

    def run(self, plan: Plan) -> Report:
        # Organizations first, then what belongs to them, then where services are offered.
        batches: list[Sequence[Item]] = [
            plan.organizations,
            plan.placeholders,
            plan.locations,
            plan.services,
            plan.links,
        ]
        self.total = sum(len(items) for items in batches)
        for items in batches:
            for start in range(0, len(items), BATCH):
                self._batch(items[start : start + BATCH])
        return self.report

    def _batch(self, items: Sequence[Item]) -> None:
        c = self.context
        receipt = self.handler.import_all(
            [command(item) for item in items], language=c.language, actor=c.actor, at=c.at
        )
        for item, result in zip(items, receipt.results, strict=True):
            kind = _KINDS[type(item)]
            if result.refused is not None:
                reason = _REFUSED.get(result.refused.field, "refused")
                self.report.skip(kind, reason, item.where, result.refused.message)
                continue
            if isinstance(item, PlaceholderIn) and item.id not in self.handler.placeholders:
                continue  # an organization Guichet holds as a real one: no placeholder
            self.report.count(kind, result.outcome.value)
            if result.flagged is not None:
                self.report.flag(kind, item.where, result.flagged)
            if result.left_out is not None:
                self.report.note(kind, "assured_date left out", item.where, result.left_out.message)
        if receipt.facts:
            self.report.position = receipt.position
        self.report.events += receipt.facts
        self.done += len(items)
        if self.on_batch is not None:
            self.on_batch(Progress("import", self.done, self.total, self.report.events))


def import_package(
    context: ImportContext,
    path: Path,
    on_batch: Callable[[Progress], None] | None = None,
) -> Report:
    """Reads, maps and writes one HSDS package; raises PackageError before writing anything
    when the path cannot be read as HSDS."""
    report = Report()
    package = read_package(path)
    territories = known_territories(context.operations)
    plan = plan_package(
        package, report, language=context.language, territories=territories,
        today=context.at.date(),
    )  # fmt: skip
    define_package_terms(
        context.operations, package, report, actor=context.actor, at=context.at,
        language=context.language,
    )  # fmt: skip
    return Importer(context, report, on_batch).run(plan)
