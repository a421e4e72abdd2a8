"""The statistics' GraphQL types and arguments: the annual report's figures as a client reads
them, public or exact."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.errors import ConsistencyTimeoutError, InvalidInputError
from api.vocabulary import ContactChannel, Language
from domain import limits
from projections.statistics_report import Figure as Figure_
from projections.statistics_report import Published, to_csv

TOP_MAX = 100
TIMEZONE = "America/Montreal"
SUPPRESSED = "Null when suppressed (public figures only)."
TABLE = "Contacts by {}, with each row's share of the contacts."

LanguageArgument = Annotated[
    Language, strawberry.argument(description="The language of the labels (`label`, `csv`).")
]
From = Annotated[
    date,
    strawberry.argument(
        name="from", description="The first day, included (a date, Montréal time)."
    ),
]
To = Annotated[
    date, strawberry.argument(description="The last day, included (a date, Montréal time).")
]
Place = Annotated[
    str | None,
    strawberry.argument(
        description="Only this place and every place inside it, by territory code (`66023`, "
        f"`RA-06`…); the whole province when left out. At most {limits.CODE_MAX} characters."
    ),
]
ChannelArgument = Annotated[
    ContactChannel | None,  # type: ignore[valid-type]
    strawberry.argument(description="Only the contacts of this channel; all when left out."),
]
Top = Annotated[
    int,
    strawberry.argument(
        description=f"How many rows the `top…` tables hold (per region in `topPlaces`): 1 to "
        f"{TOP_MAX}."
    ),
]


@strawberry.type(description="A total of the report, which public figures may suppress.")
class Figure:
    value: int | None = strawberry.field(description=SUPPRESSED)
    suppressed: bool = strawberry.field(
        description="True when the count is below the threshold and left out (public figures)."
    )

    @classmethod
    def of(cls, figure: Figure_) -> Figure:
        return cls(value=figure.value, suppressed=figure.suppressed)


@strawberry.type(description="A row of a table of the report.")
class StatisticsCell:
    group: str = strawberry.field(
        description="The month, region or need the cell belongs to, in grouped tables; empty in "
        "the others."
    )
    key: str = strawberry.field(
        description="What the row counts, as a code: a channel, an ISO 639 language, a "
        "territory code, a taxonomy code, an organization's id, `unknown`…"
    )
    label: str = strawberry.field(description="The key's name, in the language asked.")
    count: int | None = strawberry.field(
        description="The count, randomly rounded in public figures. Never null: a suppressed "
        "cell is left out (see `suppressed`)."
    )
    share: float | None = strawberry.field(
        description="Percent of the table's whole (of the group's, in grouped tables), two "
        "decimals."
    )
    suppressed: bool = strawberry.field(
        description="Always false: public figures leave a suppressed cell out, key and all, "
        "since its key alone would tell that a few contacts had it (a rare language in a small "
        "place). Kept so that a cell reads like a `Figure` and like a line of `csv`."
    )


@strawberry.type(
    description="The annual report's figures for a period, territory and channel. Anyone: "
    "public figures for most roles (small counts suppressed, others randomly rounded to a "
    "multiple of 5), exact ones for analysts, auditors and admins. Only completed contacts "
    "count."
)
class Statistics:
    start: date = strawberry.field(name="from", description="The period's first day, included.")
    end: date = strawberry.field(name="to", description="The period's last day, included.")
    timezone: str = strawberry.field(
        description="The zone the period's days are in: `America/Montreal`."
    )
    territory: str | None = strawberry.field(
        description="The territory asked for; null for the whole province."
    )
    channel: str | None = strawberry.field(
        description="The channel asked for, in lower case (`phone`…); null for all."
    )
    exact: bool = strawberry.field(
        description="False in public figures: counts below the threshold are suppressed and "
        "the others randomly rounded to a multiple of 5."
    )
    threshold: int = strawberry.field(
        description="The smallest count public figures show; smaller ones are suppressed."
    )
    position: int = strawberry.field(
        description="The log position the figures include; 0 in public figures, where it would "
        "tell when contacts were logged."
    )
    contacts: Figure = strawberry.field(description="Completed contacts.")
    needs: Figure = strawberry.field(description="Needs identified in them.")
    referrals: Figure = strawberry.field(description="Referrals to services.")
    unmet_needs: Figure = strawberry.field(description="Needs no service could meet.")
    interpreter_used: Figure = strawberry.field(description="Contacts served with an interpreter.")
    needs_per_contact: float | None = strawberry.field(
        description="Needs per contact, three decimals; null without contacts or when suppressed."
    )
    referrals_per_contact: float | None = strawberry.field(
        description="Referrals per contact, three decimals; null without contacts or when "
        "suppressed."
    )
    average_wait_seconds: float | None = strawberry.field(
        description="Mean seconds from start to answer, one decimal. Null in public figures: "
        "one contact more or less would show in it."
    )
    average_handle_seconds: float | None = strawberry.field(
        description="Mean seconds from answer to end, one decimal. Null in public figures: one "
        "contact more or less would show in it."
    )
    by_channel: list[StatisticsCell] = strawberry.field(description=TABLE.format("channel"))
    by_month: list[StatisticsCell] = strawberry.field(
        description="Contacts by month (group, YYYY-MM) and channel (key)."
    )
    by_language: list[StatisticsCell] = strawberry.field(
        description=TABLE.format("language of service (ISO 639)")
    )
    by_gender: list[StatisticsCell] = strawberry.field(description=TABLE.format("gender"))
    by_age_band: list[StatisticsCell] = strawberry.field(description=TABLE.format("age band"))
    by_inquirer_type: list[StatisticsCell] = strawberry.field(
        description=TABLE.format("inquirer type")
    )
    by_region: list[StatisticsCell] = strawberry.field(
        description=TABLE.format("region of the inquirer's place (the report's regions)")
    )
    top_places: list[StatisticsCell] = strawberry.field(
        description="The municipalities or boroughs with most contacts, `top` per region (group)."
    )
    by_need_category: list[StatisticsCell] = strawberry.field(
        description="Needs by top-level category of the taxonomy."
    )
    top_needs: list[StatisticsCell] = strawberry.field(
        description="The `top` needs, by taxonomy code."
    )
    top_unmet_needs: list[StatisticsCell] = strawberry.field(
        description="The `top` unmet needs, by taxonomy code."
    )
    unmet_reasons: list[StatisticsCell] = strawberry.field(
        description="Unmet needs by reason (`UnmetReason`, in lower case)."
    )
    unmet_need_reasons: list[StatisticsCell] = strawberry.field(
        description="Reasons (key) for each unmet need (group)."
    )
    top_referral_organizations: list[StatisticsCell] = strawberry.field(
        description="The `top` organizations referred to, by id, labelled with their names."
    )
    published: strawberry.Private[Published]
    language: strawberry.Private[str]

    @strawberry.field(
        description="Every figure above as CSV (UTF-8, a header line, then one line each: "
        "table, group, key, label, count, share_percent, suppressed)."
    )
    def csv(self) -> str:
        # Written when asked for: most dashboards never select it.
        return to_csv(self.published, self.language)


StatisticsResult = Annotated[
    Statistics | InvalidInputError | ConsistencyTimeoutError,
    strawberry.union(
        "StatisticsResult",
        description="The figures, or why not: `InvalidInputError` (a day out of range, `to` "
        "before `from`, an unknown territory, or public figures refused for a short period, "
        "few contacts or a small place), "
        "`ConsistencyTimeoutError`.",
    ),
]
