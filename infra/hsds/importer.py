"""Writing an import plan as facts, in batches, creating new records and amending known ones.

Records are known by the ids that follow from the source's ids, so running the same import
twice records nothing the second time, and an interrupted import is completed by running it
again. Text from the source fills one language; the other language Guichet holds is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.directory import Organization
from domain.errors import InvalidInput
from domain.locations import Location, ServiceAtLocation, service_at_location_id
from domain.operations import Operations
from domain.records import Record, Status, VerificationMethod
from domain.services import Service
from domain.territories import Territory
from domain.values import LocalizedText
from infra.bulk import facts_of_topic, load_many
from infra.hsds.plan import LinkIn, LocationIn, OrganizationIn, Plan, ServiceIn
from infra.hsds.planner import plan_package
from infra.hsds.report import Report
from infra.hsds.source import read_package
from infra.hsds.territory_names import TerritoryNames
from infra.runner import Progress

BATCH = 500
REASON = "imported from HSDS data"
CLOSED = "temporarily closed in the imported HSDS data"

Item = TypeVar("Item", OrganizationIn, LocationIn, ServiceIn, LinkIn)
_KINDS: dict[type, str] = {
    OrganizationIn: "organization",
    LocationIn: "location",
    ServiceIn: "service",
    LinkIn: "service_at_location",
}


@dataclass(frozen=True)
class ImportContext:
    operations: Operations
    actor: str
    at: datetime
    language: str


def known_territories(operations: Operations) -> TerritoryNames:
    defined = facts_of_topic(operations, Territory.Defined.TOPIC)
    return TerritoryNames((fact.code, fact.name, fact.kind) for fact in defined)


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
        self.done = 0
        self.total = 0
        # Records of each kind this import holds as active, found or written.
        self.present: dict[str, set[UUID]] = {
            "organization": set(),
            "service": set(),
            "location": set(),
        }

    def run(self, plan: Plan) -> Report:
        self.total = (
            len(plan.organizations) + len(plan.locations) + len(plan.services) + len(plan.links)
        )
        self._in_batches(plan.organizations, self._organization)
        self._require_owner(plan)
        self._in_batches(plan.locations, self._location)
        self._in_batches(plan.services, self._service)
        self._in_batches(plan.links, self._link)
        return self.report

    # -- batches ---------------------------------------------------------------------------

    def _in_batches(
        self, items: Sequence[Item], decide: Callable[[Item, Aggregate | None], Aggregate | None]
    ) -> None:
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            existing = load_many(self.context.operations, [self._id(item) for item in batch])
            changed: list[Aggregate] = []
            for item in batch:
                try:
                    aggregate = decide(item, existing.get(self._id(item)))
                except InvalidInput as refused:
                    # One record the domain refuses is left out; the import goes on.
                    self.report.skip(_KINDS[type(item)], "refused", item.where, refused.message)
                    continue
                if aggregate is not None and aggregate.pending_events:
                    changed.append(aggregate)
            pending = sum(len(a.pending_events) for a in changed)
            if changed:
                self.report.position = self.context.operations.save_in_chunks(changed)
            self.report.events += pending
            self.done += len(batch)
            if self.on_batch is not None:
                self.on_batch(Progress("import", self.done, self.total, self.report.events))

    @staticmethod
    def _id(item: OrganizationIn | LocationIn | ServiceIn | LinkIn) -> UUID:
        if isinstance(item, LinkIn):
            return service_at_location_id(item.service_id, item.location_id)
        return item.id

    def _require_owner(self, plan: Plan) -> None:
        """Organizations the package refers to but does not hold may already be in Guichet."""
        wanted = {location.organization_id for location in plan.locations}
        wanted.update(service.organization_id for service in plan.services)
        missing = list(wanted - self.present["organization"])
        for start in range(0, len(missing), BATCH):
            found = load_many(self.context.operations, missing[start : start + BATCH])
            self.present["organization"].update(
                id
                for id, record in found.items()
                if isinstance(record, Organization) and record.status is Status.ACTIVE
            )

    # -- one record ------------------------------------------------------------------------

    def _text(self, current: LocalizedText, incoming: LocalizedText) -> LocalizedText:
        if self.context.language == "fr":
            return LocalizedText(fr=incoming.fr, en=current.en)
        return LocalizedText(fr=current.fr, en=incoming.en)

    def _known(self, kind: str, cls: type[Record], where: str, found: Aggregate | None) -> bool:
        """Whether a record of that id can be amended; reports why not otherwise."""
        if not isinstance(found, cls):
            self.report.skip(kind, f"its id belongs to a {type(found).__name__}", where)
            return False
        if found.status is Status.MERGED:
            self.report.skip(
                kind, "merged in Guichet into another record", where, str(found.merged_into)
            )
            return False
        return True

    def _outcome(self, kind: str, aggregate: Aggregate, new: bool) -> Aggregate:
        changed = bool(aggregate.pending_events)
        self.report.count(kind, "new" if new else ("changed" if changed else "unchanged"))
        return aggregate

    def _organization(self, item: OrganizationIn, found: Aggregate | None) -> Aggregate | None:
        c = self.context
        if found is None:
            record = Organization.register(
                item.id, item.name, item.description, item.website, actor=c.actor, at=c.at
            )
        else:
            if not self._known("organization", Organization, item.where, found):
                return None
            assert isinstance(found, Organization)
            record = found
            record.amend(
                name=self._text(record.name, item.name),
                description=self._text(record.description, item.description),
                website=item.website,
                clear_website=item.website is None,
                reason=REASON,
                actor=c.actor,
                at=c.at,
            )
        if record.status is Status.ACTIVE:
            self.present["organization"].add(item.id)
        return self._outcome("organization", record, found is None)

    def _location(self, item: LocationIn, found: Aggregate | None) -> Aggregate | None:
        c = self.context
        if found is None:
            if item.organization_id not in self.present["organization"]:
                self.report.skip(
                    "location",
                    "its organization is not in the package nor in Guichet",
                    item.where,
                    str(item.organization_id),
                )
                return None
            record = Location.register(
                item.id,
                item.organization_id,
                item.name,
                address=item.address,
                coordinates=item.coordinates,
                description=item.description,
                accessibility=item.accessibility,
                actor=c.actor,
                at=c.at,
            )
        else:
            if not self._known("location", Location, item.where, found):
                return None
            assert isinstance(found, Location)
            record = found
            record.rename(self._text(record.name, item.name), reason=REASON, actor=c.actor, at=c.at)
            record.describe(
                self._text(record.description, item.description),
                reason=REASON,
                actor=c.actor,
                at=c.at,
            )
            record.move(item.address, item.coordinates, reason=REASON, actor=c.actor, at=c.at)
            record.change_accessibility(
                self._text(record.accessibility, item.accessibility),
                reason=REASON, actor=c.actor, at=c.at,
            )  # fmt: skip
        if record.status is Status.ACTIVE:
            self.present["location"].add(item.id)
        return self._outcome("location", record, found is None)

    def _service(self, item: ServiceIn, found: Aggregate | None) -> Aggregate | None:
        c = self.context
        if found is None:
            if item.organization_id not in self.present["organization"]:
                self.report.skip(
                    "service",
                    "its organization is not in the package nor in Guichet",
                    item.where,
                    str(item.organization_id),
                )
                return None
            record = Service.register(
                item.id,
                item.organization_id,
                item.name,
                item.description,
                taxonomy_codes=item.taxonomy_codes,
                languages=item.languages,
                service_areas=item.service_areas,
                eligibility=item.eligibility,
                fees=item.fees,
                application_process=item.application_process,
                phones=item.phones,
                schedule=item.schedule,
                actor=c.actor,
                at=c.at,
            )
        else:
            if not self._known("service", Service, item.where, found):
                return None
            assert isinstance(found, Service)
            record = found
            record.amend(
                name=self._text(record.name, item.name),
                description=self._text(record.description, item.description),
                phones=item.phones,
                schedule=item.schedule,
                service_areas=item.service_areas,
                taxonomy_codes=item.taxonomy_codes,
                languages=item.languages,
                eligibility=self._text(record.eligibility, item.eligibility),
                fees=self._text(record.fees, item.fees),
                application_process=self._text(
                    record.application_process, item.application_process
                ),
                reason=REASON,
                actor=c.actor,
                at=c.at,
            )
        self._status(record, item)
        if record.status is Status.ACTIVE:
            self.present["service"].add(item.id)
        return self._outcome("service", record, found is None)

    def _status(self, record: Service, item: ServiceIn) -> None:
        c = self.context
        if item.status == "inactive" and record.status is Status.ACTIVE:
            record.deactivate("inactive in the imported HSDS data", actor=c.actor, at=c.at)
        elif item.status != "inactive" and record.status is Status.INACTIVE:
            record.reactivate("active in the imported HSDS data", actor=c.actor, at=c.at)
        if item.status == "temporarily closed" and record.flagged != CLOSED:
            record.flag_for_review(CLOSED, actor=c.actor, at=c.at)
        assured = item.assured_on
        if assured is not None and (record.verified_at is None or assured > record.verified_at):
            try:
                record.verify(
                    VerificationMethod.IMPORTED,
                    item.assurer or "HSDS assured_date",
                    "assured_date of the imported HSDS data",
                    actor=c.actor,
                    at=c.at,
                    occurred_at=assured,
                )
            except InvalidInput as error:
                self.report.note("service", "assured_date left out", item.where, error.message)

    def _link(self, item: LinkIn, found: Aggregate | None) -> Aggregate | None:
        c = self.context
        if found is not None:
            self.report.count("service_at_location", "unchanged")
            return None
        for kind, id in (("service", item.service_id), ("location", item.location_id)):
            if id not in self.present[kind]:
                self.report.skip(
                    "service_at_location",
                    f"its {kind} was not imported and is not active in Guichet",
                    item.where,
                    str(id),
                )
                return None
        link = ServiceAtLocation.link(item.service_id, item.location_id, actor=c.actor, at=c.at)
        return self._outcome("service_at_location", link, True)


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
    plan = plan_package(package, report, language=context.language, territories=territories)
    return Importer(context, report, on_batch).run(plan)
