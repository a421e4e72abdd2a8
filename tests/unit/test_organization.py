"""Given/When/Then on the Organization aggregate: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.directory import Organization
from domain.errors import InvalidInput
from domain.values import LocalizedText, parse_website

AT = datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
NAME = LocalizedText(fr="Maison de la famille", en="Family House")
EMPTY = LocalizedText(fr="", en="")


def registered() -> Organization:
    return Organization.register(uuid4(), NAME, EMPTY, None, actor="edith", at=AT)


def test_registering_records_who_and_when() -> None:
    organization = registered()

    [fact] = organization.collect_events()
    assert isinstance(fact, Organization.Registered)
    assert fact.actor == "edith"
    assert fact.timestamp == AT
    assert fact.occurred_at == AT
    assert fact.name == NAME
    assert organization.version == 1


def test_business_time_may_differ_from_recording_time() -> None:
    happened = AT - timedelta(days=30)
    organization = Organization.register(
        uuid4(), NAME, EMPTY, None, actor="edith", at=AT, occurred_at=happened
    )
    [fact] = organization.collect_events()
    assert isinstance(fact, Organization.Registered)
    assert fact.timestamp == AT
    assert fact.occurred_at == happened


def test_renaming_is_a_fact_with_reason() -> None:
    organization = registered()
    organization.collect_events()
    later = AT + timedelta(hours=1)

    organization.rename(LocalizedText(fr="MdF", en="FH"), reason="acronym", actor="ada", at=later)

    [fact] = organization.collect_events()
    assert isinstance(fact, Organization.Renamed)
    assert (fact.actor, fact.reason, fact.timestamp) == ("ada", "acronym", later)
    assert organization.name == LocalizedText(fr="MdF", en="FH")
    assert organization.version == 2


def test_renaming_to_the_same_name_records_nothing() -> None:
    organization = registered()
    organization.collect_events()

    organization.rename(NAME, reason=None, actor="ada", at=AT)

    assert organization.collect_events() == []


def test_a_name_is_required() -> None:
    with pytest.raises(InvalidInput) as raised:
        Organization.register(uuid4(), EMPTY, EMPTY, None, actor="edith", at=AT)
    assert raised.value.field == "name"


def test_replaying_the_facts_gives_the_same_state() -> None:
    organization = registered()
    organization.rename(LocalizedText(fr="A", en="B"), reason=None, actor="ada", at=AT)
    replayed = None
    for fact in organization.collect_events():
        replayed = fact.mutate(replayed)
    assert replayed == organization


def test_localized_text_is_trimmed_and_bounded() -> None:
    text = LocalizedText.parse("name", "  Centre   de  jour ", None, required=True, max_length=20)
    assert text == LocalizedText(fr="Centre de jour", en="")
    with pytest.raises(InvalidInput) as raised:
        LocalizedText.parse("name", "x" * 21, None, required=True, max_length=20)
    assert raised.value.field == "name.fr"


@pytest.mark.parametrize("raw", ["example.org", "ftp://example.org", "https://", "http://a b.org"])
def test_a_website_must_be_an_http_address(raw: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_website("website", raw)
    assert raised.value.field == "website"


def test_a_blank_website_is_none() -> None:
    assert parse_website("website", "  ") is None
    assert parse_website("website", "https://211qc.ca") == "https://211qc.ca"
