"""Every kind of fact, with the nastiest values the domain accepts (every text at its longest,
every list at its fullest; combining marks, right-to-left text, emoji, quotes, backslashes,
`%`, `_`, SQL and spreadsheet formulas, newlines where a text has lines): every view applies
them all, and a verified replay finds the same rows."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from domain import limits
from domain.coverage import TEXT_MAX, CoverageAgreement
from domain.directory import Organization
from domain.handlers.directory import (
    LinkServiceToLocation,
    MergeRecord,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
)
from domain.interactions import (
    AgeBand,
    ContactChannel,
    Disposition,
    FollowUp,
    Gender,
    Inquirer,
    InquirerType,
    Interaction,
    NeedEntry,
    ReferralSnapshot,
    UnmetReason,
)
from domain.locations import Location, ServiceAtLocation, service_at_location_id
from domain.operations import TerritorySpec
from domain.records import Record, VerificationMethod
from domain.services import Service
from domain.territories import TerritoryKind
from domain.text import parse_text
from domain.values import (
    Address,
    Coordinates,
    LocalizedText,
    OpeningHours,
    Phone,
    Schedule,
    iso639_codes,
)
from infra import replay
from infra.bootstrap import Container
from infra.clock import SystemClock
from infra.territories import load_reference, reference_territories

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PIECES = (
    "q\u0307\u0336",  # combining marks that compose with nothing
    "שָׁלוֹם",  # right-to-left, with points
    "مرحبا\u200f",  # Arabic, and a right-to-left mark
    "👩🏽\u200d⚕️",  # an emoji sequence joined by a zero-width joiner
    "'",
    '"',
    "\\",
    "%",
    "_",
    "'; DROP TABLE organizations; --",
    "=1+1",
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    "\\u0000",  # a backslash and five letters, not a NUL
    "$1",
    '{"a": [1]}',
    "<b>",
    "NULL",
    "\U0001d518\U0001d52b\U0001d526",  # outside the Basic Multilingual Plane
)


def nasty(length: int, multiline: bool = False, salt: str = "") -> str:
    """A text of exactly `length` characters that the domain takes as it is."""
    joiner = ("\n", " ", "\n\n") if multiline else (" ",)
    words = itertools.cycle(PIECES)
    separators = itertools.cycle(joiner)
    text = salt
    while len(text) < length:
        text += next(words) + next(separators)
    text = text[:length]
    while True:
        parsed = parse_text("x", text, max_length=length, multiline=multiline)
        if parsed == text and len(text) == length:
            return text
        # Trailing spaces or a cut that composes differently: end on plain letters.
        text = parsed.rstrip()
        text += "x" * (length - len(text))


def both(length: int, multiline: bool = False, salt: str = "") -> LocalizedText:
    return LocalizedText(
        fr=nasty(length, multiline, salt + "fr"), en=nasty(length, multiline, salt + "en")
    )


ACTOR = nasty(limits.PERSON_MAX, salt="actor")
NAME = both(limits.NAME_MAX)
LONG = both(limits.DESCRIPTION_MAX, multiline=True)
REASON = nasty(limits.REASON_MAX)
WEBSITE = "https://exemple.org/" + "%C3%A9_'\"\\é" * 150 + "?q=%_&x='1'--"


def website() -> str:
    return WEBSITE[: limits.WEBSITE_MAX]


def address(salt: str) -> Address:
    return Address(
        street=nasty(limits.STREET_MAX, salt=salt),
        city=nasty(limits.CITY_MAX, salt=salt),
        postal_code=nasty(limits.POSTAL_CODE_MAX, salt=salt).upper(),
        province=nasty(limits.REGION_MAX, salt=salt),
        country=nasty(limits.REGION_MAX, salt=salt + "c"),
    )


def schedule() -> Schedule:
    hours = tuple(
        OpeningHours(weekday=i % 7 + 1, opens=f"{i // 7:02d}:00", closes=f"{i // 7:02d}:30")
        for i in range(limits.HOURS_MAX)
    )
    closed = tuple(date(2026, 1, 1) + timedelta(days=n) for n in range(limits.CLOSED_DAYS_MAX))
    return Schedule(hours=hours, closed_on=closed)


PHONES = tuple(
    Phone(number=f"514555{n:04d}", kind="voice", extension="9" * limits.EXTENSION_MAX)
    for n in range(limits.PHONES_MAX)
)
LANGUAGES = tuple(sorted(code for code in iso639_codes() if len(code) == 2)[: limits.LANGUAGES_MAX])
TAXONOMY = tuple(f"B{chr(65 + i % 26)}-{1000 + i:04d}.{2000 + i:04d}" for i in range(50))


def territories(container: Container) -> list[str]:
    """The reference, and enough places with nasty codes and names to fill an agreement."""
    load_reference(container.operations, SystemClock())
    known = [spec.code for spec in reference_territories()]
    extra = [
        TerritorySpec(
            code=f"X'%_\\\"{n}"[: limits.CODE_MAX], name=nasty(limits.NAME_MAX, salt=str(n)),
            kind=TerritoryKind.MUNICIPALITY, parent_code="QC", population=n,
            groupings=tuple(known[: limits.GROUPINGS_MAX]) if n == 0 else (),
        )
        for n in range(limits.AGREEMENT_TERRITORIES_MAX - len(known))
    ]  # fmt: skip
    container.operations.define_territories(extra, actor=ACTOR, at=AT)
    return known + [spec.code for spec in extra]


def edit(container: Container, cls: type[Record], id: UUID, change: object) -> None:
    record: Record = container.operations.repository.get(id)
    container.operations.edit_record(cls, id, record.version, change)  # type: ignore[arg-type]


def record_life(container: Container, cls: type[Record], ids: tuple[UUID, UUID]) -> None:
    """Verify, flag, deactivate, reactivate, then merge the first into the second."""
    first, second = ids
    method = VerificationMethod.PHONE
    for change in (
        lambda r: r.verify(method, ACTOR, REASON, actor=ACTOR, at=AT),
        lambda r: r.flag_for_review(REASON, actor=ACTOR, at=AT),
        lambda r: r.deactivate(REASON, actor=ACTOR, at=AT),
        lambda r: r.reactivate(REASON, actor=ACTOR, at=AT),
    ):
        edit(container, cls, first, change)
    container.directory_handler.merge_record(MergeRecord(
        first, container.operations.repository.get(first).version, second, REASON,
    ), actor=ACTOR, at=AT)  # fmt: skip


def directory(container: Container, areas: list[str]) -> tuple[UUID, UUID]:
    operations = container.operations
    handler = container.directory_handler
    orgs = (uuid4(), uuid4())
    for id in orgs:
        command = RegisterOrganization(id, NAME, LONG, website())
        handler.register_organization(command, actor=ACTOR, at=AT)
    edit(container, Organization, orgs[0], lambda o: o.amend(
        name=both(limits.NAME_MAX, salt="2"), description=both(10_000, True, "2"),
        website="https://autre.example/'%_", reason=REASON, actor=ACTOR, at=AT,
    ))  # fmt: skip
    services = (uuid4(), uuid4())
    for id in services:
        handler.register_service(RegisterService(
            id, orgs[1], NAME, LONG, service_areas=tuple(areas[: limits.SERVICE_AREAS_MAX]),
            taxonomy_codes=TAXONOMY, languages=LANGUAGES, eligibility=LONG, fees=LONG,
            application_process=LONG, phones=PHONES, schedule=schedule(),
        ), actor=ACTOR, at=AT)  # fmt: skip
    edit(container, Service, services[0], lambda s: s.amend(
        name=both(limits.NAME_MAX, salt="3"), description=both(10_000, True, "3"),
        phones=PHONES[:1], schedule=Schedule(), service_areas=tuple(areas[:1]),
        taxonomy_codes=TAXONOMY[:1], languages=LANGUAGES[:1],
        eligibility=both(10_000, True, "4"), fees=both(10_000, True, "5"),
        application_process=both(10_000, True, "6"), reason=REASON, actor=ACTOR, at=AT,
    ))  # fmt: skip
    locations = (uuid4(), uuid4())
    for id in locations:
        handler.register_location(RegisterLocation(
            id, orgs[1], NAME, address=address("a"), coordinates=Coordinates(45.5, -73.6),
            description=LONG, accessibility=LONG,
        ), actor=ACTOR, at=AT)  # fmt: skip
    edit(container, Location, locations[0], lambda loc: loc.move(
        address("b"), None, reason=REASON, actor=ACTOR, at=AT))  # fmt: skip
    edit(container, Location, locations[0], lambda loc: loc.change_accessibility(
        both(10_000, True, "7"), reason=REASON, actor=ACTOR, at=AT))  # fmt: skip
    handler.link_service_to_location(
        LinkServiceToLocation(services[1], locations[1]), actor=ACTOR, at=AT
    )
    link = service_at_location_id(services[1], locations[1])
    unlinked: object = operations.repository.get(link)
    assert isinstance(unlinked, ServiceAtLocation)
    unlinked.unlink(REASON, actor=ACTOR, at=AT)
    operations.save(unlinked)
    record_life(container, Organization, orgs)
    record_life(container, Service, services)
    record_life(container, Location, locations)
    return services[1], orgs[1]


def coverage(container: Container, codes: list[str]) -> None:
    operations = container.operations
    text = nasty(TEXT_MAX, salt="funder")
    agreement = CoverageAgreement.agree(
        uuid4(), codes[: limits.AGREEMENT_TERRITORIES_MAX], ["phone", "web", "chat", "email"],
        date(2020, 1, 1), date(2021, 1, 1), text, text, text, actor=ACTOR, at=AT,
    )  # fmt: skip
    operations.agree_coverage(agreement)
    for change in (
        lambda a: a.extend(date(2022, 1, 1), text, actor=ACTOR, at=AT),
        lambda a: a.end_early(date(2021, 6, 1), text, actor=ACTOR, at=AT),
        lambda a: a.amend(codes[:10], ["phone"], date(2020, 2, 1), text, text, text,
                          actor=ACTOR, at=AT),
        lambda a: a.cancel(text, actor=ACTOR, at=AT),
    ):  # fmt: skip
        operations.edit_record(
            CoverageAgreement, agreement.id, operations.repository.get(agreement.id).version,
            change,
        )  # fmt: skip
    nasty_codes = [code for code in codes if code.startswith("X")]
    day = date(2025, 1, 1)
    operations.edit_territory(nasty_codes[1], lambda t: t.rename(
        nasty(limits.NAME_MAX, salt="renamed"), day, REASON, actor=ACTOR, at=AT))  # fmt: skip
    operations.edit_territory(nasty_codes[1], lambda t: t.move(
        nasty_codes[2], day, REASON, actor=ACTOR, at=AT))  # fmt: skip
    operations.edit_territory(nasty_codes[3], lambda t: t.merge_into(
        nasty_codes[4], day, REASON, actor=ACTOR, at=AT))  # fmt: skip


def contacts(container: Container, service: UUID, organization: UUID, place: str) -> None:
    operations = container.operations
    snapshot = ReferralSnapshot(
        service_id=service, organization_id=organization,
        service_name=nasty(limits.NAME_MAX, salt="s"),
        organization_name=nasty(limits.NAME_MAX, salt="o"), phone="5145550000",
        address=nasty(limits.STREET_MAX, salt="addr"),
    )  # fmt: skip
    info = nasty(limits.INFORMATION_MAX, multiline=True)
    # Every list at its fullest and every text at its longest, but not all in one fact: a
    # contact of 50 needs each with 20 such referrals is a fact of about a megabyte, which
    # the log's writer must take without stalling (its own tests), not every view's test.
    needs = (
        NeedEntry(code=TAXONOMY[0], information=info, referrals=(snapshot,) * limits.REFERRALS_MAX),
        NeedEntry(code=TAXONOMY[1], information=info,
                  unmet_reason=UnmetReason.COST_TOO_HIGH.value, unmet_note=info),
        *(NeedEntry(code=TAXONOMY[n % len(TAXONOMY)], information=nasty(100, True, str(n)))
          for n in range(2, limits.NEEDS_MAX)),
    )  # fmt: skip
    inquirer = Inquirer(InquirerType.THIRD_PARTY, AgeBand.SEVENTY_PLUS, Gender.OTHER, place)
    started = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    logged = Interaction.log(
        key=nasty(limits.KEY_MAX, salt="key"), channel=ContactChannel.PHONE, started_at=started,
        answered_at=started, ended_at=started + timedelta(minutes=30), language="fr",
        interpreter=True, counsellor=nasty(limits.PERSON_MAX, salt="c"), inquirer=inquirer,
        needs=needs, disposition=Disposition.COMPLETED,
        follow_up=FollowUp(date(2026, 3, 9), info), actor=ACTOR, at=AT,
    )  # fmt: skip
    operations.log_interaction(logged)
    opened = Interaction.open(
        key=nasty(limits.KEY_MAX, salt="key2"), channel=ContactChannel.CHAT, started_at=started,
        answered_at=None, language="en", interpreter=False,
        counsellor=nasty(limits.PERSON_MAX, salt="c2"), inquirer=inquirer, actor=ACTOR, at=AT,
    )  # fmt: skip
    operations.open_interaction(opened)
    steps = [
        lambda i: i.identify_need(TAXONOMY[0], actor=ACTOR, at=AT),
        lambda i: i.identify_need(TAXONOMY[1], actor=ACTOR, at=AT),
        lambda i: i.identify_need(TAXONOMY[2], actor=ACTOR, at=AT),
        *[lambda i: i.refer(0, snapshot, actor=ACTOR, at=AT)] * limits.REFERRALS_MAX,
        lambda i: i.give_information(0, info, actor=ACTOR, at=AT),
        lambda i: i.record_unmet(1, UnmetReason.LANGUAGE_BARRIER.value, info, actor=ACTOR, at=AT),
        lambda i: i.withdraw_need(2, REASON, actor=ACTOR, at=AT),
        lambda i: i.close(started + timedelta(hours=1), Disposition.COMPLETED, actor=ACTOR,
                          at=AT),
        lambda i: i.schedule_follow_up(FollowUp(date(2026, 4, 1), info), actor=ACTOR, at=AT),
        lambda i: i.complete_follow_up(0, info, actor=ACTOR, at=AT),
        lambda i: i.correct_inquirer(Inquirer(InquirerType.SELF, territory="confidential"),
                                     REASON, actor=ACTOR, at=AT),
        lambda i: i.correct_disposition(Disposition.TEST, REASON, actor=ACTOR, at=AT),
    ]  # fmt: skip
    for step in steps:
        operations.change_interaction(opened.id, step)


def test_every_view_applies_the_nastiest_facts_and_a_replay_agrees(container: Container) -> None:
    codes = territories(container)
    service, organization = directory(container, codes)
    coverage(container, codes)
    contacts(container, service, organization, codes[-1])
    for runner in container.runners.values():
        runner.catch_up()
    head = container.head()
    for status in container.status():
        assert (status.name, status.lag, status.error) == (status.name, 0, None)
    verdicts = replay.verify(container, [])
    assert {v.view for v in verdicts} == set(container.views)
    for verdict in verdicts:
        assert verdict.identical, verdict
        assert verdict.position == head
