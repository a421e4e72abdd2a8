"""Given/When/Then on importing a directory kept elsewhere, on the in-memory event store: new
records registered and known ones amended by the directory handler's rules, one record refused
without stopping the others, and nothing half-written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from domain.directory import Organization
from domain.handlers.directory import (
    AmendOrganization,
    DeactivateRecord,
    DirectoryHandler,
    LinkServiceToLocation,
    MergeRecord,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    RenameOrganization,
)
from domain.handlers.directory_import import (
    DirectoryImport,
    ImportReceipt,
    ImportService,
    Outcome,
    Partial,
    PlaceholderOrganization,
    ServiceState,
    SourceRecord,
)
from domain.locations import Location, ServiceAtLocation
from domain.records import Record, Status
from domain.services import Service
from domain.values import Address, Coordinates, LocalizedText, OpeningHours, Phone, Schedule
from tests.support.logs import LAVAL, log_knowing

AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
HOUSE = LocalizedText(fr="Maison de la famille", en="")
ADDRESS = Address("1 rue Principale", "Laval", "H7A 0A1")


class Source:
    """A fresh in-memory log that knows the territory 65005, and an import into it."""

    def __init__(self) -> None:
        self.operations = log_knowing(LAVAL)
        self.directory = DirectoryHandler(self.operations)

    def run(self, records: Sequence[SourceRecord], language: str = "fr") -> ImportReceipt:
        """One import (a handler of its own, as each import has), of one batch."""
        importer = DirectoryImport(self.directory, source="HSDS")
        return importer.import_all(records, language=language, actor="importer", at=AT)

    def get(self, id: UUID) -> Record:
        record: object = self.operations.repository.get(id)
        assert isinstance(record, Record)
        return record

    def facts(self, id: UUID) -> list[str]:
        return [type(f).__name__ for f in self.operations.repository.event_store.get(id)]

    def deactivate(self, id: UUID) -> None:
        command = DeactivateRecord(id, self.get(id).version, "closed")
        self.directory.deactivate_record(command, actor="edith", at=AT)


def organization(id: UUID | None = None) -> RegisterOrganization:
    return RegisterOrganization(id or uuid4(), HOUSE)


def service(
    owner: UUID,
    *areas: str,
    state: ServiceState = ServiceState.ACTIVE,
    assured_on: datetime | None = None,
    assurer: str | None = None,
) -> ImportService:
    registered = RegisterService(uuid4(), owner, HOUSE, service_areas=areas)
    return ImportService(registered, state, assured_on, assurer)


def outcomes(receipt: ImportReceipt) -> list[str]:
    return [result.outcome.value for result in receipt.results]


def test_a_new_directory_is_registered_and_the_same_one_again_writes_nothing() -> None:
    source = Source()
    owner = organization()
    help_ = service(owner.id, "65005", assured_on=AT - timedelta(days=30), assurer="ana")
    place = RegisterLocation(uuid4(), owner.id, HOUSE, address=ADDRESS)
    records: list[SourceRecord] = [owner, place, help_]
    link = LinkServiceToLocation(help_.id, place.id)

    first = source.run([*records, link])
    again = source.run([*records, link])

    assert outcomes(first) == ["new"] * 4
    assert source.facts(help_.id) == ["Registered", "Verified"]
    assert isinstance(source.operations.repository.get(link.id), ServiceAtLocation)
    assert outcomes(again) == ["unchanged"] * 4
    assert again.facts == 0


def test_a_known_record_is_amended_in_the_source_language_and_keeps_the_other() -> None:
    source = Source()
    owner = organization()
    source.run([owner])
    english = LocalizedText(fr=HOUSE.fr, en="Family House")  # written in Guichet
    amend = AmendOrganization(owner.id, source.get(owner.id).version, name=english)
    source.directory.amend_organization(amend, actor="edith", at=AT)

    receipt = source.run([RegisterOrganization(owner.id, LocalizedText("Maison", ""))])

    assert outcomes(receipt) == ["changed"]
    renamed = source.get(owner.id)
    assert isinstance(renamed, Organization)
    assert (renamed.name.fr, renamed.name.en) == ("Maison", "Family House")
    assert source.facts(owner.id)[-1] == "Renamed"


def test_a_service_naming_an_unknown_territory_is_refused_whole_and_the_others_go_on() -> None:
    source = Source()
    owner = organization()
    unknown, known = service(owner.id, "65005", "99999"), service(owner.id, "65005")

    receipt = source.run([owner, unknown, known])

    assert outcomes(receipt) == ["new", "refused", "new"]
    refused = receipt.results[1].refused
    assert refused is not None
    assert refused.message == "service_areas[1]: '99999' is not a known territory code"
    assert unknown.id not in source.operations.repository


def test_an_amendment_the_rules_refuse_writes_none_of_the_record() -> None:
    source = Source()
    owner = organization()
    help_ = service(owner.id, "65005")
    source.run([owner, help_])
    renamed = RegisterService(help_.id, owner.id, LocalizedText("Autre nom", ""))
    unknown = ImportService(
        RegisterService(renamed.id, renamed.organization_id, renamed.name, service_areas=("99999",))
    )

    receipt = source.run([unknown])

    assert outcomes(receipt) == ["refused"]
    assert source.facts(help_.id) == ["Registered"]
    assert source.get(help_.id).name == HOUSE


def test_a_service_or_location_of_an_inactive_or_missing_organization_is_refused() -> None:
    source = Source()
    closed = organization()
    source.run([closed])
    source.deactivate(closed.id)
    missing = uuid4()

    receipt = source.run(
        [
            service(closed.id, "65005"),
            service(missing, "65005"),
            RegisterLocation(uuid4(), closed.id, HOUSE, address=ADDRESS),
        ]
    )

    assert outcomes(receipt) == ["refused"] * 3
    errors = [result.refused for result in receipt.results]
    assert [error.field for error in errors if error] == ["organization_id"] * 3
    assert [error.message for error in errors if error][:2] == [
        f"organization_id: {closed.id} is not an active organization",
        f"organization_id: no organization has the id {missing}",
    ]


def test_a_service_inactive_in_the_source_is_not_offered_at_a_location() -> None:
    source = Source()
    owner = organization()
    place = RegisterLocation(uuid4(), owner.id, HOUSE, address=ADDRESS)
    gone = service(owner.id, "65005", state=ServiceState.INACTIVE)
    source.run([owner, place, gone])

    receipt = source.run([LinkServiceToLocation(gone.id, place.id)])

    assert source.get(gone.id).status is Status.INACTIVE
    assert outcomes(receipt) == ["refused"]
    refused = receipt.results[0].refused
    assert refused is not None
    assert refused.field == "service_id"


def test_a_record_merged_in_guichet_or_of_another_kind_is_refused() -> None:
    source = Source()
    owner, twin = organization(), organization()
    place = RegisterLocation(uuid4(), owner.id, HOUSE, address=ADDRESS)
    source.run([owner, twin, place])
    merge = MergeRecord(twin.id, source.get(twin.id).version, owner.id)
    source.directory.merge_record(merge, actor="edith", at=AT)

    receipt = source.run([twin, organization(place.id)])

    assert outcomes(receipt) == ["refused", "refused"]
    messages = [result.refused.message for result in receipt.results if result.refused]
    assert messages == [
        f"id: {twin.id} was merged in Guichet into {owner.id}",
        f"id: {place.id} is a record of another kind in Guichet (location)",
    ]
    assert isinstance(source.operations.repository.get(place.id), Location)


def test_an_assured_date_the_rules_refuse_is_left_out_and_the_service_kept() -> None:
    source = Source()
    owner = organization()
    future = service(owner.id, "65005", assured_on=AT + timedelta(days=3))

    receipt = source.run([owner, future])

    assert outcomes(receipt) == ["new", "new"]
    left_out = receipt.results[1].left_out
    assert left_out is not None
    assert left_out.field == "verifiedAt"
    assert source.facts(future.id) == ["Registered"]
    assert isinstance(source.get(future.id), Service)


def test_a_temporarily_closed_service_is_registered_flagged_and_reopens_later() -> None:
    source = Source()
    owner = organization()
    closed = service(owner.id, "65005", state=ServiceState.TEMPORARILY_CLOSED)
    source.run([owner, closed])
    shut = service(owner.id, "65005", state=ServiceState.INACTIVE)
    source.run([shut])

    reopened = source.run([ImportService(shut.service, ServiceState.ACTIVE)])

    assert source.facts(closed.id) == ["Registered", "FlaggedForReview"]
    assert source.get(closed.id).flagged == "temporarily closed in the imported HSDS data"
    assert outcomes(reopened) == [Outcome.CHANGED.value]
    assert source.facts(shut.id) == ["Registered", "Deactivated", "Reactivated"]


UNKNOWN = LocalizedText("Organisation inconnue (source : org-9)", "")
WHY = "organization 'org-9' is referred to in the HSDS package but is not in it"


def test_records_of_a_missing_organization_are_kept_under_a_flagged_placeholder() -> None:
    source = Source()
    placeholder = PlaceholderOrganization(uuid4(), UNKNOWN, WHY)
    help_ = service(placeholder.id, "65005", state=ServiceState.TEMPORARILY_CLOSED)
    place = RegisterLocation(uuid4(), placeholder.id, HOUSE, address=ADDRESS)

    first = source.run([placeholder, help_, place])
    again = source.run([placeholder, help_, place])

    assert outcomes(first) == ["new"] * 3
    placed = f"{WHY}; imported under a placeholder organization"
    assert [result.flagged for result in first.results] == [WHY, placed, placed]
    assert source.get(placeholder.id).name == UNKNOWN
    assert source.get(placeholder.id).flagged == WHY
    assert source.get(place.id).flagged == placed
    assert source.facts(help_.id) == ["Registered", "FlaggedForReview", "FlaggedForReview"]
    assert outcomes(again) == ["unchanged"] * 3
    assert again.facts == 0


def test_a_placeholder_for_an_organization_guichet_holds_leaves_it_as_it_is() -> None:
    source = Source()
    owner = organization()
    source.run([owner])
    placeholder = PlaceholderOrganization(owner.id, UNKNOWN, WHY)
    help_ = service(owner.id, "65005")

    receipt = source.run([placeholder, help_])

    assert outcomes(receipt) == ["unchanged", "new"]
    assert [result.flagged for result in receipt.results] == [None, None]
    assert source.get(owner.id).name == HOUSE
    assert source.facts(owner.id) == ["Registered"]
    assert source.facts(help_.id) == ["Registered"]


def test_a_placeholder_named_since_is_no_longer_one_for_new_records() -> None:
    source = Source()
    placeholder = PlaceholderOrganization(uuid4(), UNKNOWN, WHY)
    source.run([placeholder])
    rename = RenameOrganization(placeholder.id, source.get(placeholder.id).version, HOUSE)
    source.directory.rename_organization(rename, actor="edith", at=AT)
    help_ = service(placeholder.id, "65005")

    receipt = source.run([placeholder, help_])

    assert outcomes(receipt) == ["unchanged", "new"]
    assert source.get(placeholder.id).name == HOUSE
    assert source.get(help_.id).flagged is None


def test_fields_the_source_does_not_hold_are_left_as_guichet_holds_them() -> None:
    source = Source()
    site = "https://maison.example.org"
    owner = RegisterOrganization(uuid4(), HOUSE, LocalizedText("Accueil", ""), site)
    full = RegisterService(
        uuid4(), owner.id, HOUSE, LocalizedText("Aide", ""), taxonomy_codes=("BD",),
        languages=("fr",), service_areas=("65005",), eligibility=LocalizedText("Tous", ""),
        phones=(Phone("514-555-0100"),),
        schedule=Schedule((OpeningHours(1, "09:00", "17:00"),)),
    )  # fmt: skip
    place = RegisterLocation(
        uuid4(), owner.id, HOUSE, LocalizedText("Rez-de-chaussée", ""), ADDRESS,
        Coordinates(45.6, -73.7), LocalizedText("Rampe", ""),
    )  # fmt: skip
    source.run([owner, place, ImportService(full)])
    # Only the services' and locations' own tables, without their child tables or columns.
    bare = RegisterService(full.id, owner.id, HOUSE)
    fields = frozenset(
        {"description", "phones", "schedule", "service_areas", "taxonomy_codes", "languages",
         "eligibility", "fees", "application_process"}
    )  # fmt: skip
    nowhere = RegisterLocation(place.id, owner.id, HOUSE)
    located = frozenset({"description", "address", "coordinates", "accessibility"})

    receipt = source.run(
        [
            Partial(RegisterOrganization(owner.id, HOUSE), frozenset({"description", "website"})),
            Partial(nowhere, located),
            ImportService(bare, absent=fields),
        ]
    )

    assert outcomes(receipt) == ["unchanged"] * 3
    assert receipt.facts == 0
    held = source.get(full.id)
    assert isinstance(held, Service)
    assert [phone.number for phone in held.phones] == ["5145550100"]
    assert held.schedule == full.schedule
    assert (held.service_areas, held.languages) == (["65005"], ["fr"])


def test_a_child_table_the_source_holds_replaces_what_guichet_holds() -> None:
    source = Source()
    owner = organization()
    first = RegisterService(uuid4(), owner.id, HOUSE, phones=(Phone("514-555-0100"),))
    source.run([owner, ImportService(first)])
    other = RegisterService(first.id, owner.id, HOUSE, phones=(Phone("514-555-0199"),))

    receipt = source.run([ImportService(other, absent=frozenset({"schedule", "languages"}))])

    assert outcomes(receipt) == ["changed"]
    held = source.get(first.id)
    assert isinstance(held, Service)
    assert [phone.number for phone in held.phones] == ["5145550199"]


def test_a_source_without_status_leaves_a_service_inactive_in_guichet_as_it_is() -> None:
    source = Source()
    owner = organization()
    help_ = service(owner.id)
    source.run([owner, help_])
    source.deactivate(help_.id)

    without = source.run([ImportService(help_.service, absent=frozenset({"status"}))])
    stated = source.run([help_])  # a source that says the service is active

    assert outcomes(without) == ["unchanged"]
    assert outcomes(stated) == ["changed"]
    assert source.get(help_.id).status is Status.ACTIVE


def test_a_virtual_location_given_coordinates_without_addresses_takes_the_sources_pair() -> None:
    source = Source()
    owner = organization()
    online = RegisterLocation(uuid4(), owner.id, HOUSE)
    source.run([owner, online])
    placed = RegisterLocation(
        online.id,
        owner.id,
        HOUSE,
        address=Address("", "", ""),
        coordinates=Coordinates(45.6, -73.7),
    )

    receipt = source.run([Partial(placed, frozenset({"address"}))])

    assert outcomes(receipt) == ["changed"]
    held = source.get(online.id)
    assert isinstance(held, Location)
    assert held.coordinates == Coordinates(45.6, -73.7)
