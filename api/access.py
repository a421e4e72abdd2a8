"""Who may call each operation, see each type and read each restricted field: the policy in
three tables, read from the schema's side. `admin` may do everything.

- `RULES`: the schema enforces it (`api.guards`): an operation refuses a caller its rule does
  not allow before its resolver runs, so before reading its input; a test calls every
  operation as every role and holds what it gets to this table.
- `ARGUMENTS`: arguments of an operation that only some of its callers may set; the same
  mechanism refuses the others before the resolver runs.
- `EXACT_FIGURES`: who is given exact statistics rather than the published ones.
- `TYPES`: who may see an object of each type, wherever it appears. The schema is walked
  from every operation when it is built (`api.exposure`), and refused when a role that may call
  an operation can reach, through nested fields, a type not meant for it.
- `FIELDS`: fields narrower than their type; the schema guards each one (`api.guards`), which
  answers null to other roles.
- `BY_TYPE`: fields that answer only what `TYPES` lets the caller see (`node`).
- `hides`: inactive organizations, services and locations, for all but editors, wherever
  they would appear (by id, as a node, as a service's location).

The schema refuses to build while an operation or an object type has no rule here.
"""

from __future__ import annotations

from infra.tokens import Role

EVERYONE: tuple[Role, ...] = tuple(Role)
EDITORS = (Role.EDITOR,)
COVERAGE = (Role.COVERAGE_ADMIN,)
COUNSELLORS = (Role.COUNSELLOR,)
CONTACT_READERS = (Role.COUNSELLOR, Role.ANALYST, Role.AUDITOR)
AUDITORS = (Role.AUDITOR,)
HISTORY_READERS = (Role.EDITOR, Role.AUDITOR)
ADMINS: tuple[Role, ...] = ()
# A scraper's token: `/health`'s details and `/metrics`, and in GraphQL what the public may do.
MONITORS = (Role.MONITORING,)

RULES: dict[str, tuple[Role, ...]] = {
    # The public directory. (Inactive records in a search need an editor or a counsellor.)
    "Query.organization": EVERYONE,
    "Query.service": EVERYONE,
    "Query.location": EVERYONE,
    "Query.autocomplete": EVERYONE,
    "Query.searchServices": EVERYONE,
    "Query.organizations": EVERYONE,
    "Query.services": EVERYONE,
    "Query.locations": EVERYONE,
    # The directory team's work.
    "Query.recordHistory": HISTORY_READERS,
    "Query.verificationQueue": EDITORS,
    # Territories and coverage are published.
    "Query.territory": EVERYONE,
    "Query.territories": EVERYONE,
    "Query.coverage": EVERYONE,
    "Query.coveredTerritories": EVERYONE,
    "Query.coverageTimeline": EVERYONE,
    "Query.coverageChanges": EVERYONE,
    "Query.populationCovered": EVERYONE,
    # Names for taxonomy codes are published; editors keep them.
    "Query.taxonomyTerm": EVERYONE,
    "Query.taxonomyTerms": EVERYONE,
    # Contacts concern callers; their published figures suppress small counts for the public.
    "Query.interaction": CONTACT_READERS,
    "Query.interactions": CONTACT_READERS,
    "Query.followUpsDue": COUNSELLORS,
    "Query.statistics": EVERYONE,
    "Subscription.statisticsChanged": EVERYONE,
    # Figures about records, not people (added, updated, verified): published as they are.
    "Query.directoryStatistics": EVERYONE,
    # Audit.
    "Query.auditLog": AUDITORS,
    "Query.history": AUDITORS,
    "Query.asOf": AUDITORS,
    # The caller's own role.
    "Query.viewer": EVERYONE,
    # The log's head and each view's position move with each contact: as `/health`'s details.
    "Query.projections": ADMINS + MONITORS,
    # Any record by its id (Relay); null for a record the caller may not see (see TYPES).
    "Query.node": EVERYONE,
    # Directory records.
    "Mutation.registerOrganization": EDITORS,
    "Mutation.renameOrganization": EDITORS,
    "Mutation.amendOrganization": EDITORS,
    "Mutation.registerService": EDITORS,
    "Mutation.amendService": EDITORS,
    "Mutation.registerLocation": EDITORS,
    "Mutation.changeLocationAccessibility": EDITORS,
    "Mutation.moveLocation": EDITORS,
    "Mutation.linkServiceToLocation": EDITORS,
    "Mutation.verifyRecord": EDITORS,
    "Mutation.flagRecordForReview": EDITORS,
    "Mutation.deactivateRecord": EDITORS,
    "Mutation.reactivateRecord": EDITORS,
    "Mutation.mergeRecord": EDITORS,
    "Mutation.defineTaxonomyTerm": EDITORS,
    "Mutation.renameTaxonomyTerm": EDITORS,
    "Mutation.changeTaxonomySynonyms": EDITORS,
    # Coverage agreements and territories.
    "Mutation.agreeCoverage": COVERAGE,
    "Mutation.extendCoverage": COVERAGE,
    "Mutation.endCoverageEarly": COVERAGE,
    "Mutation.amendCoverage": COVERAGE,
    "Mutation.cancelCoverage": COVERAGE,
    "Mutation.moveTerritory": COVERAGE,
    "Mutation.mergeTerritory": COVERAGE,
    "Mutation.renameTerritory": COVERAGE,
    # Contacts, logged by counsellors.
    "Mutation.recordInteraction": COUNSELLORS,
    "Mutation.openInteraction": COUNSELLORS,
    "Mutation.addNeed": COUNSELLORS,
    "Mutation.referToService": COUNSELLORS,
    "Mutation.giveInformation": COUNSELLORS,
    "Mutation.recordUnmetNeed": COUNSELLORS,
    "Mutation.closeInteraction": COUNSELLORS,
    "Mutation.scheduleFollowUp": COUNSELLORS,
    "Mutation.completeFollowUp": COUNSELLORS,
    "Mutation.correctInquirer": COUNSELLORS,
    "Mutation.correctDisposition": COUNSELLORS,
    "Mutation.withdrawNeed": COUNSELLORS,
}


