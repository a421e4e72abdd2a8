"""HSDS services: what an organization offers, to whom, where and when."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.events import Fact
from domain.records import (
    DeactivatedFact,
    DescribedFact,
    FlaggedFact,
    MergedFact,
    ReactivatedFact,
    Record,
    RenamedFact,
    VerifiedFact,
    optional_reason,
    parse_long_text,
    parse_name,
)
from domain.values import (
    NO_SCHEDULE,
    NO_TEXT,
    LocalizedText,
    Phone,
    Schedule,
    parse_languages,
    parse_phones,
    parse_taxonomy,
    parse_territory_codes,
)


class Service(Record):
    TOPIC = "guichet.Service"
    kind: ClassVar[str] = "service"

    class Event(Fact):
        pass

    class Registered(Aggregate.Created, Event):
        TOPIC = "guichet.Service.Registered"
        organization_id: UUID
        name: LocalizedText
        description: LocalizedText
        taxonomy_codes: list[str]
        languages: list[str]
        service_areas: list[str]
        eligibility: LocalizedText
        fees: LocalizedText
        application_process: LocalizedText
        phones: list[Phone]
        schedule: Schedule

    Created = Registered

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        organization_id: UUID,
        name: LocalizedText,
        description: LocalizedText,
        taxonomy_codes: list[str],
        languages: list[str],
        service_areas: list[str],
        eligibility: LocalizedText,
        fees: LocalizedText,
        application_process: LocalizedText,
        phones: list[Phone],
        schedule: Schedule,
        actor: str,
        occurred_at: datetime,
    ) -> None:
        self._start(name, description)
        self.organization_id = organization_id
        self.taxonomy_codes = list(taxonomy_codes)
        self.languages = list(languages)
        self.service_areas = list(service_areas)
        self.eligibility = eligibility
        self.fees = fees
        self.application_process = application_process
        self.phones = list(phones)
        self.schedule = schedule
        self.registered_at = occurred_at

    @classmethod
    def register(
        cls,
        id: UUID,
        organization_id: UUID,
        name: LocalizedText,
        description: LocalizedText,
        *,
        taxonomy_codes: tuple[str, ...] = (),
        languages: tuple[str, ...] = (),
        service_areas: tuple[str, ...] = (),
        eligibility: LocalizedText = NO_TEXT,
        fees: LocalizedText = NO_TEXT,
        application_process: LocalizedText = NO_TEXT,
        phones: tuple[Phone, ...] = (),
        schedule: Schedule = NO_SCHEDULE,
        actor: str,
        at: datetime,
    ) -> Service:
        return cls._create(
            cls.Registered,
            id=id,
            timestamp=at,
            organization_id=organization_id,
            name=parse_name(name),
            description=parse_long_text("description", description),
            taxonomy_codes=list(parse_taxonomy("taxonomy_codes", taxonomy_codes)),
            languages=list(parse_languages("languages", languages)),
            service_areas=list(parse_territory_codes("service_areas", service_areas)),
            eligibility=parse_long_text("eligibility", eligibility),
            fees=parse_long_text("fees", fees),
            application_process=parse_long_text("application_process", application_process),
            phones=list(parse_phones("phones", phones)),
            schedule=schedule.bounded("schedule"),
            actor=actor,
            occurred_at=at,
        )

    class Renamed(RenamedFact, Event):
        TOPIC = "guichet.Service.Renamed"

    class Described(DescribedFact, Event):
        TOPIC = "guichet.Service.Described"

    class PhoneChanged(Event):
        TOPIC = "guichet.Service.PhoneChanged"
        phones: list[Phone]
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.phones = list(self.phones)

    class HoursChanged(Event):
        TOPIC = "guichet.Service.HoursChanged"
        schedule: Schedule
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.schedule = self.schedule

    class ServiceAreaChanged(Event):
        TOPIC = "guichet.Service.ServiceAreaChanged"
        service_areas: list[str]
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.service_areas = list(self.service_areas)

    class TaxonomyChanged(Event):
        TOPIC = "guichet.Service.TaxonomyChanged"
        taxonomy_codes: list[str]
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.taxonomy_codes = list(self.taxonomy_codes)

    class LanguagesChanged(Event):
        TOPIC = "guichet.Service.LanguagesChanged"
        languages: list[str]
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.languages = list(self.languages)

    class EligibilityChanged(Event):
        TOPIC = "guichet.Service.EligibilityChanged"
        eligibility: LocalizedText
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.eligibility = self.eligibility

    class FeesChanged(Event):
        TOPIC = "guichet.Service.FeesChanged"
        fees: LocalizedText
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.fees = self.fees

    class ApplicationProcessChanged(Event):
        TOPIC = "guichet.Service.ApplicationProcessChanged"
        application_process: LocalizedText
        reason: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Service)
            aggregate.application_process = self.application_process

    class Verified(VerifiedFact, Event):
        TOPIC = "guichet.Service.Verified"

    class FlaggedForReview(FlaggedFact, Event):
        TOPIC = "guichet.Service.FlaggedForReview"

    class Deactivated(DeactivatedFact, Event):
        TOPIC = "guichet.Service.Deactivated"

    class Reactivated(ReactivatedFact, Event):
        TOPIC = "guichet.Service.Reactivated"

    class MergedInto(MergedFact, Event):
        TOPIC = "guichet.Service.MergedInto"

    def amend(
        self,
        *,
        name: LocalizedText | None = None,
        description: LocalizedText | None = None,
        phones: tuple[Phone, ...] | None = None,
        schedule: Schedule | None = None,
        service_areas: tuple[str, ...] | None = None,
        taxonomy_codes: tuple[str, ...] | None = None,
        languages: tuple[str, ...] | None = None,
        eligibility: LocalizedText | None = None,
        fees: LocalizedText | None = None,
        application_process: LocalizedText | None = None,
        reason: str | None,
        actor: str,
        at: datetime,
    ) -> None:
        """Records one fact for each field that really changes, in one go."""
        self._require_editable()
        reason = optional_reason("reason", reason)
        if name is not None:
            self.rename(name, reason=reason, actor=actor, at=at)
        if description is not None:
            self.describe(description, reason=reason, actor=actor, at=at)
        phones = None if phones is None else parse_phones("phones", phones)
        schedule = None if schedule is None else schedule.bounded("schedule")
        if service_areas is not None:
            service_areas = parse_territory_codes("service_areas", service_areas)
        if taxonomy_codes is not None:
            taxonomy_codes = parse_taxonomy("taxonomy_codes", taxonomy_codes)
        if languages is not None:
            languages = parse_languages("languages", languages)
        eligibility = eligibility and parse_long_text("eligibility", eligibility)
        fees = fees and parse_long_text("fees", fees)
        application_process = application_process and parse_long_text(
            "application_process", application_process
        )
        changes = (
            (phones, self.phones, self.PhoneChanged, "phones"),
            (schedule, self.schedule, self.HoursChanged, "schedule"),
            (service_areas, self.service_areas, self.ServiceAreaChanged, "service_areas"),
            (taxonomy_codes, self.taxonomy_codes, self.TaxonomyChanged, "taxonomy_codes"),
            (languages, self.languages, self.LanguagesChanged, "languages"),
            (eligibility, self.eligibility, self.EligibilityChanged, "eligibility"),
            (fees, self.fees, self.FeesChanged, "fees"),
            (
                application_process, self.application_process,
                self.ApplicationProcessChanged, "application_process",
            ),
        )  # fmt: skip
        for new, current, fact, field in changes:
            if new is None:
                continue
            value = list(new) if isinstance(new, tuple) else new
            if value != current:
                self._record(fact, at, reason=reason, actor=actor, **{field: value})
