"""Given/When/Then on the directory's handler, on the in-memory event store: every rule of
organizations, services, locations, where services are offered, and the life of a record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.directory import Organization
from domain.errors import InvalidInput, NotFound, VersionConflict
from domain.handlers.directory import (
    AmendOrganization,
    AmendService,
    ChangeLocationAccessibility,
    DeactivateRecord,
    DirectoryHandler,
    FlagRecordForReview,
    LinkServiceToLocation,
    MergeRecord,
    MoveLocation,
    ReactivateRecord,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    Registration,
    RenameOrganization,
    VerifyRecord,
)
from domain.locations import Location, ServiceAtLocation
from domain.operations import SAVE_CHUNK
from domain.records import Status, VerificationMethod
from domain.services import Service
from domain.values import Address, Coordinates, LocalizedText
from tests.support.logs import LAVAL, log_knowing

AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
NAME = LocalizedText(fr="Maison de la famille", en="Family House")
OTHER = LocalizedText(fr="Entraide", en="Mutual Aid")
ADDRESS = Address("1 rue Principale", "Laval", "H7A 0A1")


class Directory:
    """A handler on a fresh in-memory log that knows the territory 65005."""

    def __init__(self) -> None:
        self.operations = log_knowing(LAVAL)
        self.handler = DirectoryHandler(self.operations)

    def organization(self) -> UUID:
        id = uuid4()
        self.handler.register_organization(RegisterOrganization(id, NAME), actor="edith", at=AT)
        return id

    def service(self, organization: UUID | None = None, **fields: Any) -> UUID:
        id = uuid4()
        owner = organization or self.organization()
        command = RegisterService(id, owner, NAME, **fields)
        self.handler.register_service(command, actor="edith", at=AT)
        return id

    def location(self, organization: UUID | None = None) -> UUID:
        id = uuid4()
        owner = organization or self.organization()
        command = RegisterLocation(id, owner, NAME, address=ADDRESS)
        self.handler.register_location(command, actor="edith", at=AT)
        return id

    def deactivated(self, id: UUID) -> UUID:
        version = self.version(id)
        self.handler.deactivate_record(
            DeactivateRecord(id, version, "closed"), actor="edith", at=AT
        )
        return id

    def version(self, id: UUID) -> int:
        return int(self.operations.repository.get(id).version)

    def facts(self, id: UUID) -> list[Any]:
        return list(self.operations.events.get(id))

    def head(self) -> int:
        return self.operations.current_position()


@pytest.fixture
def given() -> Directory:
    return Directory()


# -- organizations ---------------------------------------------------------------------------


def test_registering_an_organization_records_who_and_when(given: Directory) -> None:
    id = uuid4()

    receipt = given.handler.register_organization(
        RegisterOrganization(id, NAME, website="https://maison.example"), actor="edith", at=AT
    )

    assert (receipt.id, receipt.version, receipt.position) == (id, 1, given.head())
    [fact] = given.facts(id)
    assert isinstance(fact, Organization.Registered)
    assert (fact.actor, fact.timestamp, fact.name) == ("edith", AT, NAME)


def test_an_organization_needs_a_name(given: Directory) -> None:
    blank = LocalizedText(fr="", en="")

    with pytest.raises(InvalidInput) as refused:
        given.handler.register_organization(RegisterOrganization(uuid4(), blank), actor="e", at=AT)

    assert refused.value.field.startswith("name")


def test_renaming_applies_to_the_version_the_editor_saw(given: Directory) -> None:
    id = given.organization()

    receipt = given.handler.rename_organization(
        RenameOrganization(id, 1, OTHER, "new name"), actor="ada", at=AT
    )

    assert receipt.version == 2
    renamed = given.facts(id)[-1]
    assert isinstance(renamed, Organization.Renamed)
    assert (renamed.name, renamed.reason, renamed.actor) == (OTHER, "new name", "ada")


def test_a_stale_version_is_a_conflict_and_writes_nothing(given: Directory) -> None:
    id = given.organization()
    given.handler.rename_organization(RenameOrganization(id, 1, OTHER), actor="ada", at=AT)
    head = given.head()

    with pytest.raises(VersionConflict) as conflict:
        given.handler.rename_organization(RenameOrganization(id, 1, NAME), actor="bob", at=AT)

    assert (conflict.value.expected_version, conflict.value.current_version) == (1, 2)
    assert given.head() == head


def test_a_command_for_a_record_of_another_kind_finds_none(given: Directory) -> None:
    service = given.service()

    with pytest.raises(NotFound):
        given.handler.rename_organization(RenameOrganization(service, 1, OTHER), actor="a", at=AT)
    with pytest.raises(NotFound):
        given.handler.rename_organization(RenameOrganization(uuid4(), 1, OTHER), actor="a", at=AT)


def test_amending_records_one_fact_per_real_change(given: Directory) -> None:
    id = given.organization()

    receipt = given.handler.amend_organization(
        AmendOrganization(id, 1, name=NAME, description=OTHER, website="https://a.example"),
        actor="ada",
        at=AT,
    )
    unchanged = given.handler.amend_organization(
        AmendOrganization(id, receipt.version, name=NAME), actor="ada", at=AT
    )
    cleared = given.handler.amend_organization(
        AmendOrganization(id, receipt.version, clear_website=True), actor="ada", at=AT
    )

    assert [type(f).__name__ for f in given.facts(id)] == [
        "Registered", "Described", "WebsiteChanged", "WebsiteChanged",
    ]  # fmt: skip
    assert unchanged.version == receipt.version == 3
    assert cleared.version == 4


# -- services and locations ------------------------------------------------------------------


def test_a_service_is_registered_for_an_active_organization(given: Directory) -> None:
    owner = given.organization()

    id = given.service(owner, languages=("FR", "en"), service_areas=("65005",))

    service: object = given.operations.repository.get(id)
    assert isinstance(service, Service)
    assert (service.organization_id, service.languages) == (owner, ["fr", "en"])
    assert service.service_areas == ["65005"]


@pytest.mark.parametrize("owner", ["missing", "inactive", "a service"])
def test_a_service_or_location_of_no_active_organization_is_refused(
    given: Directory, owner: str
) -> None:
    organization = {
        "missing": lambda: uuid4(),
        "inactive": lambda: given.deactivated(given.organization()),
        "a service": lambda: given.service(),
    }[owner]()
    head = given.head()

    with pytest.raises(InvalidInput) as service:
        given.handler.register_service(
            RegisterService(uuid4(), organization, NAME), actor="edith", at=AT
        )
    with pytest.raises(InvalidInput) as location:
        given.handler.register_location(
            RegisterLocation(uuid4(), organization, NAME), actor="edith", at=AT
        )

    assert (service.value.field, location.value.field) == ("organization_id", "organization_id")
    assert given.head() == head


def test_a_merged_organization_takes_no_new_service(given: Directory) -> None:
    merged, target = given.organization(), given.organization()
    given.handler.merge_record(MergeRecord(merged, 1, target), actor="edith", at=AT)

    with pytest.raises(InvalidInput, match="not an active organization"):
        given.service(merged)


def test_service_areas_are_known_territories(given: Directory) -> None:
    owner = given.organization()
    head = given.head()

    with pytest.raises(InvalidInput) as refused:
        given.service(owner, service_areas=("65005", "99999"))

    assert refused.value.field == "service_areas[1]"
    assert given.head() == head


def test_service_languages_are_iso_639_codes(given: Directory) -> None:
    owner = given.organization()

    with pytest.raises(InvalidInput) as refused:
        given.service(owner, languages=("fr", "zz"))

    assert refused.value.field == "languages[1]"


def test_amending_a_service_checks_its_areas_and_languages(given: Directory) -> None:
    id = given.service()
    head = given.head()

    for command, field in (
        (AmendService(id, 1, service_areas=("99999",)), "service_areas[0]"),
        (AmendService(id, 1, languages=("zz",)), "languages[0]"),
    ):
        with pytest.raises(InvalidInput) as refused:
            given.handler.amend_service(command, actor="edith", at=AT)
        assert refused.value.field == field
    assert given.head() == head

    receipt = given.handler.amend_service(
        AmendService(id, 1, service_areas=("65005",), languages=("en",), reason="wider"),
        actor="edith",
        at=AT,
    )

    assert receipt.version == 3
    assert [type(f).__name__ for f in given.facts(id)[1:]] == [
        "ServiceAreaChanged", "LanguagesChanged",
    ]  # fmt: skip


def test_a_virtual_location_has_no_coordinates(given: Directory) -> None:
    owner = given.organization()

    with pytest.raises(InvalidInput) as refused:
        given.handler.register_location(
            RegisterLocation(uuid4(), owner, NAME, coordinates=Coordinates(45.5, -73.6)),
            actor="edith",
            at=AT,
        )

    assert refused.value.field == "coordinates"


def test_a_location_moves_or_becomes_virtual_and_changes_its_accessibility(
    given: Directory,
) -> None:
    id = given.location()

    given.handler.move_location(MoveLocation(id, 1, None, reason="online"), actor="e", at=AT)
    given.handler.change_location_accessibility(
        ChangeLocationAccessibility(id, 2, OTHER), actor="e", at=AT
    )

    location: object = given.operations.repository.get(id)
    assert isinstance(location, Location)
    assert (location.virtual, location.accessibility, location.version) == (True, OTHER, 3)


def test_a_service_is_offered_at_a_location_once(given: Directory) -> None:
    owner = given.organization()
    service, location = given.service(owner), given.location(owner)

    receipt = given.handler.link_service_to_location(
        LinkServiceToLocation(service, location), actor="edith", at=AT
    )

    link: object = given.operations.repository.get(receipt.id)
    assert isinstance(link, ServiceAtLocation)
    assert (link.service_id, link.location_id) == (service, location)
    with pytest.raises(VersionConflict):
        given.handler.link_service_to_location(
            LinkServiceToLocation(service, location), actor="edith", at=AT
        )


def test_only_active_services_and_locations_are_linked(given: Directory) -> None:
    owner = given.organization()
    service, location = given.service(owner), given.location(owner)
    closed_service = given.deactivated(given.service(owner))
    closed_location = given.deactivated(given.location(owner))

    for command, field in (
        (LinkServiceToLocation(closed_service, location), "service_id"),
        (LinkServiceToLocation(service, closed_location), "location_id"),
        (LinkServiceToLocation(location, location), "service_id"),
        (LinkServiceToLocation(service, uuid4()), "location_id"),
    ):
        with pytest.raises(InvalidInput) as refused:
            given.handler.link_service_to_location(command, actor="edith", at=AT)
        assert refused.value.field == field


# -- the life of any record ------------------------------------------------------------------


def test_verifying_records_the_check_and_clears_the_flag(given: Directory) -> None:
    id = given.service()
    given.handler.flag_record_for_review(FlagRecordForReview(id, 1, "phone?"), actor="e", at=AT)
    earlier = AT - timedelta(days=2)

    given.handler.verify_record(
        VerifyRecord(id, 2, VerificationMethod.PHONE, "Lise", verified_at=earlier),
        actor="edith",
        at=AT,
    )

    service: Any = given.operations.repository.get(id)
    assert (service.verified_at, service.flagged) == (earlier, None)


def test_a_check_is_neither_in_the_future_nor_unattributed(given: Directory) -> None:
    id = given.organization()

    with pytest.raises(InvalidInput) as future:
        given.handler.verify_record(
            VerifyRecord(id, 1, VerificationMethod.EMAIL, "Lise", verified_at=AT + timedelta(1)),
            actor="edith",
            at=AT,
        )
    with pytest.raises(InvalidInput) as nobody:
        given.handler.verify_record(
            VerifyRecord(id, 1, VerificationMethod.EMAIL, "  "), actor="edith", at=AT
        )

    assert (future.value.field, nobody.value.field) == ("verifiedAt", "confirmedBy")


def test_flagging_and_deactivating_need_a_reason(given: Directory) -> None:
    id = given.location()

    with pytest.raises(InvalidInput) as flag:
        given.handler.flag_record_for_review(FlagRecordForReview(id, 1, " "), actor="e", at=AT)
    with pytest.raises(InvalidInput) as deactivate:
        given.handler.deactivate_record(DeactivateRecord(id, 1, ""), actor="e", at=AT)

    assert (flag.value.field, deactivate.value.field) == ("reason", "reason")


def test_only_an_active_record_is_deactivated_and_only_an_inactive_one_reactivated(
    given: Directory,
) -> None:
    id = given.organization()

    with pytest.raises(InvalidInput, match="only an inactive"):
        given.handler.reactivate_record(ReactivateRecord(id, 1), actor="edith", at=AT)
    given.deactivated(id)
    with pytest.raises(InvalidInput, match="already inactive"):
        given.handler.deactivate_record(DeactivateRecord(id, 2, "again"), actor="edith", at=AT)
    given.handler.reactivate_record(ReactivateRecord(id, 2, "back"), actor="edith", at=AT)

    assert given.operations.repository.get(id).status is Status.ACTIVE


def test_a_record_merges_into_an_active_record_of_its_kind(given: Directory) -> None:
    first, second = given.organization(), given.organization()

    given.handler.merge_record(MergeRecord(first, 1, second, "duplicate"), actor="e", at=AT)

    merged: Any = given.operations.repository.get(first)
    assert (merged.status, merged.merged_into) == (Status.MERGED, second)
    with pytest.raises(InvalidInput) as edited:
        given.handler.rename_organization(RenameOrganization(first, 2, OTHER), actor="e", at=AT)
    assert edited.value.field == "id"


def test_merge_targets_are_checked(given: Directory) -> None:
    id = given.organization()
    service = given.service()
    closed = given.deactivated(given.organization())

    for target, expected in (
        (id, "itself"),
        (service, "not a organization"),
        (closed, "is inactive, not active"),
    ):
        with pytest.raises(InvalidInput, match=expected) as refused:
            given.handler.merge_record(MergeRecord(id, 1, target), actor="e", at=AT)
        assert refused.value.field == "targetId"
    with pytest.raises(NotFound):
        given.handler.merge_record(MergeRecord(id, 1, uuid4()), actor="e", at=AT)


# -- many at once ----------------------------------------------------------------------------


def test_a_batch_refers_to_records_of_the_batch_and_of_the_log(given: Directory) -> None:
    known = given.organization()
    owner, service, location, other = uuid4(), uuid4(), uuid4(), uuid4()
    batch: list[Registration] = [
        RegisterOrganization(owner, NAME),
        RegisterService(service, owner, NAME, service_areas=("65005",)),
        RegisterLocation(location, owner, NAME, address=ADDRESS),
        LinkServiceToLocation(service, location),
        RegisterService(other, known, OTHER),
    ]

    receipt = given.handler.register_all(batch, actor="import", at=AT)

    assert receipt.new == (owner, service, location, batch[3].id, other)
    assert (receipt.existing, receipt.refused, receipt.position) == ((), (), given.head())


def test_a_batch_leaves_out_what_the_rules_refuse_and_goes_on(given: Directory) -> None:
    closed = given.deactivated(given.organization())
    owner, service, refused_service, location = uuid4(), uuid4(), uuid4(), uuid4()
    batch: list[Registration] = [
        RegisterService(uuid4(), closed, NAME),
        RegisterOrganization(owner, NAME),
        RegisterService(refused_service, owner, NAME, service_areas=("99999",)),
        RegisterService(service, owner, NAME, languages=("zz",)),
        RegisterLocation(location, owner, NAME),
        LinkServiceToLocation(refused_service, location),
    ]

    receipt = given.handler.register_all(batch, actor="import", at=AT)

    assert receipt.new == (owner, location)
    assert [(r.index, r.error.field) for r in receipt.refused] == [
        (0, "organization_id"), (2, "service_areas[0]"), (3, "languages[0]"), (5, "service_id"),
    ]  # fmt: skip


def test_a_batch_run_again_writes_nothing_new(given: Directory) -> None:
    owner = uuid4()
    batch: list[Registration] = [
        RegisterOrganization(owner, NAME),
        RegisterService(uuid4(), owner, NAME),
    ]
    first = given.handler.register_all(batch, actor="import", at=AT)

    again = given.handler.register_all(
        [*batch, RegisterOrganization(owner, OTHER)], actor="i", at=AT
    )

    assert (again.new, again.existing, again.position) == ((), (0, 1, 2), first.position)


def test_a_batch_larger_than_a_chunk_is_saved_whole(given: Directory) -> None:
    owner = uuid4()
    services = [RegisterService(uuid4(), owner, NAME) for _ in range(SAVE_CHUNK + 5)]
    batch: list[Registration] = [RegisterOrganization(owner, NAME), *services]

    receipt = given.handler.register_all(batch, actor="import", at=AT)

    assert len(receipt.new) == SAVE_CHUNK + 6
    assert all(command.id in given.operations.repository for command in services)


# -- a service or location is in service only while its organization is active --------------


@pytest.mark.parametrize("kind", ["service", "location"])
def test_a_record_of_an_inactive_organization_is_not_reactivated(
    given: Directory, kind: str
) -> None:
    owner = given.organization()
    id = given.deactivated(given.service(owner) if kind == "service" else given.location(owner))
    given.deactivated(owner)
    head = given.head()

    with pytest.raises(InvalidInput, match="organization") as refused:
        given.handler.reactivate_record(ReactivateRecord(id, 2, "back"), actor="e", at=AT)

    assert refused.value.field == "id"
    assert given.head() == head
    given.handler.reactivate_record(ReactivateRecord(owner, 2), actor="e", at=AT)
    given.handler.reactivate_record(ReactivateRecord(id, 2, "back"), actor="e", at=AT)
    assert given.operations.repository.get(id).status is Status.ACTIVE


@pytest.mark.parametrize("kind", ["service", "location"])
def test_nothing_merges_into_a_record_of_an_inactive_organization(
    given: Directory, kind: str
) -> None:
    new = given.service if kind == "service" else given.location
    closed = given.organization()
    target, duplicate = new(closed), new()
    given.deactivated(closed)
    head = given.head()

    with pytest.raises(InvalidInput, match="organization") as refused:
        given.handler.merge_record(MergeRecord(duplicate, 1, target), actor="e", at=AT)

    assert refused.value.field == "targetId"
    assert given.head() == head


def test_nothing_is_linked_to_a_record_of_an_inactive_organization(given: Directory) -> None:
    closed, open_ = given.organization(), given.organization()
    service, location = given.service(closed), given.location(closed)
    open_service, open_location = given.service(open_), given.location(open_)
    given.deactivated(closed)

    for command, field in (
        (LinkServiceToLocation(service, open_location), "service_id"),
        (LinkServiceToLocation(open_service, location), "location_id"),
    ):
        with pytest.raises(InvalidInput, match="organization") as refused:
            given.handler.link_service_to_location(command, actor="edith", at=AT)
        assert refused.value.field == field
    batch = given.handler.register_all(
        [LinkServiceToLocation(service, open_location)], actor="i", at=AT
    )
    assert (batch.new, [r.error.field for r in batch.refused]) == ((), ["service_id"])


def test_a_batch_links_records_of_an_active_organization_of_the_log(given: Directory) -> None:
    known = given.organization()
    service, location = given.service(known), given.location(known)
    batch: list[Registration] = [
        RegisterService(uuid4(), known, OTHER),
        LinkServiceToLocation(service, location),
    ]

    receipt = given.handler.register_all(batch, actor="import", at=AT)

    assert (len(receipt.new), receipt.refused) == (2, ())
