"""A bilingual demo directory across Greater Montréal, written for Guichet (not real records)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.handlers.directory import (
    DirectoryHandler,
    LinkServiceToLocation,
    RegisterLocation,
    RegisterOrganization,
    RegisterService,
    Registration,
)
from domain.values import (
    NO_TEXT,
    Address,
    Coordinates,
    LocalizedText,
    OpeningHours,
    Phone,
    Schedule,
)

ACTOR = "guichet:demo"


@dataclass(frozen=True)
class Template:
    fr: str
    en: str
    about_fr: str
    about_en: str
    taxonomy: str
    languages: tuple[str, ...]
    eligibility_fr: str = ""
    eligibility_en: str = ""


@dataclass(frozen=True)
class Place:
    code: str
    city: str
    street: str
    postal_code: str
    latitude: float
    longitude: float


TEMPLATES = [
    Template(
        "Dépannage alimentaire",
        "Emergency food aid",
        "Paniers d'épicerie une fois par semaine.",
        "Weekly grocery baskets.",
        "BD-1800.2000",
        ("fr", "en"),
        "Sur présentation d'une preuve de revenu",
        "With proof of income",
    ),
    Template(
        "Cuisine collective",
        "Collective kitchen",
        "Préparer ensemble des repas économiques.",
        "Cook affordable meals together.",
        "BD-5000",
        ("fr",),
    ),
    Template(
        "Popote roulante",
        "Meals on wheels",
        "Repas chauds livrés aux aînés.",
        "Hot meals delivered to seniors.",
        "BD-5000.6500",
        ("fr", "en"),
        "Personnes de 65 ans et plus",
        "People aged 65 and over",
    ),
    Template(
        "Aide aux devoirs",
        "Homework help",
        "Soutien scolaire pour le primaire et le secondaire.",
        "Tutoring for elementary and high school.",
        "HH-0500.8000",
        ("fr", "en", "es"),
    ),
    Template(
        "Francisation des adultes",
        "French classes for adults",
        "Cours de français pour personnes immigrantes.",
        "French classes for newcomers.",
        "HH-0500.2500",
        ("fr", "ar", "es"),
    ),
    Template(
        "Clinique d'impôts",
        "Tax clinic",
        "Déclarations de revenus remplies par des bénévoles.",
        "Volunteers prepare income tax returns.",
        "NL-6000",
        ("fr", "en"),
        "Revenu modeste",
        "Low income",
    ),
    Template(
        "Friperie communautaire",
        "Community thrift store",
        "Vêtements et articles usagés à petit prix.",
        "Low-cost second-hand clothing and goods.",
        "BM-6500",
        ("fr",),
    ),
    Template(
        "Ligne d'écoute",
        "Listening line",
        "Écoute anonyme et confidentielle.",
        "Anonymous and confidential listening.",
        "RP-1500",
        ("fr", "en"),
    ),
    Template(
        "Halte-garderie",
        "Drop-in daycare",
        "Garde ponctuelle des enfants de 0 à 5 ans.",
        "Occasional care for children aged 0 to 5.",
        "PH-1250",
        ("fr", "en"),
    ),
    Template(
        "Déneigement pour aînés",
        "Snow removal for seniors",
        "Déneigement des entrées pour personnes âgées.",
        "Driveway snow clearing for older adults.",
        "PH-7000",
        ("fr",),
        "Aînés à mobilité réduite",
        "Seniors with reduced mobility",
    ),
    Template(
        "Comité logement",
        "Housing committee",
        "Information sur les droits des locataires.",
        "Tenant rights information.",
        "BH-7000",
        ("fr", "en"),
    ),
    Template(
        "Accompagnement-transport médical",
        "Medical transportation",
        "Accompagnement bénévole aux rendez-vous médicaux.",
        "Volunteer escorts to medical appointments.",
        "BT-4500",
        ("fr",),
    ),
]

PLACES = [
    Place("65005", "Laval", "1600 boul. Saint-Martin E.", "H7G 4R8", 45.5606, -73.7129),
    Place("65005", "Laval", "4 place Laval", "H7N 1A1", 45.5412, -73.6934),
    Place("66023", "Montréal", "4020 rue Saint-Denis", "H2W 2M5", 45.5200, -73.5770),
    Place("66023", "Montréal", "6600 ch. de la Côte-des-Neiges", "H3S 2A9", 45.5011, -73.6317),
    Place("66023", "Montréal", "8255 rue Lajeunesse", "H2P 2G7", 45.5459, -73.6405),
    Place("66023", "Montréal", "2000 rue Parthenais", "H2K 3S9", 45.5348, -73.5528),
    Place("58227", "Longueuil", "150 rue Saint-Charles O.", "J4H 1C7", 45.5371, -73.5104),
    Place("64008", "Terrebonne", "775 rue Saint-Jean-Baptiste", "J6W 1B5", 45.6961, -73.6471),
    Place("73015", "Blainville", "1000 ch. du Plan-Bouchard", "J7C 3S9", 45.6701, -73.8821),
    Place("60013", "Repentigny", "435 boul. Iberville", "J6A 2B6", 45.7422, -73.4501),
    Place("66097", "Pointe-Claire", "451 boul. Saint-Jean", "H9R 3J3", 45.4485, -73.8166),
    Place("58007", "Brossard", "2001 boul. de Rome", "J4W 3K5", 45.4584, -73.4647),
    Place("74005", "Mirabel", "14111 rue Saint-Jean", "J7J 1Y3", 45.6502, -74.0834),
    Place("67050", "Châteauguay", "5 boul. D'Youville", "J6J 2P8", 45.3801, -73.7490),
    Place("72005", "Saint-Eustache", "145 rue Saint-Louis", "J7R 1X9", 45.5650, -73.9053),
    Place("71083", "Vaudreuil-Dorion", "2555 rue Dutrisac", "J7V 7E6", 45.3980, -74.0280),
    Place("64015", "Mascouche", "3034 ch. Sainte-Marie", "J7K 1P1", 45.7460, -73.6010),
    Place("58033", "Boucherville", "500 rue de la Rivière-aux-Pins", "J4B 2Z7", 45.5910, -73.4370),
    Place("66142", "Dollard-des-Ormeaux", "12001 boul. De Salaberry", "H9B 2A7", 45.4930, -73.8190),
    Place("66032", "Westmount", "4574 rue Sherbrooke O.", "H3Z 1E9", 45.4840, -73.5990),
    Place("58012", "Saint-Lambert", "55 av. Victoria", "J4P 2H7", 45.5000, -73.5080),
    Place("73010", "Sainte-Thérèse", "6 rue de l'Église", "J7E 3L1", 45.6390, -73.8430),
    Place("75017", "Saint-Jérôme", "280 rue Labelle", "J7Z 5L1", 45.7790, -74.0030),
    Place("59020", "Varennes", "175 rue Sainte-Anne", "J3X 1T5", 45.6830, -73.4330),
]

WEEKDAYS = Schedule(tuple(OpeningHours(day, "09:00", "17:00") for day in range(1, 6)))
EVENINGS = Schedule(tuple(OpeningHours(day, "13:00", "20:00") for day in (1, 3, 4)))


def demo_id(*parts: object) -> UUID:
    return uuid5(NAMESPACE_URL, "guichet:demo:" + ":".join(map(str, parts)))


def hub_name(p_index: int, place: Place) -> LocalizedText:
    return LocalizedText(f"Carrefour communautaire de {place.city} {p_index + 1}",
                         f"{place.city} Community Hub {p_index + 1}")  # fmt: skip


def offers(p_index: int, t_index: int) -> bool:
    """Not every hub offers everything."""
    return (p_index + t_index) % 6 != 5


def service_phone(p_index: int, t_index: int) -> str:
    return f"514555{p_index:02d}{t_index:02d}"


def records() -> Iterator[Registration]:
    """A community hub at each place offering most templates: 240 services in all."""
    for p_index, place in enumerate(PLACES):
        organization = RegisterOrganization(
            demo_id("organization", p_index), hub_name(p_index, place),
            LocalizedText("Organisme de démonstration.", "Demonstration organization."),
        )  # fmt: skip
        yield organization
        location = RegisterLocation(
            demo_id("location", p_index), organization.id,
            LocalizedText(f"Point de service {place.city}", f"{place.city} service point"),
            address=Address(place.street, place.city, place.postal_code),
            coordinates=Coordinates(place.latitude, place.longitude),
        )  # fmt: skip
        yield location
        for t_index, template in enumerate(TEMPLATES):
            if not offers(p_index, t_index):
                continue
            service = RegisterService(
                demo_id("service", p_index, t_index), organization.id,
                LocalizedText(template.fr, template.en),
                LocalizedText(template.about_fr, template.about_en),
                taxonomy_codes=(template.taxonomy,), languages=template.languages,
                service_areas=(place.code if t_index % 3 else "CMM",),
                eligibility=LocalizedText(template.eligibility_fr, template.eligibility_en)
                if template.eligibility_fr else NO_TEXT,
                phones=(Phone(service_phone(p_index, t_index)),),
                schedule=EVENINGS if t_index % 4 == 0 else WEEKDAYS,
            )  # fmt: skip
            yield service
            yield LinkServiceToLocation(service.id, location.id)


def load_demo(handler: DirectoryHandler, at: datetime) -> int:
    """Registers the demo records not there yet, by the directory's rules (the territories must
    be loaded first); returns how many were new."""
    receipt = handler.register_all(list(records()), actor=ACTOR, at=at)
    if receipt.refused:
        raise receipt.refused[0].error  # the demo breaks a rule: a fault of the demo data
    return len(receipt.new)
