"""Given/When/Then on an organization's life after registration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.directory import Organization, Status, VerificationMethod
from domain.errors import InvalidInput
from domain.values import LocalizedText

AT = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
EMPTY = LocalizedText("", "")


def given() -> Organization:
    organization = Organization.register(
        uuid4(), LocalizedText("Accueil", "Welcome"), EMPTY, None, actor="edith", at=AT
    )
    organization.collect_events()
    return organization


def facts(organization: Organization) -> list[str]:
    return [type(fact).__name__ for fact in organization.collect_events()]


def test_an_amendment_records_one_fact_per_real_change() -> None:
    organization = given()

    organization.amend(
        name=LocalizedText("Accueil", "Welcome"),
        description=LocalizedText("Écoute", "Listening"),
        website="https://accueil.example.org",
        reason="annual update",
        actor="ada",
        at=AT,
    )

    assert facts(organization) == ["Described", "WebsiteChanged"]
    assert organization.website == "https://accueil.example.org"


def test_clearing_the_website_is_a_fact() -> None:
    organization = given()
    organization.amend(website="https://a.example.org", reason=None, actor="ada", at=AT)
    organization.collect_events()

    organization.amend(clear_website=True, reason="site closed", actor="ada", at=AT)

    [fact] = organization.collect_events()
    assert isinstance(fact, Organization.WebsiteChanged)
    assert fact.website is None
    assert fact.reason == "site closed"


def test_verifying_records_who_confirmed_and_clears_a_flag() -> None:
    organization = given()
    organization.flag_for_review("phone out of service", actor="colette", at=AT)
    checked = AT - timedelta(days=2)

    organization.verify(
        VerificationMethod.PHONE, "M. Roy", None, actor="ada", at=AT, occurred_at=checked
    )

    assert facts(organization) == ["FlaggedForReview", "Verified"]
    assert organization.verified_at == checked
    assert organization.flagged is None


def test_a_verification_needs_a_person_and_cannot_be_in_the_future() -> None:
    organization = given()
    with pytest.raises(InvalidInput) as no_person:
        organization.verify(VerificationMethod.EMAIL, " ", None, actor="ada", at=AT)
    with pytest.raises(InvalidInput) as future:
        organization.verify(
            VerificationMethod.EMAIL, "X", None, actor="ada", at=AT, occurred_at=AT + timedelta(1)
        )
    assert no_person.value.field == "confirmedBy"
    assert future.value.field == "verifiedAt"


def test_deactivation_and_reactivation_need_the_right_status() -> None:
    organization = given()
    with pytest.raises(InvalidInput):
        organization.reactivate(None, actor="ada", at=AT)
    with pytest.raises(InvalidInput, match="reason"):
        organization.deactivate("  ", actor="ada", at=AT)

    organization.deactivate("closed for good", actor="ada", at=AT)
    with pytest.raises(InvalidInput, match="already inactive"):
        organization.deactivate("again", actor="ada", at=AT)
    organization.reactivate("reopened", actor="ada", at=AT)

    assert organization.status is Status.ACTIVE
    assert facts(organization) == ["Deactivated", "Reactivated"]


def test_a_merged_record_is_closed_to_edits() -> None:
    duplicate, kept = given(), given()

    duplicate.merge_into(kept, "same organization", actor="ada", at=AT)

    assert duplicate.status is Status.MERGED
    assert duplicate.merged_into == kept.id
    with pytest.raises(InvalidInput, match=str(kept.id)):
        duplicate.amend(website="https://x.example.org", reason=None, actor="ada", at=AT)


def test_merging_into_itself_or_an_inactive_record_is_refused() -> None:
    organization, inactive = given(), given()
    inactive.deactivate("closed", actor="ada", at=AT)

    with pytest.raises(InvalidInput, match="itself"):
        organization.merge_into(organization, None, actor="ada", at=AT)
    with pytest.raises(InvalidInput, match="inactive"):
        organization.merge_into(inactive, None, actor="ada", at=AT)
