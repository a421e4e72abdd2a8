"""Every enum of the schema, with a description of each value for the client: the domain's
enums, made GraphQL enums here so that the domain stays free of strawberry, and the API's own."""

from __future__ import annotations

from enum import Enum

from api.enums import described
from domain import interactions as contact
from domain.coverage import Channel as DomainChannel
from domain.directory import Status, VerificationMethod
from domain.territories import TerritoryKind as DomainTerritoryKind

NOT_COUNTED = "; it does not count in statistics."

Channel = described(
    DomainChannel, name="Channel",
    description="A channel a 211 centre answers the public on, as coverage agreements name them.",
    values={
        DomainChannel.PHONE: "Telephone: the 2-1-1 line.",
        DomainChannel.WEB: "The centre's website and online directory.",
        DomainChannel.CHAT: "Live chat or text messages.",
        DomainChannel.EMAIL: "E-mail.",
    },
)  # fmt: skip

TerritoryKind = described(
    DomainTerritoryKind, name="TerritoryKind",
    description="The kind of a place of Québec's territory reference.",
    values={
        DomainTerritoryKind.PROVINCE: "The province of Québec (code `QC`).",
        DomainTerritoryKind.REGION: "An administrative region (`RA-NN`).",
        DomainTerritoryKind.MRC: "A regional county municipality (`MRC-NNN`) or a territory "
        "equivalent to one (`TE-NN`).",
        DomainTerritoryKind.AGGLOMERATION: "An urban agglomeration (`TE-NN`), such as "
        "Montréal's or Longueuil's.",
        DomainTerritoryKind.METROPOLITAN_COMMUNITY: "The Communauté métropolitaine de Montréal "
        "(`CMM`): a grouping of 82 municipalities, beside the hierarchy.",
        DomainTerritoryKind.MUNICIPALITY: "A municipality, by its 5-digit MAMH geographic code.",
        DomainTerritoryKind.BOROUGH: "A borough of a city (`ARR-…`), such as Montréal's.",
    },
)  # fmt: skip

RecordStatus = described(
    Status, name="RecordStatus",
    description="Whether a directory record is in service.",
    values={
        Status.ACTIVE: "In service: listed, and found by search when its organization is active.",
        Status.INACTIVE: "Deactivated (`deactivateRecord`): for editors only; "
        "`reactivateRecord` puts it back in service.",
        Status.MERGED: "Merged into another record (`mergeRecord`), a duplicate: for editors "
        "only.",
    },
)  # fmt: skip

Method = described(
    VerificationMethod, name="VerificationMethod",
    description="How an editor confirmed a record in the annual check.",
    values={
        VerificationMethod.PHONE: "By telephone with the organization.",
        VerificationMethod.EMAIL: "By e-mail with the organization.",
        VerificationMethod.WEBSITE: "From the organization's own website.",
        VerificationMethod.IN_PERSON: "In person, at the organization.",
        VerificationMethod.DOCUMENT: "From a document of the organization (a brochure, a "
        "report).",
        VerificationMethod.IMPORTED: "The source's own check date (HSDS `assured_date`), taken "
        "when the record was imported; editors do not choose it.",
    },
)  # fmt: skip

ContactChannel = described(
    contact.ContactChannel, name="ContactChannel",
    description="How a contact reached the centre.",
    values={
        contact.ContactChannel.PHONE: "A telephone call.",
        contact.ContactChannel.EMAIL: "An e-mail.",
        contact.ContactChannel.CHAT: "A chat or text conversation.",
        contact.ContactChannel.IN_PERSON: "A visit in person.",
    },
)  # fmt: skip

Disposition = described(
    contact.Disposition, name="Disposition",
    description="How a contact ended: only `COMPLETED` contacts count in statistics.",
    values={
        contact.Disposition.COMPLETED: "The inquirer was served; the contact counts in "
        "statistics.",
        contact.Disposition.HANG_UP: "The inquirer hung up or left before being served"
        + NOT_COUNTED,
        contact.Disposition.WRONG_NUMBER: "The contact was not meant for the centre"
        + NOT_COUNTED,
        contact.Disposition.TEST: "A test or training contact" + NOT_COUNTED,
    },
)  # fmt: skip

InquirerType = described(
    contact.InquirerType, name="InquirerType",
    description="Who contacted the centre, for the person in need.",
    values={
        contact.InquirerType.SELF: "The person in need themself.",
        contact.InquirerType.THIRD_PARTY: "A relative, friend or neighbour, for the person in "
        "need.",
        contact.InquirerType.PROFESSIONAL: "A worker (social worker, nurse, police officer…), "
        "for a client.",
    },
)  # fmt: skip

