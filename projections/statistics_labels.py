"""The names of the statistics' keys in French and English: the values of the contact record's
lists (channel, inquirer, age, gender, reasons), the report's regions, the totals and the
directory figures, as data next to their enums; languages by their ISO 639 names.

Needs and categories are named by the taxonomy, organisations and places by their records.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from domain.contact_values import (
    CONFIDENTIAL,
    AgeBand,
    ContactChannel,
    Gender,
    InquirerType,
    UnmetReason,
)
from projections.statistics import NONE, NORTH_SHORE, SOUTH_SHORE, UNKNOWN

Names = dict[str, tuple[str, str]]  # key → (French, English)

CHANNELS: Names = {
    ContactChannel.PHONE: ("Téléphone", "Phone"),
    ContactChannel.EMAIL: ("Courriel", "Email"),
    ContactChannel.CHAT: ("Clavardage", "Chat"),
    ContactChannel.IN_PERSON: ("En personne", "In person"),
}
INQUIRERS: Names = {
    InquirerType.SELF: ("Pour soi-même", "For themselves"),
    InquirerType.THIRD_PARTY: ("Pour un proche", "For someone else"),
    InquirerType.PROFESSIONAL: ("Professionnel", "Professional"),
}
AGE_BANDS: Names = {
    AgeBand.UNDER_20: ("Moins de 20 ans", "Under 20"),
    AgeBand.TWENTIES: ("20 à 29 ans", "20 to 29"),
    AgeBand.THIRTIES: ("30 à 39 ans", "30 to 39"),
    AgeBand.FORTIES: ("40 à 49 ans", "40 to 49"),
    AgeBand.FIFTIES: ("50 à 59 ans", "50 to 59"),
    AgeBand.SIXTIES: ("60 à 69 ans", "60 to 69"),
    AgeBand.SEVENTY_PLUS: ("70 ans et plus", "70 and over"),
}
GENDERS: Names = {
    Gender.FEMALE: ("Femme", "Woman"),
    Gender.MALE: ("Homme", "Man"),
    Gender.OTHER: ("Autre", "Other"),
}
UNMET_REASONS: Names = {
    UnmetReason.NOT_AVAILABLE_IN_TERRITORY: (
        "Service non offert sur le territoire", "Service not available in the territory",
    ),
    UnmetReason.ELIGIBILITY_NOT_MET: (
        "Critères d'admissibilité non remplis", "Eligibility criteria not met",
    ),
    UnmetReason.COST_TOO_HIGH: ("Coût trop élevé", "Cost too high"),
    UnmetReason.SCHEDULE_UNSUITABLE: ("Horaire inadéquat", "Unsuitable hours"),
    UnmetReason.WAITING_LIST_FULL: ("Liste d'attente complète", "Waiting list full"),
    UnmetReason.LANGUAGE_BARRIER: ("Barrière linguistique", "Language barrier"),
    UnmetReason.NO_TRANSPORT: ("Aucun transport", "No transport"),
}  # fmt: skip
# The regions of the annual report that are not places (`projections.statistics`); the
# administrative regions are named by the territories.
REGIONS: Names = {
    "TE-66": ("Montréal", "Montréal"),
    "TE-65": ("Laval", "Laval"),
    "TE-58": ("Agglomération de Longueuil", "Longueuil agglomeration"),
    NORTH_SHORE: ("Couronne Nord", "North Shore (CMM)"),
    SOUTH_SHORE: ("Couronne Sud", "South Shore (CMM)"),
    CONFIDENTIAL: ("Adresses confidentielles", "Confidential addresses"),
    UNKNOWN: ("Territoire non précisé", "Territory not given"),
}
# The CSV's totals and averages, and the directory figures (`projections.directory_statistics`).
TOTALS: Names = {
    "contacts": ("Contacts", "Contacts"),
    "needs": ("Besoins", "Needs"),
    "referrals": ("Références", "Referrals"),
    "unmet_needs": ("Besoins non comblés", "Unmet needs"),
    "interpreter_used": ("Avec interprète", "With an interpreter"),
    "needs_per_contact": ("Besoins par contact", "Needs per contact"),
    "referrals_per_contact": ("Références par contact", "Referrals per contact"),
    "average_wait_seconds": ("Attente moyenne (secondes)", "Average wait (seconds)"),
    "average_handle_seconds": ("Durée moyenne (secondes)", "Average handling time (seconds)"),
}
DIRECTORY_KINDS: Names = {
    "organization": ("Organismes", "Organizations"),
    "service": ("Services", "Services"),
    "location": ("Lieux", "Locations"),
}
DIRECTORY_FIGURES: Names = {
    "active": ("actifs", "active"),
    "added": ("ajoutés", "added"),
    "updated": ("mis à jour", "updated"),
    "verified": ("vérifiés", "verified"),
    "deactivated": ("désactivés", "deactivated"),
}
# Answers not given, in every table that has them.
NOT_GIVEN: Names = {UNKNOWN: ("Non précisé", "Not given"), NONE: ("Non précisé", "Not given")}

# Tables whose keys are one of the lists above; `month` is keyed by channel, and the reasons of
# each unmet need by reason.
TABLES: dict[str, Names] = {
    "language": {},  # named by ISO 639 (`language_name`)
    "channel": CHANNELS,
    "month": CHANNELS,
    "inquirer_type": INQUIRERS,
    "age_band": AGE_BANDS,
    "gender": GENDERS,
    "unmet_reason": UNMET_REASONS,
    "unmet_need_reason": UNMET_REASONS,
    "region": REGIONS,
    "total": TOTALS,
    "average": TOTALS,
}


def pick(names: tuple[str, str], language: str) -> str:
    return names[1] if language == "en" else names[0]


def table_label(table: str, key: str, language: str) -> str | None:
    """The name of a key of a table named here, or None when the table is not one of these
    (or the key is not in its list)."""
    if table == "language" and key not in NOT_GIVEN:
        return language_name(key, language)
    names = TABLES.get(table)
    if names is None:
        return None
    found = names.get(key) or NOT_GIVEN.get(key)
    return None if found is None else pick(found, language)


def directory_label(kind: str, figure: str, language: str) -> str:
    """ "Organizations: added", "Organismes : ajoutés"."""
    kinds = DIRECTORY_KINDS.get(kind, (kind, kind))
    figures = DIRECTORY_FIGURES.get(figure, (figure, figure))
    if language == "en":
        return f"{kinds[1]}: {figures[1]}"
    return f"{kinds[0]} : {figures[0]}"


@cache
def french_catalogue() -> gettext.NullTranslations:
    """ISO 639's language names in French, as pycountry ships them: the one place both the
    labels here and the import's reading of language names open it."""
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)


@cache
def language_name(code: str, language: str) -> str:
    """An ISO 639 code's name in English or French ("Spanish", "Espagnol"); the code itself
    when ISO 639 does not know it."""
    found = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
    if found is None:
        return code
    name = str(found.name)
    return french_catalogue().gettext(name) if language == "fr" else name
