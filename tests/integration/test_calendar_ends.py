"""Facts at the very ends of the calendar the domain accepts (`domain.moments`, and a contact's
own rule): every view applies them, statistics still answer, and a verified replay agrees. A
contact in year 1 was accepted and stopped statistics for everyone; what is accepted now must be
something every view can place in every time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from uuid import uuid4

import pytest

from domain.coverage import CoverageAgreement
from domain.directory import Organization
from domain.errors import InvalidInput
from domain.handlers.directory import RegisterOrganization, RegisterService
from domain.interactions import (
    EARLIEST_CONTACT,
    ContactChannel,
    Disposition,
    FollowUp,
    Inquirer,
    InquirerType,
    Interaction,
)
from domain.moments import EARLIEST, LATEST
from domain.records import VerificationMethod
from domain.values import LocalizedText, Schedule
from infra import replay
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.territories import load_reference

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ACTOR = "calendrier"
# Days the calendar holds, written with the furthest offsets behind and ahead of UTC: in UTC
# they fall outside it.
LAST_BEHIND = datetime.combine(LATEST, time(23), timezone(timedelta(hours=-12)))
FIRST_AHEAD = datetime.combine(EARLIEST, datetime.min.time(), timezone(timedelta(hours=14)))


def test_every_view_applies_facts_at_the_calendars_ends(container: Container) -> None:
    operations = container.operations
    load_reference(operations, SystemClock())
    organization = uuid4()
    handler = container.directory_handler
    handler.register_organization(
        RegisterOrganization(organization, LocalizedText("Centre", "")), actor=ACTOR, at=AT
    )
    handler.register_service(RegisterService(
        uuid4(), organization, LocalizedText("Aide", ""), service_areas=("QC",),
        schedule=Schedule(closed_on=(EARLIEST, LATEST)),
    ), actor=ACTOR, at=AT)  # fmt: skip
    operations.edit_record(Organization, organization, 1, lambda o: o.verify(
        VerificationMethod.PHONE, "Lise", None, actor=ACTOR, at=AT,
        occurred_at=datetime.combine(EARLIEST, datetime.min.time(), UTC),
    ))  # fmt: skip
    agreement = CoverageAgreement.agree(
        uuid4(), ["QC"], ["phone"], EARLIEST, LATEST, "Fonds", None, None, actor=ACTOR, at=AT
    )
    operations.agree_coverage(agreement)
    operations.edit_territory("66023", lambda t: t.rename(
        "Ailleurs", LATEST, None, actor=ACTOR, at=AT))  # fmt: skip
    for key, started in (("premier", EARLIEST_CONTACT), ("dernier", AT + timedelta(hours=23))):
        operations.log_interaction(Interaction.log(
            key=key, channel=ContactChannel.PHONE, started_at=started, answered_at=started,
            ended_at=started + timedelta(minutes=30), language="fr", interpreter=False,
            counsellor="Colette", inquirer=Inquirer(InquirerType.SELF), needs=(),
            disposition=Disposition.COMPLETED,
            follow_up=FollowUp(AT.date() + timedelta(days=366)), actor=ACTOR, at=AT,
        ))  # fmt: skip
    for runner in container.runners.values():
        runner.catch_up()
    for status in container.status():
        assert (status.name, status.lag, status.error) == (status.name, 0, None)
    # Where a contact in year 1 made statistics fail for every period.
    assert container.statistics.sync() >= 0
    for verdict in replay.verify(container, []):
        assert verdict.identical, verdict


@pytest.mark.parametrize("moment", [LAST_BEHIND, FIRST_AHEAD, datetime(2024, 1, 1)])
def test_a_fact_cannot_hold_a_moment_past_the_calendars_ends_or_without_offset(
    moment: datetime,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        CoverageAgreement.agree(
            uuid4(), ["QC"], ["phone"], date(2024, 1, 1), None, "Fonds", None, None,
            actor=ACTOR, at=moment,
        )  # fmt: skip
    assert refused.value.field == "occurred_at"