# Who is given exact statistics; every other caller gets the published figures, with small
# counts suppressed and rounded (`infra.statistics`), and an hourly budget of answers.
EXACT_FIGURES = (Role.ANALYST, Role.AUDITOR)

# Arguments only some of an operation's callers may set (`Type.field.argument`).
ARGUMENTS: dict[str, tuple[Role, ...]] = {
    # Inactive records are the directory team's, and counsellors' to see what closed.
    "Query.searchServices.includeInactive": (Role.EDITOR, Role.COUNSELLOR),
    # Lists show records in service; other statuses and the annual check are the team's.
    **{
        f"Query.{name}.{argument}": EDITORS
        for name in ("organizations", "services", "locations")
        for argument in ("status", "verification")
    },
}


TYPES: dict[str, tuple[Role, ...]] = {
    # What the directory publishes.
    **dict.fromkeys(
        ("Organization", "Service", "Location", "ServiceAtLocationResult", "LocalizedText",
         "AddressType", "CoordinatesType", "PhoneType", "ScheduleType", "OpeningHoursType",
         "SearchConnection", "ServiceAtLocationResultEdge", "SearchFacets", "FacetValue",
         "PageInfo", "Suggestion", "OrganizationConnection", "OrganizationEdge",
         "ServiceConnection", "ServiceEdge", "LocationConnection", "LocationEdge"),
        EVERYONE,
    ),
    # Territories, coverage and published figures.
    **dict.fromkeys(
        ("Territory", "TerritoryEdge", "TerritoryList", "Coverage", "CoverageAgreementType",
         "CoverageInterval", "CoverageTimeline", "CoverageChanges", "CoverageChangeType",
         "CoverageChangeTypeEdge", "CoveredTerritories", "KindTotal", "PopulationSeries",
         "PopulationPoint", "Statistics", "StatisticsCell", "Figure", "DirectoryStatistics",
         "DirectoryKindStatistics", "DirectoryFigure", "TaxonomyTerm", "TaxonomyTermConnection",
         "TaxonomyTermEdge"),
        EVERYONE,
    ),
    # What a mutation wrote, the caller, the projections, and expected errors.
    **dict.fromkeys(
        ("Receipt", "Viewer", "InvalidInputError", "NotFoundError",
         "NotAuthorizedError", "VersionConflictError", "ConsistencyTimeoutError",
         "SearchUnavailableError"),
        EVERYONE,
    ),
    # The directory team's work.
    "Projections": ADMINS + MONITORS,
    "ProjectionStatus": ADMINS + MONITORS,
    "RecordHistory": HISTORY_READERS,
    "FieldChangeEdge": HISTORY_READERS,
    "FieldChange": HISTORY_READERS,
    "VerificationList": EDITORS,
    "RecordToVerifyEdge": EDITORS,
    "RecordToVerify": EDITORS,
    # Caller-level records.
    **dict.fromkeys(
        ("Interaction", "InteractionEdge", "InteractionPage", "Inquirer", "NeedRecord",
         "Referral", "Unmet", "FollowUpRecord", "Correction", "FollowUpDue", "FollowUpDuePage",
         "FollowUpDueEdge"),
        CONTACT_READERS,
    ),
    "InteractionReceipt": COUNSELLORS,
    # The log as auditors read it.
    **dict.fromkeys(
        ("AuditPage", "AuditEntryEdge", "AuditEntry", "AuditChange", "PastRecord"), AUDITORS
    ),
}  # fmt: skip

