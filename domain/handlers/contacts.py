"""Commands for every write of a contact, and the one handler that applies their rules.

A whole contact is answered by its key first: a retry (same key, same content, its instants
read in UTC and its referrals as service ids) gets the first receipt whatever changed since
(a service closed, a territory renamed), and another contact under the same key is refused.
Referral targets are read from the services' and organizations' own facts, so a service
registered a moment ago can be referred to at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.directory import Organization
from domain.errors import InvalidInput
from domain.interactions import (
    ContactChannel,
    ContactNeed,
    Disposition,
    FollowUp,
    Inquirer,
    Interaction,
    LoggedDraft,
    ReferralSnapshot,
    draft_logged,
)
from domain.operations import Logged, Operations, Receipt
from domain.records import Status
from domain.services import Service


@dataclass(frozen=True, slots=True)
class RecordContact:
    """A whole contact, logged after it ended; `counsellor` defaults to whoever logs it."""

    key: str
    channel: ContactChannel
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    language: str
    inquirer: Inquirer
    interpreter: bool = False
    counsellor: str | None = None
    needs: tuple[ContactNeed, ...] = ()
    disposition: Disposition = Disposition.COMPLETED
    follow_up: FollowUp | None = None


@dataclass(frozen=True, slots=True)
class OpenContact:
    key: str
    channel: ContactChannel
    started_at: datetime
    answered_at: datetime | None
    language: str
    inquirer: Inquirer
    interpreter: bool = False
    counsellor: str | None = None


@dataclass(frozen=True, slots=True)
class AddNeed:
    id: UUID
    code: str


@dataclass(frozen=True, slots=True)
class ReferToService:
    id: UUID
    need: int
    service_id: UUID


@dataclass(frozen=True, slots=True)
class GiveInformation:
    id: UUID
    need: int
    information: str


@dataclass(frozen=True, slots=True)
class RecordUnmetNeed:
    id: UUID
    need: int
    reason: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CloseContact:
    id: UUID
    ended_at: datetime
    disposition: Disposition = Disposition.COMPLETED


@dataclass(frozen=True, slots=True)
class ScheduleFollowUp:
    id: UUID
    due: date
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CompleteFollowUp:
    id: UUID
    follow_up: int
    outcome: str


@dataclass(frozen=True, slots=True)
class CorrectInquirer:
    id: UUID
    inquirer: Inquirer
    reason: str


@dataclass(frozen=True, slots=True)
class CorrectDisposition:
    id: UUID
    disposition: Disposition
    reason: str


@dataclass(frozen=True, slots=True)
class WithdrawNeed:
    id: UUID
    need: int
    reason: str


Step = (
    AddNeed | ReferToService | GiveInformation | RecordUnmetNeed | CloseContact
    | ScheduleFollowUp | CompleteFollowUp | CorrectInquirer | CorrectDisposition | WithdrawNeed
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Changed:
    """What a step wrote; `need` is the number of a need it added."""

    receipt: Receipt
    need: int | None = None


class ContactLog(Protocol):
    """Saves whole contacts, refusing a key logged before with another content as
    `Operations.log_interactions` does (the batching writer, in a server)."""

    def log(self, interaction: Interaction) -> Logged: ...


class ServiceDetails(Protocol):
    """What the log does not index: a service's address, from the first place it is given at.
    May lag; only details are read from it, never whether a service exists or is active."""

    def referral_snapshots(self, ids: Sequence[UUID]) -> dict[UUID, ReferralSnapshot]: ...


class ContactHandler:
    def __init__(
        self, operations: Operations, contacts: ContactLog | None = None,
        details: ServiceDetails | None = None,
    ) -> None:  # fmt: skip
        """`contacts` saves whole contacts (each in a transaction of its own by default);
        `details` gives services' addresses (none by default)."""
        self.operations = operations
        self.contacts = contacts or _OneByOne(operations)
        self.details = details or _NoDetails()

    def record(self, command: RecordContact, *, actor: str, at: datetime) -> Logged:
        """Logs a whole contact once; a retry with the same key and content gets the first
        receipt, with `replayed`."""
        draft = self._draft(command, actor, at)
        try:
            snapshots = self._checked(draft, command)
        except InvalidInput:
            # The key is answered before any other rule. The rules that read the directory
            # and territories are tried first only because a new key must pass them anyway:
            # the answer is the same, and a new contact pays no look-up of its key.
            if (replayed := self._replay(draft)) is not None:
                return replayed
            raise
        interaction = Interaction.logged(draft, snapshots, actor=actor, at=at)
        try:
            return self.contacts.log(interaction)
        except InvalidInput as refusal:
            # Logged before with another digest: perhaps a fact older than instants in UTC.
            if refusal.field == "input.key" and (replayed := self._replay(draft)) is not None:
                return replayed
            raise

    def record_many(
        self, commands: Sequence[RecordContact], *, actor: str, at: datetime | None = None
    ) -> list[Logged | InvalidInput]:
        """Logs many contacts in one transaction per call (loaders, demo data), applying the
        same rules to each as `record`; each contact is recorded at its own end unless `at`.
        Referral targets are read once per service for the whole batch."""
        known: dict[UUID, ReferralSnapshot] = {}
        results: list[Logged | InvalidInput | None] = []
        pending: list[Interaction] = []
        for command in commands:
            when = at or command.ended_at
            try:
                draft = self._draft(command, actor, when)
                try:
                    snapshots = self._checked(draft, command, known)
                except InvalidInput:
                    if (replayed := self._replay(draft)) is None:
                        raise
                    results.append(replayed)
                    continue
            except InvalidInput as refusal:
                results.append(refusal)
                continue
            pending.append(Interaction.logged(draft, snapshots, actor=actor, at=when))
            results.append(None)
        saved = iter(self.operations.log_interactions(pending))
        return [result if result is not None else next(saved) for result in results]

    def open(self, command: OpenContact, *, actor: str, at: datetime) -> Receipt:
        interaction = Interaction.open(
            key=command.key, channel=command.channel, started_at=command.started_at,
            answered_at=command.answered_at, language=command.language,
            interpreter=command.interpreter, counsellor=command.counsellor or actor,
            inquirer=command.inquirer, actor=actor, at=at,
        )  # fmt: skip
        return self.operations.open_interaction(interaction)

    def change(self, command: Step, *, actor: str, at: datetime) -> Changed:
        """A live step or a correction, applied to the latest version of the contact."""
        snapshot = None
        if isinstance(command, ReferToService):
            snapshot = self._referrals([("serviceId", command.service_id)], {})[0]

        def apply(i: Interaction) -> int | None:
            match command:
                case AddNeed(code=code):
                    return i.identify_need(code, actor=actor, at=at)
                case ReferToService(need=need):
                    assert snapshot is not None
                    i.refer(need, snapshot, actor=actor, at=at)
                case GiveInformation(need=need, information=information):
                    i.give_information(need, information, actor=actor, at=at)
                case RecordUnmetNeed(need=need, reason=reason, note=note):
                    i.record_unmet(need, reason, note, actor=actor, at=at)
                case CloseContact(ended_at=ended_at, disposition=disposition):
                    i.close(ended_at, disposition, actor=actor, at=at)
                case ScheduleFollowUp(due=due, note=note):
                    i.schedule_follow_up(FollowUp(due, note), actor=actor, at=at)
                case CompleteFollowUp(follow_up=index, outcome=outcome):
                    i.complete_follow_up(index, outcome, actor=actor, at=at)
                case CorrectInquirer(inquirer=inquirer, reason=reason):
                    i.correct_inquirer(inquirer, reason, actor=actor, at=at)
                case CorrectDisposition(disposition=disposition, reason=reason):
                    i.correct_disposition(disposition, reason, actor=actor, at=at)
                case WithdrawNeed(need=need, reason=reason):
                    i.withdraw_need(need, reason, actor=actor, at=at)
            return None

        receipt, need = self.operations.change_interaction(command.id, apply)
        return Changed(receipt, need)

    # Rules that read more than the contact.

    def _draft(self, command: RecordContact, actor: str, at: datetime) -> LoggedDraft:
        return draft_logged(
            key=command.key, channel=command.channel, started_at=command.started_at,
            answered_at=command.answered_at, ended_at=command.ended_at,
            language=command.language, interpreter=command.interpreter,
            counsellor=command.counsellor or actor, inquirer=command.inquirer,
            needs=command.needs, disposition=command.disposition, follow_up=command.follow_up,
            at=at,
        )  # fmt: skip

    def _checked(
        self, draft: LoggedDraft, command: RecordContact,
        known: dict[UUID, ReferralSnapshot] | None = None,
    ) -> dict[UUID, ReferralSnapshot]:  # fmt: skip
        self.operations.require_inquirer_territory(draft.content["inquirer"]["territory"])
        wanted = draft.service_ids()
        found = self._referrals(wanted, {} if known is None else known)
        return {snapshot.service_id: snapshot for snapshot in found}

    def _replay(self, draft: LoggedDraft) -> Logged | None:
        """The first receipt, replayed, if the key logged this same contact; None if the key
        is new; the key is refused if it logged another contact."""
        stored = self.operations.recorder.select_events(draft.id, limit=1)
        if not stored:
            return None
        first = self.operations.mapper.to_domain_event(stored[0])
        if isinstance(first, Interaction.Logged) and draft.same_as(first.digest):
            version: int = self.operations.repository.get(draft.id).version
            position = self.operations.recorder.max_notification_id() or 0
            return Logged(Receipt(draft.id, version, position), replayed=True)
        raise InvalidInput(
            "input.key", f"{draft.key!r} already logged another contact; use a new key"
        )

    def _referrals(
        self, wanted: Sequence[tuple[str, UUID]], known: dict[UUID, ReferralSnapshot]
    ) -> list[ReferralSnapshot]:
        """Each wanted service (with the input path naming it) as the counsellor gives it: an
        active service of an active organization, read from their facts."""
        missing = [service_id for _, service_id in wanted if service_id not in known]
        details = self.details.referral_snapshots(list(dict.fromkeys(missing))) if missing else {}
        found = []
        for path, service_id in wanted:
            if service_id not in known:
                known[service_id] = self._snapshot(path, service_id, details.get(service_id))
            found.append(known[service_id])
        return found

    def _snapshot(
        self, path: str, service_id: UUID, details: ReferralSnapshot | None
    ) -> ReferralSnapshot:
        service = self._load(service_id)
        if not isinstance(service, Service) or service.status is not Status.ACTIVE:
            raise InvalidInput(path, f"no active service has the id {service_id}")
        organization = self._load(service.organization_id)
        if not isinstance(organization, Organization) or organization.status is not Status.ACTIVE:
            raise InvalidInput(path, f"the organization of service {service_id} is not active")
        return ReferralSnapshot(
            service_id=service_id, organization_id=organization.id,
            service_name=service.name.fr or service.name.en,
            organization_name=organization.name.fr or organization.name.en,
            phone=service.phones[0].number if service.phones else None,
            address=details.address if details is not None else None,
        )  # fmt: skip

    def _load(self, id: UUID) -> object:
        try:
            return self.operations.repository.get(id)
        except AggregateNotFoundError:
            return None


class _OneByOne:
    def __init__(self, operations: Operations) -> None:
        self.operations = operations

    def log(self, interaction: Interaction) -> Logged:
        [result] = self.operations.log_interactions([interaction])
        if isinstance(result, InvalidInput):
            raise result
        return result


class _NoDetails:
    def referral_snapshots(self, ids: Sequence[UUID]) -> dict[UUID, ReferralSnapshot]:
        return {}
