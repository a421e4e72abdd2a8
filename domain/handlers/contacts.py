"""The one handler of every write of a contact (its commands are in `contact_commands`).

A whole contact is answered by its key first: a retry (same key, same content, its instants
read in UTC and its referrals as service ids) gets the first receipt whatever changed since
(a service closed, a territory renamed), and another contact under the same key is refused.
Referral targets are read from the services' and organizations' own facts, so a service
registered a moment ago can be referred to at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.contact_values import instant_digest, interaction_id
from domain.errors import InvalidInput, VersionConflict
from domain.handlers.contact_commands import (
    AddNeed,
    CloseContact,
    CompleteFollowUp,
    CorrectDisposition,
    CorrectInquirer,
    GiveInformation,
    OpenContact,
    RecordContact,
    RecordUnmetNeed,
    ReferToService,
    ScheduleFollowUp,
    Step,
    WithdrawNeed,
)
from domain.handlers.referrals import (
    RecordVersions,
    ReferralReading,
    ServiceDetails,
)
from domain.interactions import (
    CONFIDENTIAL,
    FollowUp,
    Interaction,
    LoggedDraft,
    ReferralSnapshot,
    draft_logged,
)
from domain.operations import SAVE_CHUNK, Logged, Operations, Receipt

__all__ = [
    "AddNeed", "Changed", "CloseContact", "CompleteFollowUp", "ContactHandler",
    "CorrectDisposition", "CorrectInquirer", "GiveInformation", "OpenContact", "RecordContact",
    "RecordUnmetNeed", "RecordVersions", "Recording", "ReferToService", "ScheduleFollowUp",
    "ServiceDetails", "Step", "WithdrawNeed",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Changed:
    """What a step wrote; `need` is the number of a need it added."""

    receipt: Receipt
    need: int | None = None


class ContactLog(Protocol):
    """Saves whole contacts: one (`log`, with others waiting, in a server) or many in one
    transaction (`log_many`); a key logged before with another digest is refused."""

    def log(self, interaction: Interaction) -> Logged: ...

    def log_many(self, interactions: Sequence[Interaction]) -> list[Logged | InvalidInput]: ...


@dataclass(frozen=True, slots=True)
class Recording:
    """A whole contact to record as `ContactHandler.record` does: the command, who, when."""

    command: RecordContact
    actor: str
    at: datetime


class ContactHandler(ReferralReading):
    def __init__(
        self, operations: Operations, contacts: ContactLog,
        details: ServiceDetails | None = None, versions: RecordVersions | None = None,
    ) -> None:  # fmt: skip
        """`contacts` saves whole contacts; `details` gives services' addresses (none by
        default); `versions`, when given, lets a service read for an earlier contact be
        reused while neither it nor its organization has a new fact (one read of the log
        instead of loading both)."""
        self.operations = operations
        self.contacts = contacts
        self.details = details or _NoDetails()
        self.versions = versions
        self._read = {}

    def record(self, command: RecordContact, *, actor: str, at: datetime) -> Logged:
        """Logs a whole contact once; a retry with the same key and content gets the first
        receipt, with `replayed`."""
        draft = self._draft(command, actor, at)
        try:
            snapshots = self._checked(draft, at, {})
        except InvalidInput as refusal:
            # The key is answered before any other rule. The rules that read the directory
            # and territories are tried first only because a new key must pass them anyway:
            # the answer is the same, and a new contact pays no look-up of its key.
            return self._answered(draft, refusal)
        interaction = Interaction.logged(draft, snapshots, actor=actor, at=at)
        try:
            return self.contacts.log(interaction)
        except InvalidInput as refusal:
            return self._answered(draft, refusal)

    def record_many(
        self, commands: Sequence[RecordContact], *, actor: str, at: datetime | None = None,
        details: ServiceDetails | None = None,
    ) -> list[Logged | InvalidInput]:  # fmt: skip
        """Logs many contacts (loaders, demo data), SAVE_CHUNK a transaction, answering each
        as `record` does; each contact is recorded at its start unless `at` is given.
        Each service referred to is read once for the whole batch; `details` may give the
        services' addresses instead of the handler's own port."""
        known: dict[UUID, ReferralSnapshot] = {}
        results: list[Logged | InvalidInput | None] = []
        pending: list[tuple[LoggedDraft, Interaction]] = []
        for command in commands:
            when = at or command.started_at
            try:
                draft = self._draft(command, actor, when)
            except InvalidInput as refusal:
                results.append(refusal)
                continue
            try:
                snapshots = self._checked(draft, when, known, details)
            except InvalidInput as refusal:
                results.append(self._answer(draft, refusal))
                continue
            pending.append((draft, Interaction.logged(draft, snapshots, actor=actor, at=when)))
            results.append(None)
        saved: list[Logged | InvalidInput] = []
        for start in range(0, len(pending), SAVE_CHUNK):
            chunk = pending[start : start + SAVE_CHUNK]
            logged = self.contacts.log_many([interaction for _, interaction in chunk])
            saved += [
                self._answer(draft, result) if isinstance(result, InvalidInput) else result
                for (draft, _), result in zip(chunk, logged, strict=True)
            ]
        answers = iter(saved)
        return [result if result is not None else next(answers) for result in results]

    def record_each(self, requests: Sequence[Recording]) -> list[Logged | Exception]:
        """Records contacts sent together by their callers, each answered as `record` would
        answer it (its receipt, or the error `record` would raise), those logged saved in one
        transaction. The services they refer to are read together first."""
        answers: list[Logged | Exception | None] = [None] * len(requests)
        drafts: dict[int, LoggedDraft] = {}
        for index, request in enumerate(requests):
            try:
                drafts[index] = self._draft(request.command, request.actor, request.at)
            except Exception as error:
                answers[index] = error
        known: dict[UUID, ReferralSnapshot] = {}
        pending: list[tuple[int, LoggedDraft, Interaction]] = []
        try:
            if drafts:
                ids = [id for draft in drafts.values() for _, id in draft.service_ids()]
                latest = max(requests[index].at for index in drafts)
                self._prefetch(ids, known, self.details, latest)
        except Exception as error:
            return [answer or error for answer in answers]
        for index, draft in drafts.items():
            request = requests[index]
            try:
                try:
                    snapshots = self._checked(draft, request.at, known)
                except InvalidInput as refusal:
                    answers[index] = self._answered(draft, refusal)
                    continue
                interaction = Interaction.logged(
                    draft, snapshots, actor=request.actor, at=request.at
                )
                pending.append((index, draft, interaction))
            except Exception as error:
                answers[index] = error
        for start in range(0, len(pending), SAVE_CHUNK):
            self._save_each(pending[start : start + SAVE_CHUNK], answers)
        return [answer for answer in answers if answer is not None]

    def _save_each(
        self, pending: list[tuple[int, LoggedDraft, Interaction]],
        answers: list[Logged | Exception | None],
    ) -> None:  # fmt: skip
        try:
            saved = self.contacts.log_many([interaction for _, _, interaction in pending])
        except Exception as error:
            for index, _, _ in pending:
                answers[index] = error
            return
        for (index, draft, _), result in zip(pending, saved, strict=True):
            try:
                answers[index] = (
                    self._answered(draft, result) if isinstance(result, InvalidInput) else result
                )
            except Exception as error:
                answers[index] = error

    def open(self, command: OpenContact, *, actor: str, at: datetime) -> Logged:
        """Opens a contact handled live; a retry with the same key and the same opening (its
        instants read in UTC) gets the first receipt, with `replayed`."""
        interaction = Interaction.open(
            key=command.key, channel=command.channel, started_at=command.started_at,
            answered_at=command.answered_at, language=command.language,
            interpreter=command.interpreter, counsellor=command.counsellor or actor,
            inquirer=command.inquirer, actor=actor, at=at,
        )  # fmt: skip
        [opening] = interaction.pending_events
        try:
            self._require_territory(interaction.inquirer.get("territory"))
            return Logged(self.operations.save_record(interaction, 0), replayed=False)
        except (InvalidInput, VersionConflict):
            # As for a whole contact, the key is answered before any other rule.
            if (reopened := self._reopened(interaction.key, opening)) is not None:
                return reopened
            raise

    def change(self, command: Step, *, actor: str, at: datetime) -> Changed:
        """A live step or a correction, applied to the latest version of the contact."""
        snapshot = None
        if isinstance(command, ReferToService):
            wanted = [("serviceId", command.service_id)]
            snapshot = self._referrals(wanted, {}, self.details, at)[0]

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

        interaction = self.operations.load(Interaction, command.id, None)
        need = apply(interaction)
        self._require_territory(interaction.inquirer.get("territory"))
        seen = interaction.version - len(interaction.pending_events)
        return Changed(self.operations.save_record(interaction, seen), need)

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
        self, draft: LoggedDraft, at: datetime, known: dict[UUID, ReferralSnapshot],
        details: ServiceDetails | None = None,
    ) -> dict[UUID, ReferralSnapshot]:  # fmt: skip
        self._require_territory(draft.content["inquirer"]["territory"])
        found = self._referrals(draft.service_ids(), known, details or self.details, at)
        return {snapshot.service_id: snapshot for snapshot in found}

    def _require_territory(self, code: str | None) -> None:
        if code is not None and code != CONFIDENTIAL and not self.operations.territory_known(code):
            raise InvalidInput(
                "input.inquirer.territory",
                f"{code!r} is not a known territory code (or {CONFIDENTIAL!r})",
            )

    def _answered(self, draft: LoggedDraft, refusal: InvalidInput) -> Logged:
        """A refused contact answered by its key first, for one contact or many: a retry
        (perhaps of a contact logged before its instants were read in UTC, whose digest the
        log does not match) is the first receipt; another contact under the key is refused
        as such; a new key gets the refusal."""
        if (replayed := self._replay(draft)) is not None:
            return replayed
        raise refusal

    def _answer(self, draft: LoggedDraft, refusal: InvalidInput) -> Logged | InvalidInput:
        """`_answered`, as a batch gives it: the refusal in the contact's place."""
        try:
            return self._answered(draft, refusal)
        except InvalidInput as answer:
            return answer

    def _replay(self, draft: LoggedDraft) -> Logged | None:
        """The first receipt, replayed, if the key logged this same contact; None if the key
        is new; the key is refused if it logged another contact."""
        stored = self.operations.recorder.select_events(draft.id, limit=1)
        if not stored:
            return None
        first = self.operations.mapper.to_domain_event(stored[0])
        if isinstance(first, Interaction.Logged) and draft.same_as(first.digest):
            return self._replayed(draft.id)
        raise InvalidInput(
            "input.key", f"{draft.key!r} already logged another contact; use a new key"
        )

    def _reopened(self, key: str, opening: object) -> Logged | None:
        """The first receipt, replayed, if the key opened this same contact; None if the key
        is new; the key is refused if it opened or logged another contact."""
        id = interaction_id(key)
        stored = self.operations.recorder.select_events(id, limit=1)
        if not stored:
            return None
        first = self.operations.mapper.to_domain_event(stored[0])
        if (
            isinstance(first, Interaction.Opened) and isinstance(opening, Interaction.Opened)
            and _opening(first) == _opening(opening)
        ):  # fmt: skip
            return self._replayed(id)
        raise InvalidInput("input.key", f"{key!r} already opened another contact; use a new key")

    def _replayed(self, id: UUID) -> Logged:
        """A receipt of the contact `id` as it stands, for a retry: its version, and the log's
        head, where the contact is visible."""
        version: int = self.operations.repository.get(id).version
        position = self.operations.recorder.max_notification_id() or 0
        return Logged(Receipt(id, version, position), replayed=True)


def _opening(fact: Interaction.Opened) -> str:
    """What a retried opening must repeat, its instants read in UTC."""
    return instant_digest({name: getattr(fact, name) for name in OPENING})


OPENING = (
    "channel", "started_at", "answered_at", "language", "interpreter", "counsellor", "inquirer",
)  # fmt: skip


class _NoDetails:
    def referral_snapshots(self, ids: Sequence[UUID]) -> dict[UUID, ReferralSnapshot]:
        return {}