FIELDS: dict[str, tuple[Role, ...]] = {
    # Why an editor flagged a record is the directory team's note, not the public's.
    "Organization.flaggedReason": EDITORS,
    "Service.flaggedReason": EDITORS,
    "Location.flaggedReason": EDITORS,
    "RecordToVerify.flaggedReason": EDITORS,
    # A runner's last error can name tables, hosts and data.
    "ProjectionStatus.error": ADMINS,
}


# Fields that answer, at run time, only objects of the types the caller may see (`may_see`),
# and null for others: the walk through them goes on into each type with the roles it allows.
BY_TYPE = ("Query.node",)


def allowed(operation: str, role: Role) -> bool:
    return role is Role.ADMIN or role in RULES[operation]


def sees_health_details(role: Role) -> bool:
    """`/health`'s details (the log's head, each view's position and lag) move with each
    contact: for admins and the scraper's read-only token, not the public."""
    return role is Role.ADMIN or role in MONITORS


def reads_log_positions(role: Role) -> bool:
    """Any view's position is nearly the log's head, which each contact moves by one: the
    public is given none (0 in figures and in a consistency timeout). Every token's role
    writes, reads the log or monitors it."""
    return role is not Role.PUBLIC


def reads_metrics(role: Role) -> bool:
    """`/metrics` carries the figures of `/health`'s details and the contacts logged: for the
    same roles."""
    return sees_health_details(role)


def given_what_the_public_is(role: Role) -> bool:
    """Who is held to the public's side of the production settings (no introspection,
    registered documents only when asked): no token, or a scraper's, whose token sits in a
    file its container reads."""
    return role is Role.PUBLIC or role in MONITORS


def sees_exact_figures(role: Role) -> bool:
    return role is Role.ADMIN or role in EXACT_FIGURES


def may_see(type_name: str, role: Role) -> bool:
    return role is Role.ADMIN or role in TYPES[type_name]


def may_read(field: str, role: Role) -> bool:
    return role is Role.ADMIN or role in FIELDS[field]


def hides(status: str, role: Role) -> bool:
    """Inactive directory records (deactivated or merged) are the directory team's: anyone
    else is told there is none, wherever the record would appear."""
    return status != "active" and not (role is Role.ADMIN or role in EDITORS)


def unruled(operations: list[str]) -> list[str]:
    """The operations the table has no rule for."""
    return [operation for operation in operations if operation not in RULES]


def unknown_arguments(arguments: list[str]) -> list[str]:
    """Argument rules that name no argument of the schema (`Type.field.argument`)."""
    return [rule for rule in ARGUMENTS if rule not in arguments]


def untyped(types: list[str]) -> list[str]:
    """The object types the table has no rule for."""
    return [name for name in types if name not in TYPES]
