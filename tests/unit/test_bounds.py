"""Every text and list a command takes is bounded in the domain, whoever built the value (the
API, the CLI, the HSDS importer, a demo loader): too long, too many, or holding a control
character, it is refused naming the field, and no fact is made."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from domain.coverage import CoverageAgreement
from domain.directory import Organization
from domain.errors import InvalidInput
from domain.interactions import (
    ContactChannel,
    Disposition,
    FollowUp,
    Inquirer,
    InquirerType,
    Interaction,
    NeedEntry,
    ReferralSnapshot,
)
from domain.locations import Location
from domain.records import VerificationMethod
from domain.services import Service
from domain.territories import Territory, TerritoryKind
from domain.values import (
    Address,
    LocalizedText,
    OpeningHours,
    Phone,
    Schedule,
    parse_languages,
    parse_taxonomy,
    parse_website,
)
from infra.cli.common import actor_name
from infra.tokens import TokenFileError, TokenStore

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NAME = LocalizedText(fr="Centre", en="")


def org(**changes: object) -> Organization:
    fields: dict[str, object] = {
        "id": uuid4(), "name": NAME, "description": NAME, "website": None, "actor": "rita",
        "at": AT, **changes,
    }  # fmt: skip
    return Organization.register(**fields)  # type: ignore[arg-type]


def service(**changes: object) -> Service:
    return Service.register(uuid4(), uuid4(), NAME, NAME, actor="rita", at=AT, **changes)  # type: ignore[arg-type]


def contact(**changes: object) -> Interaction:
    fields: dict[str, object] = {
        "key": "k", "channel": ContactChannel.PHONE, "started_at": AT, "answered_at": None,
        "ended_at": AT, "language": "fr", "interpreter": False, "counsellor": "Colette",
        "inquirer": Inquirer(InquirerType.SELF), "needs": (), "disposition":
        Disposition.COMPLETED, "follow_up": None, "actor": "colette", "at": AT, **changes,
    }  # fmt: skip
    return Interaction.log(**fields)  # type: ignore[arg-type]


def agreement(**changes: object) -> CoverageAgreement:
    fields: dict[str, object] = {
        "id": uuid4(), "territories": ["RA-06"], "channels": ["phone"],
        "effective_from": date(2024, 1, 1), "effective_until": None, "funder": "Centraide",
        "programme": None, "reason": None, "actor": "corinne", "at": AT, **changes,
    }  # fmt: skip
    return CoverageAgreement.agree(**fields)  # type: ignore[arg-type]


def territory(**changes: object) -> Territory:
    fields: dict[str, object] = {
        "code": "66023", "name": "Montréal", "kind": TerritoryKind.MUNICIPALITY,
        "parent_code": "QC", "population": 1, "groupings": [], "actor": "ref", "at": AT,
        **changes,
    }  # fmt: skip
    return Territory.define(**fields)  # type: ignore[arg-type]


SNAPSHOT = ReferralSnapshot(uuid4(), uuid4(), "Service", "Organisme", None, None)
PHONE = Phone("5145550000")
HOURS = OpeningHours(1, "09:00", "10:00")

CASES: list[tuple[str, Callable[[], object], str]] = [
    ("a long name", lambda: org(name=LocalizedText(fr="n" * 301, en="")), "name.fr"),
    ("a NUL in a name", lambda: org(name=LocalizedText(fr="a\x00b", en="")), "name.fr"),
    ("a long description",
     lambda: org(description=LocalizedText(fr="", en="d" * 10_001)), "description.en"),
    ("a control in a website", lambda: org(website="https://a.org/\x1b"), "website"),
    ("a long actor", lambda: org(actor="a" * 201), "actor"),
    ("a NUL in the actor", lambda: org(actor="a\x00"), "actor"),
    ("too many phones", lambda: service(phones=(PHONE,) * 21), "phones"),
    ("too many hours", lambda: service(schedule=Schedule(hours=(HOURS,) * 101)),
     "schedule.hours"),
    ("too many closed days",
     lambda: service(schedule=Schedule(closed_on=(date(2026, 1, 1),) * 401)), "schedule.closedOn"),
    ("too many languages", lambda: service(languages=("fr",) * 51), "languages"),
    ("too many taxonomy codes", lambda: service(taxonomy_codes=("BD",) * 51), "taxonomy_codes"),
    ("too many service areas", lambda: service(service_areas=("66023",) * 501), "service_areas"),
    ("a long eligibility",
     lambda: service(eligibility=LocalizedText(fr="e" * 10_001, en="")), "eligibility.fr"),
    ("a long street", lambda: Location.register(
        uuid4(), uuid4(), NAME, address=Address("s" * 301, "Laval", "H7T"), coordinates=None,
        actor="rita", at=AT), "address.street"),
    ("a long postal code", lambda: Address.parse("address", "1 rue", "Laval", "H" * 21),
     "address.postalCode"),
    ("a long counsellor", lambda: contact(counsellor="c" * 400_000), "input.counsellor"),
    ("too many needs", lambda: contact(needs=(NeedEntry("BD"),) * 51), "input.needs"),
    ("too many referrals", lambda: contact(needs=(NeedEntry("BD", (SNAPSHOT,) * 21),)),
     "input.needs[0].referralServiceIds"),
    ("long information", lambda: contact(needs=(NeedEntry("BD", information="i" * 2_001),)),
     "input.needs[0].information"),
    ("a NUL in a key", lambda: contact(key="k\x00"), "input.key"),
    ("a NUL in a funder", lambda: agreement(funder="Centraide\x00"), "funder"),
    ("a long programme", lambda: agreement(programme="p" * 1_001), "programme"),
    ("too many territories", lambda: agreement(territories=["RA-06"] * 2_001), "territories"),
    ("a NUL in a territory code", lambda: agreement(territories=["RA\x00"]), "territories[0]"),
    ("a NUL in a territory's name", lambda: territory(name="Mont\x00réal"), "name"),
    ("a long territory code", lambda: territory(code="6" * 51), "code"),
    ("too many groupings", lambda: territory(groupings=["CMM"] * 101), "groupings"),
    ("a control in a language", lambda: parse_languages("languages", ["f\x07r"]),
     "languages[0]"),
    ("a long taxonomy code", lambda: parse_taxonomy("taxonomy", ["B" * 51]), "taxonomy[0]"),
    ("a NUL in a website", lambda: parse_website("website", "https://a\x00.org"), "website"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make", "field"), CASES, ids=[c[0] for c in CASES])
def test_refused_naming_the_field(case: str, make: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        make()
    assert refused.value.field == field


def test_record_facts_refuse_long_or_poisoned_reasons() -> None:
    record = org()
    record.collect_events()
    changes: list[tuple[Callable[[], None], str]] = [
        (lambda: record.flag_for_review("r" * 1_001, actor="rita", at=AT), "reason"),
        (lambda: record.deactivate("r\x00", actor="rita", at=AT), "reason"),
        (lambda: record.rename(NAME, reason="r\x00", actor="rita", at=AT), "reason"),
        (lambda: record.verify(VerificationMethod.PHONE, "p" * 201, None, actor="rita", at=AT),
         "confirmedBy"),
        (lambda: record.verify(VerificationMethod.PHONE, "Mme Roy", "n\x00", actor="rita",
                               at=AT), "note"),
    ]  # fmt: skip
    for change, field in changes:
        with pytest.raises(InvalidInput) as refused:
            change()
        assert refused.value.field == field
    assert record.collect_events() == [], "no fact was made"


def test_a_text_at_its_bound_is_taken_and_descriptions_keep_their_lines() -> None:
    made = org(
        name=LocalizedText(fr="n" * 300, en=""), description=LocalizedText(fr="a\n\nb", en="")
    )
    assert len(made.name.fr) == 300
    assert made.description.fr == "a\n\nb"
    assert service(phones=(PHONE,) * 20, languages=("fr",) * 50).phones == [PHONE] * 20


def test_the_command_line_actor_follows_the_same_rule() -> None:
    assert actor_name("  Rita  Tremblay ") == "Rita Tremblay"
    for bad in ("r" * 201, "rita\x00", " "):
        with pytest.raises(argparse.ArgumentTypeError):
            actor_name(bad)


def test_a_contact_step_by_step_stays_bounded() -> None:
    opened = Interaction.open(
        key="k", channel=ContactChannel.CHAT, started_at=AT, answered_at=None, language="fr",
        interpreter=False, counsellor="Colette", inquirer=Inquirer(InquirerType.SELF),
        actor="colette", at=AT,
    )  # fmt: skip
    for _ in range(50):
        opened.identify_need("BD", actor="colette", at=AT)
    for _ in range(20):
        opened.give_information(0, "Banque alimentaire", actor="colette", at=AT)
        opened.refer(1, SNAPSHOT, actor="colette", at=AT)
        opened.schedule_follow_up(FollowUp(date(2026, 4, 1)), actor="colette", at=AT)
    made = len(opened.collect_events())
    steps: list[tuple[Callable[[], object], str]] = [
        (lambda: opened.identify_need("BD", actor="colette", at=AT), "input.code"),
        (lambda: opened.give_information(0, "encore", actor="colette", at=AT),
         "input.information"),
        (lambda: opened.refer(1, SNAPSHOT, actor="colette", at=AT), "input.serviceId"),
        (lambda: opened.schedule_follow_up(FollowUp(date(2026, 4, 1)), actor="colette", at=AT),
         "input.due"),
    ]  # fmt: skip
    for step, field in steps:
        with pytest.raises(InvalidInput) as refused:
            step()
        assert refused.value.field == field
    assert made == 1 + 50 + 60
    assert opened.collect_events() == []


def test_a_token_name_follows_the_actor_rule(tmp_path: Path) -> None:
    (tmp_path / "tokens").write_text(f"{'a' * 201} editor sha256:{'0' * 64}\n")
    with pytest.raises(TokenFileError, match="longer than 200"):
        TokenStore.load([tmp_path / "tokens"], None)
    with pytest.raises(TokenFileError, match="GUICHET_TOKENS entry 1: the name contains"):
        TokenStore.load([], "bob\x07:analyst:s3cret")
    assert TokenStore.load([], f"{'b' * 200}:analyst:s3cret").authenticate("s3cret") is not None
