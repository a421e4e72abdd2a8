"""Given/When/Then on the contacts handler, on the in-memory event store: every rule of a
contact's writes, whole or step by step."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput, NotFound
from domain.handlers.contacts import (
    AddNeed,
    CloseContact,
    CompleteFollowUp,
    ContactHandler,
    CorrectDisposition,
    CorrectInquirer,
    GiveInformation,
    OpenContact,
    RecordContact,
    RecordUnmetNeed,
    ReferToService,
    ScheduleFollowUp,
    WithdrawNeed,
)
from domain.handlers.coverage import CoverageHandler, DefineTerritories
from domain.handlers.directory import (
    DeactivateRecord,
    DirectoryHandler,
    RegisterOrganization,
    RegisterService,
    RenameOrganization,
)
from domain.interactions import (
    CONFIDENTIAL,
    ContactChannel,
    ContactNeed,
    Disposition,
    FollowUp,
    Inquirer,
    InquirerType,
    Interaction,
    draft_logged,
)
from domain.operations import Logged, Operations
from domain.records import Record
from domain.territories import TerritoryKind, TerritorySpec
from domain.values import LocalizedText, Phone
from infra.contacts import ContactSaver

MONTREAL = ZoneInfo("America/Montreal")
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)
LAVAL = "65005"
NAME = LocalizedText(fr="Popote roulante", en="Meals on wheels")


class Directory:
    def __init__(self) -> None:
        self.operations = Operations(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        CoverageHandler(self.operations).define(
            DefineTerritories(
                (TerritorySpec(LAVAL, "Laval", TerritoryKind.MUNICIPALITY, None, 400_000),)
            ),
            actor="setup", at=AT,
        )  # fmt: skip
        self.directory = DirectoryHandler(self.operations)
        self.handler = ContactHandler(self.operations, ContactSaver(self.operations))

    def organization(self) -> UUID:
        id = uuid4()
        name = LocalizedText(fr="Centre d'entraide", en="")
        self.directory.register_organization(
            RegisterOrganization(id, name, name), actor="ed", at=AT
        )
        return id

    def service(self, organization: UUID | None = None) -> UUID:
        id = uuid4()
        self.directory.register_service(
            RegisterService(
                id, organization or self.organization(), NAME, NAME, service_areas=(LAVAL,),
                phones=(Phone("450 555-0199"),),
            ),
            actor="ed", at=AT,
        )  # fmt: skip
        return id

    def deactivate(self, id: UUID) -> None:
        record: Record = self.operations.repository.get(id)
        self.directory.deactivate_record(
            DeactivateRecord(id, record.version, "fermé"), actor="ed", at=AT
        )

    def head(self) -> int:
        return self.operations.recorder.max_notification_id() or 0


@pytest.fixture
def given() -> Directory:
    return Directory()


def contact(*needs: ContactNeed, **changes: object) -> RecordContact:
    command = RecordContact(
        key="k-1", channel=ContactChannel.PHONE, started_at=STARTED,
        answered_at=STARTED + timedelta(seconds=40), ended_at=STARTED + timedelta(minutes=6),
        language="fr", inquirer=Inquirer(InquirerType.SELF, territory=LAVAL), needs=needs,
    )  # fmt: skip
    return dataclasses.replace(command, **changes)  # type: ignore[arg-type]


def refused(field: str, call: object, *args: object, **kwargs: object) -> InvalidInput:
    assert callable(call)
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    assert caught.value.field == field, caught.value
    return caught.value


# A whole contact.


def test_a_whole_contact_is_logged_with_snapshots_of_its_services(given: Directory) -> None:
    service = given.service()

    logged = given.handler.record(
        contact(ContactNeed("BD-1800.2000", (service,))), actor="carla", at=AT
    )

    assert logged.replayed is False
    interaction: Interaction = given.operations.repository.get(logged.receipt.id)
    assert interaction.counsellor == "carla", "the counsellor is who logs it by default"
    [referral] = interaction.needs[0].referrals
    assert referral["service_name"] == "Popote roulante"
    assert referral["organization_name"] == "Centre d'entraide"
    assert referral["phone"] == given.operations.repository.get(service).phones[0].number


def test_a_retry_returns_the_first_receipt_and_writes_nothing(given: Directory) -> None:
    first = given.handler.record(contact(), actor="carla", at=AT)
    head = given.head()

    again = given.handler.record(contact(), actor="carla", at=AT + timedelta(minutes=1))

    assert (again.receipt.id, again.replayed) == (first.receipt.id, True)
    assert given.head() == head


def test_a_retry_is_answered_after_its_service_was_closed(given: Directory) -> None:
    service = given.service()
    first = given.handler.record(contact(ContactNeed("BD", (service,))), actor="c", at=AT)
    given.deactivate(service)

    again = given.handler.record(contact(ContactNeed("BD", (service,))), actor="c", at=AT)

    assert (again.receipt.id, again.replayed) == (first.receipt.id, True)


def test_a_retry_at_another_offset_is_the_same_contact(given: Directory) -> None:
    first = given.handler.record(contact(), actor="c", at=AT)
    in_utc = contact()
    in_utc = dataclasses.replace(
        in_utc, started_at=in_utc.started_at.astimezone(UTC),
        ended_at=in_utc.ended_at.astimezone(UTC),
    )  # fmt: skip

    again = given.handler.record(in_utc, actor="c", at=AT)

    assert (again.receipt.id, again.replayed) == (first.receipt.id, True)


def test_a_contact_logged_before_instants_were_read_in_utc_is_still_replayed(
    given: Directory,
) -> None:
    command = contact()
    draft = draft_logged(
        key=command.key, channel=command.channel, started_at=command.started_at,
        answered_at=command.answered_at, ended_at=command.ended_at, language="fr",
        interpreter=False, counsellor="c", inquirer=command.inquirer, needs=(),
        disposition=Disposition.COMPLETED, follow_up=None, at=AT,
    )  # fmt: skip
    old = dataclasses.replace(draft, digest=draft.given_digest)
    given.operations.save(Interaction.logged(old, {}, actor="c", at=AT))

    again = given.handler.record(command, actor="c", at=AT)

    assert again.replayed is True


def test_a_contact_logged_before_instants_were_read_in_utc_is_replayed_in_a_batch_too(
    given: Directory,
) -> None:
    command = contact()
    draft = draft_logged(
        key=command.key, channel=command.channel, started_at=command.started_at,
        answered_at=command.answered_at, ended_at=command.ended_at, language="fr",
        interpreter=False, counsellor="c", inquirer=command.inquirer, needs=(),
        disposition=Disposition.COMPLETED, follow_up=None, at=AT,
    )  # fmt: skip
    old = dataclasses.replace(draft, digest=draft.given_digest)
    given.operations.save(Interaction.logged(old, {}, actor="c", at=AT))
    head = given.head()

    [again, other] = given.handler.record_many(
        [dataclasses.replace(command, counsellor="c"), contact(key=command.key, language="en")],
        actor="c", at=AT,
    )  # fmt: skip

    assert isinstance(again, Logged)
    assert (again.receipt.id, again.replayed) == (old.id, True)
    assert isinstance(other, InvalidInput)
    assert (other.field, given.head()) == ("input.key", head)


def test_the_same_key_for_another_contact_is_refused_before_any_other_rule(
    given: Directory,
) -> None:
    service = given.service()
    given.handler.record(contact(ContactNeed("BD", (service,))), actor="c", at=AT)
    given.deactivate(service)

    refused("input.key", given.handler.record,
            contact(ContactNeed("BD", (service,)), language="en"), actor="c", at=AT)  # fmt: skip
    refused("input.key", given.handler.record, contact(language="en"), actor="c", at=AT)


def test_a_service_registered_a_moment_ago_is_referred_to(given: Directory) -> None:
    service = given.service()

    logged = given.handler.record(contact(ContactNeed("BD", (service,))), actor="c", at=AT)

    assert logged.replayed is False


@pytest.mark.parametrize("kind", ["unknown", "inactive service", "inactive organization",
                                  "not a service"])  # fmt: skip
def test_referrals_go_to_active_services_of_active_organizations(
    given: Directory, kind: str
) -> None:
    organization = given.organization()
    service = given.service(organization)
    target = {"unknown": uuid4(), "inactive service": service,
              "inactive organization": service, "not a service": organization}[kind]  # fmt: skip
    if kind == "inactive service":
        given.deactivate(service)
    if kind == "inactive organization":
        given.deactivate(organization)
    head = given.head()

    needs = (ContactNeed("BD"), ContactNeed("BH", (given.service(), target)))
    refused("input.needs[1].referralServiceIds[1]", given.handler.record, contact(*needs),
            actor="c", at=AT)  # fmt: skip
    assert given.head() == head + 2, "only the other service and its owner; no contact"


def test_a_need_is_met_or_unmet_not_both(given: Directory) -> None:
    need = ContactNeed("BD", (given.service(),), unmet_reason="cost_too_high")
    refused("input.needs[0].unmetReason", given.handler.record, contact(need), actor="c", at=AT)


def test_an_unmet_need_keeps_its_reason_and_list_version(given: Directory) -> None:
    need = ContactNeed("BD", unmet_reason="cost_too_high", unmet_note="Trop cher")
    logged = given.handler.record(contact(need), actor="c", at=AT)
    interaction: Interaction = given.operations.repository.get(logged.receipt.id)
    assert interaction.needs[0].unmet == {
        "reason": "cost_too_high", "reasons_version": 1, "note": "Trop cher",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("territory", "ok"), [(LAVAL, True), (CONFIDENTIAL, True), (None, True), ("99999", False)]
)
def test_the_inquirer_s_territory_is_known_or_confidential(
    given: Directory, territory: str | None, ok: bool
) -> None:
    command = contact(inquirer=Inquirer(InquirerType.SELF, territory=territory))
    if ok:
        given.handler.record(command, actor="c", at=AT)
    else:
        refused("input.inquirer.territory", given.handler.record, command, actor="c", at=AT)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ended_at": STARTED - timedelta(minutes=1)}, "input.endedAt"),
        ({"answered_at": STARTED - timedelta(minutes=1)}, "input.answeredAt"),
        ({"started_at": STARTED.replace(tzinfo=None)}, "input.startedAt"),
        ({"started_at": datetime(1999, 12, 31, tzinfo=UTC)}, "input.startedAt"),
        ({"ended_at": AT + timedelta(days=2)}, "input.endedAt"),
        ({"follow_up": FollowUp(date(2026, 3, 1))}, "input.followUp.due"),
        ({"follow_up": FollowUp(date(2027, 6, 1))}, "input.followUp.due"),
        ({"language": "qq"}, "input.language"),
        ({"language": " "}, "input.language"),
        ({"key": " "}, "input.key"),
        ({"counsellor": " "}, "input.counsellor"),
        ({"needs": (ContactNeed(" "),)}, "input.needs[0].code"),
        ({"needs": (ContactNeed("BD"), ContactNeed(None))}, "input.needs[1].code"),
        ({"needs": (ContactNeed("BD"),) * 51}, "input.needs"),
    ],
)
def test_a_contact_s_own_values_are_checked(
    given: Directory, changes: dict[str, object], field: str
) -> None:
    refused(field, given.handler.record, contact(**changes), actor="c", at=AT)


def test_a_follow_up_is_logged_with_the_contact(given: Directory) -> None:
    command = contact(follow_up=FollowUp(date(2026, 3, 9), "Rappeler"))
    logged = given.handler.record(command, actor="c", at=AT)
    interaction: Interaction = given.operations.repository.get(logged.receipt.id)
    assert interaction.follow_ups == [{"due": "2026-03-09", "note": "Rappeler", "done": None}]


def test_many_contacts_are_logged_with_the_same_rules_each(given: Directory) -> None:
    service = given.service()
    good = contact(ContactNeed("BD", (service,)))
    bad = contact(ContactNeed("BD", (uuid4(),)), key="k-2")
    given.handler.record(contact(key="k-3", counsellor="c"), actor="c", at=AT)

    results = given.handler.record_many(
        [good, bad, contact(key="k-3", counsellor="c"), dataclasses.replace(good, key="k-4")],
        actor="demo",
    )

    assert [type(r).__name__ for r in results] == ["Logged", "InvalidInput", "Logged", "Logged"]
    assert [getattr(r, "replayed", None) for r in results] == [False, None, True, False]


# A live contact, step by step.


def opened(given: Directory) -> UUID:
    command = OpenContact(
        key="live-1", channel=ContactChannel.CHAT, started_at=STARTED, answered_at=None,
        language="en", inquirer=Inquirer(InquirerType.PROFESSIONAL),
    )  # fmt: skip
    return given.handler.open(command, actor="carla", at=AT).receipt.id


def test_a_live_contact_is_built_step_by_step(given: Directory) -> None:
    id = opened(given)
    service = given.service()
    change = given.handler.change

    first = change(AddNeed(id, "bd-1800"), actor="carla", at=AT)
    second = change(AddNeed(id, "PH-7000"), actor="carla", at=AT)
    change(ReferToService(id, 0, service), actor="carla", at=AT)
    change(GiveInformation(id, 0, "Ouvert le mardi"), actor="carla", at=AT)
    change(RecordUnmetNeed(id, 1, "cost_too_high", "Trop cher"), actor="carla", at=AT)
    change(ScheduleFollowUp(id, date(2026, 3, 9)), actor="carla", at=AT)
    change(CompleteFollowUp(id, 0, "Service obtenu"), actor="carla", at=AT)
    closed = change(CloseContact(id, STARTED + timedelta(minutes=5)), actor="carla", at=AT)

    assert (first.need, second.need, closed.need) == (0, 1, None)
    interaction: Interaction = given.operations.repository.get(id)
    assert interaction.needs[0].code == "BD-1800"
    assert interaction.needs[0].referrals[0]["service_id"] == str(service)
    assert interaction.needs[0].information == ["Ouvert le mardi"]
    assert (interaction.needs[1].unmet or {}).get("reason") == "cost_too_high"
    assert interaction.follow_ups[0]["done"]["outcome"] == "Service obtenu"
    assert interaction.disposition is Disposition.COMPLETED
    assert closed.receipt.version == interaction.version


def opening(**changes: object) -> OpenContact:
    command = OpenContact(
        key="live-1", channel=ContactChannel.CHAT, started_at=STARTED, answered_at=None,
        language="en", inquirer=Inquirer(InquirerType.PROFESSIONAL),
    )  # fmt: skip
    return dataclasses.replace(command, **changes)  # type: ignore[arg-type]


def test_a_retried_opening_returns_the_first_receipt_and_writes_nothing(
    given: Directory,
) -> None:
    first = given.handler.open(opening(), actor="carla", at=AT)
    given.handler.change(AddNeed(first.receipt.id, "BD-1800"), actor="carla", at=AT)
    head = given.head()

    again = given.handler.open(opening(), actor="carla", at=AT + timedelta(minutes=1))
    in_utc = given.handler.open(opening(started_at=STARTED.astimezone(UTC)), actor="carla", at=AT)

    assert (first.replayed, again.replayed, in_utc.replayed) == (False, True, True)
    assert again.receipt == in_utc.receipt
    assert (again.receipt.id, again.receipt.version) == (first.receipt.id, 2)
    assert given.head() == head


def test_a_key_opens_one_contact(given: Directory) -> None:
    given.handler.open(opening(), actor="carla", at=AT)
    head = given.head()

    refused("input.key", given.handler.open, opening(language="fr"), actor="carla", at=AT)
    refused("input.key", given.handler.open, opening(), actor="someone else", at=AT)

    assert given.head() == head


def test_an_open_contact_s_territory_is_known(given: Directory) -> None:
    command = OpenContact(
        key="live-2", channel=ContactChannel.CHAT, started_at=STARTED, answered_at=None,
        language="en", inquirer=Inquirer(InquirerType.SELF, territory="99999"),
    )  # fmt: skip
    refused("input.inquirer.territory", given.handler.open, command, actor="c", at=AT)


def test_a_referral_step_reads_the_service_s_facts(given: Directory) -> None:
    id = opened(given)
    given.handler.change(AddNeed(id, "BD"), actor="c", at=AT)
    service = given.service()
    given.deactivate(service)

    refused("serviceId", given.handler.change, ReferToService(id, 0, service), actor="c", at=AT)
    refused("serviceId", given.handler.change, ReferToService(id, 0, uuid4()), actor="c", at=AT)


def test_steps_name_the_rule_they_break(given: Directory) -> None:
    id = opened(given)
    change = given.handler.change
    change(AddNeed(id, "BD"), actor="c", at=AT)
    change(AddNeed(id, "BH"), actor="c", at=AT)
    change(ReferToService(id, 0, given.service()), actor="c", at=AT)
    change(WithdrawNeed(id, 1, "erreur"), actor="c", at=AT)

    refused("input.need", change, RecordUnmetNeed(id, 0, "cost_too_high"), actor="c", at=AT)
    refused("input.need", change, GiveInformation(id, 1, "x"), actor="c", at=AT)
    refused("input.need", change, GiveInformation(id, 5, "x"), actor="c", at=AT)
    change(AddNeed(id, "BT"), actor="c", at=AT)
    refused("input.reason", change, RecordUnmetNeed(id, 2, "bored"), actor="c", at=AT)
    refused("input.followUp", change, CompleteFollowUp(id, 0, "x"), actor="c", at=AT)
    refused("input.id", change, CorrectDisposition(id, Disposition.TEST, "x"), actor="c", at=AT)
    refused("input.due", change, ScheduleFollowUp(id, date(2026, 3, 1)), actor="c", at=AT)
    refused("input.code", change, AddNeed(id, " "), actor="c", at=AT)
    refused("input.need", change, ReferToService(id, 7, given.service()), actor="c", at=AT)
    refused("input.need", change, WithdrawNeed(id, 3, "x"), actor="c", at=AT)
    early = STARTED - timedelta(minutes=1)
    refused("input.endedAt", change, CloseContact(id, early), actor="c", at=AT)


def test_a_closed_contact_is_corrected_not_closed_again(given: Directory) -> None:
    id = opened(given)
    change = given.handler.change
    change(CloseContact(id, STARTED + timedelta(minutes=5)), actor="c", at=AT)

    refused("input.id", change, CloseContact(id, STARTED + timedelta(minutes=6)), actor="c",
            at=AT)  # fmt: skip
    refused("input.disposition", change,
            CorrectDisposition(id, Disposition.COMPLETED, "x"), actor="c", at=AT)  # fmt: skip
    refused("input.reason", change, CorrectDisposition(id, Disposition.TEST, " "), actor="c",
            at=AT)  # fmt: skip
    change(CorrectDisposition(id, Disposition.TEST, "appel d'essai"), actor="c", at=AT)
    assert given.operations.repository.get(id).disposition is Disposition.TEST


def test_an_inquirer_is_corrected_to_a_known_territory_and_a_change(given: Directory) -> None:
    id = opened(given)
    change = given.handler.change
    same = Inquirer(InquirerType.PROFESSIONAL)
    refused("input.inquirer", change, CorrectInquirer(id, same, "x"), actor="c", at=AT)
    unknown = Inquirer(InquirerType.SELF, territory="99999")
    refused("input.inquirer.territory", change, CorrectInquirer(id, unknown, "x"), actor="c",
            at=AT)  # fmt: skip
    head = given.head()
    change(CorrectInquirer(id, Inquirer(InquirerType.SELF, territory=LAVAL), "mal compris"),
           actor="c", at=AT)  # fmt: skip
    assert given.head() == head + 1


def test_a_step_on_an_unknown_contact_is_not_found(given: Directory) -> None:
    with pytest.raises(NotFound):
        given.handler.change(AddNeed(uuid4(), "BD"), actor="c", at=AT)


class LogVersions:
    """The latest versions, read from the in-memory log."""

    def __init__(self, operations: Operations) -> None:
        self.operations = operations
        self.reads = 0

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        self.reads += 1
        found = {}
        for id in ids:
            for last in self.operations.recorder.select_events(id, desc=True, limit=1):
                found[id] = last.originator_version
        return found


def test_a_service_read_for_a_contact_is_read_again_once_it_or_its_owner_changed(
    given: Directory,
) -> None:
    versions = LogVersions(given.operations)
    handler = ContactHandler(given.operations, ContactSaver(given.operations), versions=versions)
    organization = given.organization()
    service = given.service(organization)
    handler.record(contact(ContactNeed("BD", (service,))), actor="c", at=AT)
    given.directory.rename_organization(
        RenameOrganization(organization, 1, LocalizedText(fr="Entraide", en="")),
        actor="ed", at=AT,
    )  # fmt: skip

    renamed = handler.record(contact(ContactNeed("BD", (service,)), key="k-2"), actor="c", at=AT)
    given.deactivate(service)

    interaction: Interaction = given.operations.repository.get(renamed.receipt.id)
    assert interaction.needs[0].referrals[0]["organization_name"] == "Entraide"
    assert versions.reads == 1
    refused("input.needs[0].referralServiceIds[0]", handler.record,
            contact(ContactNeed("BD", (service,)), key="k-3"), actor="c", at=AT)  # fmt: skip
