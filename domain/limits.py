"""The bounds of every text and list a command takes, in one place: the value constructors and
aggregate methods apply them, and the GraphQL schema states them in its descriptions.

Texts are counted in characters after trimming and folding (`domain.text.parse_text`).
"""

from __future__ import annotations

from collections.abc import Sized

from domain.errors import InvalidInput

# Texts.
NAME_MAX = 300  # a record's or a territory's name, a funder, a programme
DESCRIPTION_MAX = 10_000  # descriptions, eligibility, fees, application process, accessibility
REASON_MAX = 1_000  # why a change was made
PERSON_MAX = 200  # a counsellor, who confirmed a record, who a fact is recorded as (actor)
INFORMATION_MAX = 2_000  # information given for a need, notes, a follow-up's outcome
KEY_MAX = 200  # a contact's idempotency key
STREET_MAX = 300
CITY_MAX = 300
POSTAL_CODE_MAX = 20
REGION_MAX = 100  # province or state, country
WEBSITE_MAX = 2_000
PHONE_MAX = 50  # a phone number as written, before its digits are kept
EXTENSION_MAX = 10
CODE_MAX = 50  # a territory, taxonomy or language code

# Lists.
NEEDS_MAX = 50  # needs of one contact
REFERRALS_MAX = 20  # referrals of one need
INFORMATION_ENTRIES_MAX = 20  # information given for one need, step by step
FOLLOW_UPS_MAX = 20  # follow-ups of one contact
PHONES_MAX = 20
HOURS_MAX = 100  # opening hours entries of one schedule
CLOSED_DAYS_MAX = 400
LANGUAGES_MAX = 50
TAXONOMY_MAX = 50
SERVICE_AREAS_MAX = 500
AGREEMENT_TERRITORIES_MAX = 2_000  # territories of one coverage agreement
CHANNELS_MAX = 10
GROUPINGS_MAX = 100  # groupings a territory belongs to


def bounded(field: str, items: Sized, most: int) -> None:
    """Refuses a list longer than `most` items, before any of them is looked at."""
    if len(items) > most:
        raise InvalidInput(field, f"has {len(items):,} items; at most {most:,}")


def at_most(count: int, what: str = "characters") -> str:
    """How the schema states a bound, in the description of an input field or argument."""
    return f"At most {count:,} {what}."


# Taxonomy terms.
SYNONYMS_MAX = 30  # synonyms of one term in one language
SYNONYM_MAX = 100  # one synonym
TERMS_MAX = 20_000  # terms of one batch of definitions