AgeBand = described(
    contact.AgeBand, name="AgeBand",
    description="The inquirer's age, in years, as a band; as the inquirer gives it.",
    values={
        contact.AgeBand.UNDER_20: "0 to 19 years.",
        contact.AgeBand.TWENTIES: "20 to 29 years.",
        contact.AgeBand.THIRTIES: "30 to 39 years.",
        contact.AgeBand.FORTIES: "40 to 49 years.",
        contact.AgeBand.FIFTIES: "50 to 59 years.",
        contact.AgeBand.SIXTIES: "60 to 69 years.",
        contact.AgeBand.SEVENTY_PLUS: "70 years or more.",
        contact.AgeBand.UNKNOWN: "Not given, or not asked.",
    },
)  # fmt: skip

Gender = described(
    contact.Gender, name="Gender",
    description="The inquirer's gender, as the inquirer gives it.",
    values={
        contact.Gender.FEMALE: "Female.",
        contact.Gender.MALE: "Male.",
        contact.Gender.OTHER: "Another gender, or non-binary.",
        contact.Gender.UNKNOWN: "Not given, or not asked.",
    },
)  # fmt: skip

UnmetReason = described(
    contact.UnmetReason, name="UnmetReason",
    description="Why no service could meet a need: the reasons of the annual report (list "
    "v1). A recorded reason keeps the list version it was chosen from.",
    values={
        contact.UnmetReason.NOT_AVAILABLE_IN_TERRITORY: "No service offers it where the "
        "inquirer lives.",
        contact.UnmetReason.ELIGIBILITY_NOT_MET: "The inquirer does not meet the eligibility "
        "rules of the services that offer it.",
        contact.UnmetReason.COST_TOO_HIGH: "The services that offer it cost more than the "
        "inquirer can pay.",
        contact.UnmetReason.SCHEDULE_UNSUITABLE: "The services' hours do not suit the inquirer.",
        contact.UnmetReason.WAITING_LIST_FULL: "The services' waiting lists are full or closed.",
        contact.UnmetReason.LANGUAGE_BARRIER: "No service offers it in a language the inquirer "
        "speaks.",
        contact.UnmetReason.NO_TRANSPORT: "The inquirer cannot get to the services that offer "
        "it.",
    },
)  # fmt: skip


class Granularity(Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    CHANGE = "change"


described(
    Granularity, name="Granularity",
    description="Where the points of a population series fall, in Montréal time.",
    values={
        Granularity.DAY: "On every day.",
        Granularity.MONTH: "On the first day of each month.",
        Granularity.YEAR: "On the first day of each year.",
        Granularity.CHANGE: "On `from` and on each later day coverage may change (an "
        "agreement's start or end, a change of the hierarchy): the points of a step chart.",
    },
)  # fmt: skip


class VerificationState(Enum):
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    VERIFIED_THIS_YEAR = "VERIFIED_THIS_YEAR"
    FLAGGED = "FLAGGED"


described(
    VerificationState, name="VerificationState",
    description="Where an active record stands in the annual check, today. A record is "
    "checked when last verified, or registered if never verified.",
    values={
        VerificationState.DUE: "Its yearly check falls due within a month.",
        VerificationState.OVERDUE: "A year or more since it was checked: its check is late.",
        VerificationState.VERIFIED_THIS_YEAR: "Last verified in this calendar year (Montréal "
        "time).",
        VerificationState.FLAGGED: "Flagged for review (`flagRecordForReview`) and not verified "
        "since.",
    },
)  # fmt: skip


class RecordKind(Enum):
    ORGANIZATION = "organization"
    SERVICE = "service"
    LOCATION = "location"


described(
    RecordKind, name="RecordKind",
    description="The kind of a directory record.",
    values={
        RecordKind.ORGANIZATION: "An organization.",
        RecordKind.SERVICE: "A service an organization offers.",
        RecordKind.LOCATION: "A place where an organization offers services.",
    },
)  # fmt: skip


class TimeAxis(Enum):
    RECORDED = "recorded"
    BUSINESS = "business"


described(
    TimeAxis, name="TimeAxis",
    description="Which time `asOf` reads.",
    values={
        TimeAxis.RECORDED: "The facts recorded by `at`: what Guichet knew then.",
        TimeAxis.BUSINESS: "The facts whose business time had come by `at`, in recorded order, "
        "up to the first whose time had not.",
    },
)  # fmt: skip


class Language(Enum):
    FR = "fr"
    EN = "en"


described(
    Language, name="Language",
    description="A language Guichet keeps every name in.",
    values={Language.FR: "French.", Language.EN: "English."},
)  # fmt: skip
