"""Synthetic contacts whose make-up follows the 2018 annual report, referring to demo services.

The report's shares (language, gender, age, region, top places, top unmet needs) are met by
quotas, not by chance: each value gets its share of the contacts by largest remainder, and a
seeded shuffle spreads them over the period. Figures the report does not give (channels,
inquirer types, needs by category) are this module's assumptions, named as such below.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import TypeVar
from uuid import UUID

from domain import interactions as contact
from domain.handlers.contacts import ContactHandler, RecordContact
from domain.handlers.directory import DirectoryHandler
from domain.interactions import ContactNeed, Interaction, ReferralSnapshot, interaction_id
from infra.bulk import known_ids, load_many
from infra.demo import PLACES, TEMPLATES, demo_id, hub_name, load_demo, offers, service_phone
from infra.territories import reference_territories
from projections.interactions import MONTREAL
from projections.search_query import fold_text
from projections.statistics import report_region
from projections.territories import ancestors

ACTOR = "guichet:demo-calls"
K = TypeVar("K")

# From the report (communications, April to December 2018).
LANGUAGES = {"fr": 86.20, "en": 13.62, "es": 0.18}
GENDERS = {contact.Gender.FEMALE: 67.53, contact.Gender.MALE: 32.47}
AGES = {
    contact.AgeBand.UNDER_20: 4, contact.AgeBand.TWENTIES: 10, contact.AgeBand.THIRTIES: 16,
    contact.AgeBand.FORTIES: 15, contact.AgeBand.FIFTIES: 17, contact.AgeBand.SIXTIES: 17,
    contact.AgeBand.SEVENTY_PLUS: 20,
}  # fmt: skip
REGIONS = {
    "TE-66": 71.35, "TE-65": 10.14, "CMM-north-shore": 6.38, "CMM-south-shore": 2.61,
    "TE-58": 5.72, contact.CONFIDENTIAL: 3.80,
}  # fmt: skip
# Contacts of the places named in each region's top list; the rest of the region's contacts
# are spread evenly over its other places.
TOP_PLACES = {
    "TE-66": {
        "Rosemont-La Petite-Patrie": 1677, "Mercier-Hochelaga-Maisonneuve": 1662,
        "Ahuntsic-Cartierville": 1309, "Villeray-Saint-Michel-Parc-Extension": 1307,
        "Côte-des-Neiges-Notre-Dame-de-Grâce": 1237, "Ville-Marie": 1183,
        "Montréal-Nord": 1042, "Le Plateau-Mont-Royal": 913, "Le Sud-Ouest": 837,
        "Rivière-des-Prairies-Pointe-aux-Trembles": 750,
    },
    "TE-65": {"Chomedey": 725, "Laval-des-Rapides": 382, "Duvernay": 219, "Fabreville": 216,
              "Vimont": 188},
    "TE-58": {"Longueuil": 1050, "Brossard": 220, "Boucherville": 168, "Saint-Lambert": 71,
              "Saint-Bruno-de-Montarville": 36},
    "CMM-north-shore": {"Repentigny": 656, "Terrebonne": 214, "L'Assomption": 160,
                        "Mascouche": 91, "Saint-Eustache": 86},
    "CMM-south-shore": {"Châteauguay": 79, "Vaudreuil-Dorion": 65, "Chambly": 50,
                        "Sainte-Catherine": 41, "Candiac": 40},
}  # fmt: skip
REGION_CONTACTS = 26_840
REFERRALS_PER_CONTACT = 74_319 / REGION_CONTACTS
WAIT_SECONDS = 48
HANDLE_SECONDS = 330

# Unmet needs: the report's top ten with their counts (Guichet's demo codes), then the rest.
UNMET = {
    "BT-4500": 129,  # transport-accompagnement
    "BH-3000.5000": 91,  # services de déménageurs
    "PH-3300": 77,  # aide à domicile
    "BH-1800": 42,  # refuges pour les personnes itinérantes
    "BM-6500.1500": 41,  # collecte de dons à domicile
    "PH-7000": 36,  # déneigement résidentiel
    "NL-1000": 25,  # aide financière temporaire
    "BD-1800.2000": 24,  # aide alimentaire
    "PH-7500": 20,  # soins de relève
    "RP-1400": 16,  # groupes de soutien
    # Every other unmet need: the report gives only the top ten (an assumption, each below it).
    "LF-5000": 10,
    "LH-2700": 10,
    "FT-3000": 10,
    "DF-7000": 10,
    "TJ-3000": 9,
}
UNMET_SHARE = sum(UNMET.values()) / 50_392

# Assumptions (the report has no figures for these).
CHANNELS = {contact.ContactChannel.PHONE: 90, contact.ContactChannel.EMAIL: 10}
INQUIRERS = {contact.InquirerType.SELF: 80, contact.InquirerType.THIRD_PARTY: 12,
             contact.InquirerType.PROFESSIONAL: 8}  # fmt: skip
NEEDS_COUNT = {1: 36.0, 2: 40.25, 3: 23.75}  # mean 1.8775, as the report's 50,392 / 26,840
UNMET_REASON_SHARES = dict.fromkeys(contact.UnmetReason, 1.0)


@dataclass(frozen=True)
class Plan:
    count: int
    start: date
    end: date  # included
    seed: int = 211
    # In the contacts' keys instead of the start: a named plan's contacts are the same ones
    # whatever its dates, so a plan moved to another day finds them logged.
    name: str | None = None

    def key(self, index: int) -> str:
        return f"demo-{self.seed}-{self.name or self.start}-{index}"


# What `serve --demo` logs, once: enough for every table of the portrait to show figures.
RECENT_CONTACTS = 3_000


def quotas(weights: Mapping[K, float], total: int) -> list[K]:
    """`total` values, each as often as its weight says, rounded by largest remainder."""
    whole = sum(weights.values())
    exact = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    short = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: counts[k] - exact[k])[:short]:
        counts[key] += 1
    return [key for key, n in counts.items() for _ in range(n)]


def _shuffled(rng: random.Random, values: list[K]) -> list[K]:
    rng.shuffle(values)
    return values


def _name(text: str) -> str:
    dashes = str.maketrans({"\N{EN DASH}": "-", "\N{EM DASH}": "-"})
    return " ".join(fold_text(text.translate(dashes)).split())


def place_weights() -> dict[str, dict[str, float]]:
    """Each report region's places (boroughs and Laval's districts rather than their city)
    with their weights."""
    specs = reference_territories()
    parents = {spec.code: spec.parent_code for spec in specs}
    groupings = {spec.code: list(spec.groupings) for spec in specs}
    has_parts = {spec.parent_code for spec in specs if spec.kind.value == "borough"}
    regions: dict[str, list[tuple[str, str]]] = {}
    for spec in specs:
        if spec.kind.value not in ("municipality", "borough") or spec.code in has_parts:
            continue
        region = report_region(spec.code, ancestors(spec.code, parents, groupings))
        if region in TOP_PLACES:
            regions.setdefault(region, []).append((spec.code, _name(spec.name)))
    weights: dict[str, dict[str, float]] = {}
    for region, places in regions.items():
        top = {_name(name): n for name, n in TOP_PLACES[region].items()}
        total = REGION_CONTACTS * REGIONS[region] / 100
        others = [code for code, name in places if name not in top]
        rest = max(total - sum(top.values()), 0) / max(len(others), 1)
        weights[region] = {
            code: float(top.get(name, rest)) for code, name in places if name in top or rest
        }
        missing = set(top) - {name for _, name in places}
        if missing:
            raise LookupError(f"places of the report not in the reference: {sorted(missing)}")
    return weights


def _services() -> dict[str, list[ReferralSnapshot]]:
    """The demo services offered under each taxonomy code, as a counsellor would give them."""
    found: dict[str, list[ReferralSnapshot]] = {}
    for p_index, place in enumerate(PLACES):
        for t_index, template in enumerate(TEMPLATES):
            if not offers(p_index, t_index):
                continue
            found.setdefault(template.taxonomy, []).append(
                ReferralSnapshot(
                    service_id=demo_id("service", p_index, t_index),
                    organization_id=demo_id("organization", p_index),
                    service_name=template.fr,
                    organization_name=hub_name(p_index, place).fr,
                    phone=service_phone(p_index, t_index),
                    address=f"{place.street}, {place.city} {place.postal_code}",
                )
            )
    return found


def commands(plan: Plan) -> Iterator[RecordContact]:
    """The plan's contacts, as counsellors would log them."""
    rng = random.Random(plan.seed)  # noqa: S311 - reproducible demo data, not a secret
    n = plan.count
    languages = _shuffled(rng, quotas(LANGUAGES, n))
    genders = _shuffled(rng, quotas(GENDERS, n))
    ages = _shuffled(rng, quotas(AGES, n))
    channels = _shuffled(rng, quotas(CHANNELS, n))
    inquirers = _shuffled(rng, quotas(INQUIRERS, n))
    weights = place_weights()
    regions = quotas(REGIONS, n)
    places = {
        region: _shuffled(rng, quotas(weights[region], regions.count(region))) for region in weights
    }
    territories = _shuffled(
        rng,
        [contact.CONFIDENTIAL if region == contact.CONFIDENTIAL else places[region].pop()
         for region in regions],
    )  # fmt: skip
    need_counts = _shuffled(rng, quotas(NEEDS_COUNT, n))
    total_needs = sum(need_counts)
    unmet = _shuffled(rng, quotas(UNMET, round(total_needs * UNMET_SHARE)))
    unmet_slots = set(rng.sample(range(total_needs), len(unmet)))
    reasons = _shuffled(rng, quotas(UNMET_REASON_SHARES, len(unmet)))
    services = _services()
    codes = sorted(services)
    met_needs = total_needs - len(unmet)
    referrals_per_met = REFERRALS_PER_CONTACT * n / max(met_needs, 1)
    two = round((referrals_per_met - 1) * met_needs)
    referral_counts = _shuffled(rng, [2] * two + [1] * (met_needs - two))
    days = (plan.end - plan.start).days + 1
    slot = 0
    for index in range(n):
        day = plan.start + timedelta(days=index * days // n)
        started = datetime.combine(day, time(8), MONTREAL) + timedelta(
            seconds=rng.randrange(10 * 3600 - 900)
        )
        channel = channels[index]
        phone = channel is contact.ContactChannel.PHONE
        answered = started + timedelta(seconds=round(rng.expovariate(1 / WAIT_SECONDS)))
        ended = answered + timedelta(seconds=30 + round(rng.expovariate(1 / (HANDLE_SECONDS - 30))))
        needs = []
        for _ in range(need_counts[index]):
            if slot in unmet_slots:
                needs.append(ContactNeed(unmet.pop(), unmet_reason=reasons.pop().value))
            else:
                code = rng.choice(codes)
                chosen = rng.sample(services[code], referral_counts.pop())
                needs.append(ContactNeed(code, tuple(s.service_id for s in chosen)))
            slot += 1
        yield RecordContact(
            key=plan.key(index), channel=channel, started_at=started,
            answered_at=answered if phone else None, ended_at=ended,
            language=languages[index], interpreter=False,
            counsellor=f"demo-counsellor-{index % 9 + 1}",
            inquirer=contact.Inquirer(
                inquirers[index], ages[index], genders[index], territories[index],
            ),
            needs=tuple(needs), disposition=contact.Disposition.COMPLETED, follow_up=None,
        )  # fmt: skip


def generate(plan: Plan) -> Iterator[Interaction]:
    """The plan's contacts as the facts logging them would make, without reading the store
    (for measures and tests of what is done with logged contacts)."""
    snapshots = {s.service_id: s for found in _services().values() for s in found}
    for command in commands(plan):
        yield Interaction.log(
            key=command.key, channel=command.channel, started_at=command.started_at,
            answered_at=command.answered_at, ended_at=command.ended_at,
            language=command.language, interpreter=command.interpreter,
            counsellor=command.counsellor or ACTOR, inquirer=command.inquirer,
            needs=tuple(
                contact.NeedEntry(
                    need.code or "", tuple(snapshots[id] for id in need.service_ids),
                    unmet_reason=need.unmet_reason,
                )
                for need in command.needs
            ),
            disposition=command.disposition, follow_up=None, actor=ACTOR,
            at=command.started_at,
        )  # fmt: skip


class DemoDetails:
    """The demo services' addresses, known without the search view."""

    def __init__(self) -> None:
        self.known = {s.service_id: s for found in _services().values() for s in found}

    def referral_snapshots(self, ids: Sequence[UUID]) -> dict[UUID, ReferralSnapshot]:
        return {id: self.known[id] for id in ids if id in self.known}


def load_calls(
    handler: ContactHandler, plan: Plan, chunk: int = 2_000,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Logs the plan's contacts not logged yet, each through the handler's rules (the demo
    directory is saved first if it is not there); returns (saved, position). `on_chunk` is
    told how many of the plan's contacts are done (logged, or found logged before)."""
    operations = handler.operations
    load_demo(DirectoryHandler(operations, partial(load_many, operations)), datetime.now(UTC))
    return log_plan(handler, plan, chunk, on_chunk)


def log_plan(
    handler: ContactHandler, plan: Plan, chunk: int = 2_000,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[int, int]:  # fmt: skip
    """`load_calls` once the demo directory is there."""
    operations = handler.operations
    details = DemoDetails()
    saved, position = 0, operations.recorder.max_notification_id() or 0
    batch: list[RecordContact] = []
    done = 0
    for command in commands(plan):
        batch.append(command)
        if len(batch) >= chunk:
            count, position = _log_new(handler, batch, details, position)
            saved, done, batch = saved + count, done + len(batch), []
            if on_chunk is not None:
                on_chunk(done)
    count, position = _log_new(handler, batch, details, position)
    if on_chunk is not None:
        on_chunk(done + len(batch))
    return saved + count, position


def recent_plan(today: date, count: int = RECENT_CONTACTS) -> Plan:
    """The contacts of the twelve months before today's month and of this month up to
    yesterday, named rather than dated."""
    return Plan(count, date(today.year - 1, today.month, 1), today - timedelta(days=1),
                name="recent")  # fmt: skip


def load_recent_calls(handler: ContactHandler, today: date) -> int:
    """Logs `recent_plan`'s contacts unless its last one is logged (they are logged in order:
    a load stopped midway is finished); returns how many were logged. On a later day the plan
    has other dates but the same keys: nothing more is logged. The demo directory must be
    there (`serve --demo` has just loaded it)."""
    plan = recent_plan(today)
    if known_ids(handler.operations, [interaction_id(plan.key(plan.count - 1))]):
        return 0
    saved, _ = log_plan(handler, plan)
    return saved


def _log_new(
    handler: ContactHandler, batch: Sequence[RecordContact], details: DemoDetails, position: int
) -> tuple[int, int]:
    known = known_ids(handler.operations, [interaction_id(c.key) for c in batch])
    new = [command for command in batch if interaction_id(command.key) not in known]
    if not new:
        return 0, position
    results = handler.record_many(new, actor=ACTOR, details=details)
    positions = [position]
    for result in results:
        if isinstance(result, Exception):
            raise result  # the demo's own contacts break no rule
        positions.append(result.receipt.position)
    return len(new), max(positions)
