"""Given/When/Then on the Interaction aggregate: pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.contact_values import check_due
from domain.errors import InvalidInput
from domain.interactions import (
    ContactChannel,
    ContactNeed,
    Disposition,
    FollowUp,
    Inquirer,
    InquirerType,
    Interaction,
    NeedEntry,
    ReferralSnapshot,
    draft_logged,
    interaction_id,
)

AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/Montreal"))
ENDED = STARTED + timedelta(minutes=6)
SNAPSHOT = ReferralSnapshot(uuid4(), uuid4(), "Popote", "Entraide", "4505550199", None)


def logged(*needs: NeedEntry, started: datetime = STARTED, ended: datetime = ENDED) -> Interaction:
    return Interaction.log(
        key="k-1", channel=ContactChannel.PHONE, started_at=started, answered_at=None,
        ended_at=ended, language="FR", interpreter=False, counsellor=" Carla ",
        inquirer=Inquirer(InquirerType.SELF, territory=" 65005 "), needs=needs,
        disposition=Disposition.COMPLETED, follow_up=FollowUp(date(2026, 3, 9), "Rappeler"),
        actor="carla", at=AT,
    )  # fmt: skip


def test_logging_a_contact_records_one_fact_with_who_and_when() -> None:
    interaction = logged(NeedEntry("bd-1800", (SNAPSHOT,), information="Mardi"))

    [fact] = interaction.collect_events()
    assert isinstance(fact, Interaction.Logged)
    assert (fact.actor, fact.timestamp, fact.occurred_at) == ("carla", AT, ENDED)
    assert interaction.id == interaction_id("k-1")
    assert (interaction.language, interaction.counsellor) == ("fr", "Carla")
    assert interaction.inquirer["territory"] == "65005"
    assert interaction.needs[0].code == "BD-1800"
    assert interaction.needs[0].referrals[0]["service_name"] == "Popote"
    assert interaction.needs[0].information == ["Mardi"]
    assert interaction.follow_ups == [{"due": "2026-03-09", "note": "Rappeler", "done": None}]
    assert interaction.disposition is Disposition.COMPLETED


def test_the_digest_is_what_the_caller_chose_in_utc() -> None:
    here = logged(NeedEntry("BD", (SNAPSHOT,)))
    in_utc = logged(NeedEntry("BD", (SNAPSHOT,)), started=STARTED.astimezone(UTC),
                    ended=ENDED.astimezone(UTC))  # fmt: skip
    renamed = ReferralSnapshot(SNAPSHOT.service_id, SNAPSHOT.organization_id, "Autre", "", None,
                               None)  # fmt: skip
    other_snapshot = logged(NeedEntry("BD", (renamed,)))
    other_need = logged(NeedEntry("BH", (SNAPSHOT,)))

    assert here.digest == in_utc.digest == other_snapshot.digest
    assert here.digest != other_need.digest


def test_a_draft_keeps_the_digest_of_the_instants_as_given_for_older_facts() -> None:
    draft = draft_logged(
        key="k", channel=ContactChannel.EMAIL, started_at=STARTED, answered_at=None,
        ended_at=ENDED, language="en", interpreter=False, counsellor="c",
        inquirer=Inquirer(InquirerType.SELF), needs=(ContactNeed("BD"),),
        disposition=Disposition.COMPLETED, follow_up=None, at=AT,
    )  # fmt: skip
    assert draft.digest != draft.given_digest
    assert draft.same_as(draft.given_digest)
    assert draft.same_as(draft.digest)
    assert not draft.same_as("0" * 64)


def test_an_opened_contact_takes_steps_then_closes() -> None:
    interaction = Interaction.open(
        key="live", channel=ContactChannel.CHAT, started_at=STARTED, answered_at=None,
        language="en", interpreter=True, counsellor="c", inquirer=Inquirer(InquirerType.SELF),
        actor="c", at=AT,
    )  # fmt: skip
    need = interaction.identify_need("BD", actor="c", at=AT)
    interaction.refer(need, SNAPSHOT, actor="c", at=AT)
    interaction.close(ENDED, Disposition.HANG_UP, actor="c", at=AT)

    facts = interaction.collect_events()
    assert [type(f).__name__ for f in facts] == [
        "Opened", "NeedIdentified", "ServiceReferred", "Closed",
    ]  # fmt: skip
    assert interaction.version == 4
    assert interaction.ended_at == ENDED
    assert interaction.disposition is Disposition.HANG_UP
    with pytest.raises(InvalidInput):
        interaction.close(ENDED, Disposition.COMPLETED, actor="c", at=AT)
    assert interaction.collect_events() == []


def test_a_withdrawn_need_stays_but_takes_no_more_steps() -> None:
    interaction = logged(NeedEntry("BD"), NeedEntry("BH"))
    interaction.withdraw_need(1, "doublon", actor="c", at=AT)

    assert interaction.needs[1].withdrawn is True
    with pytest.raises(InvalidInput, match="withdrawn"):
        interaction.give_information(1, "x", actor="c", at=AT)


def test_a_follow_up_is_done_once() -> None:
    interaction = logged()
    interaction.complete_follow_up(0, "Service obtenu", actor="c", at=AT)

    assert interaction.follow_ups[0]["done"] == {"outcome": "Service obtenu", "at": AT.isoformat()}
    with pytest.raises(InvalidInput, match="already done"):
        interaction.complete_follow_up(0, "encore", actor="c", at=AT)


def test_a_follow_up_due_on_the_evening_calls_own_day_is_accepted_whatever_its_offset() -> None:
    # 20:30 in Montréal on 5 December, sent in UTC: already the 6th there.
    evening = datetime.fromisoformat("2026-12-06T01:30:00+00:00")
    at = datetime.fromisoformat("2026-12-06T01:40:00+00:00")
    check_due("input.followUp.due", date(2026, 12, 5), evening, at)
    with pytest.raises(InvalidInput) as refused:
        check_due("input.followUp.due", date(2026, 12, 4), evening, at)
    assert refused.value.field == "input.followUp.due"
