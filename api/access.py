"""Who may call each operation: the policy in one table, read from the schema's side.

Resolvers enforce it (each checks its caller before reading its input); the schema refuses to
build while an operation has no rule here, and a test calls every operation as every role and
holds what it gets to this table. `admin` may do everything.
"""

from __future__ import annotations

from infra.tokens import Role

EVERYONE: tuple[Role, ...] = tuple(Role)
EDITORS = (Role.EDITOR,)
COVERAGE = (Role.COVERAGE_ADMIN,)
COUNSELLORS = (Role.COUNSELLOR,)
CONTACT_READERS = (Role.COUNSELLOR, Role.ANALYST, Role.AUDITOR)
AUDITORS = (Role.AUDITOR,)

RULES: dict[str, tuple[Role, ...]] = {
    # The public directory. (Inactive records in a search need an editor or a counsellor.)
    "Query.organization": EVERYONE,
    "Query.service": EVERYONE,
    "Query.location": EVERYONE,
    "Query.autocomplete": EVERYONE,
    "Query.searchServices": EVERYONE,
    # The directory team's work.
    "Query.recordHistory": (Role.EDITOR, Role.AUDITOR),
    "Query.verificationQueue": EDITORS,
    # Territories and coverage are published.
    "Query.territory": EVERYONE,
    "Query.territories": EVERYONE,
    "Query.coverage": EVERYONE,
    "Query.coveredTerritories": EVERYONE,
    "Query.coverageTimeline": EVERYONE,
    "Query.coverageChanges": EVERYONE,
    "Query.populationCovered": EVERYONE,
    # Contacts concern callers; their published figures suppress small counts for the public.
    "Query.interaction": CONTACT_READERS,
    "Query.interactions": CONTACT_READERS,
    "Query.statistics": EVERYONE,
    "Subscription.statisticsChanged": EVERYONE,
    # Audit.
    "Query.auditLog": AUDITORS,
    "Query.history": AUDITORS,
    "Query.asOf": AUDITORS,
    # The caller's own role, and the projections' lag.
    "Query.viewer": EVERYONE,
    "Query.projections": EVERYONE,
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


def allowed(operation: str, role: Role) -> bool:
    return role is Role.ADMIN or role in RULES[operation]


def unruled(operations: list[str]) -> list[str]:
    """The operations the table has no rule for."""
    return [operation for operation in operations if operation not in RULES]
