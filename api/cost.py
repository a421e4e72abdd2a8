"""What an operation may cost, known before it runs: one per field, and the fields under a list
once for each item the list may hold.

What a field weighs counts too. A long text costs by its bound, one per 1,000 characters
(`TEXT`; a localized text once for each language asked): thirty aliases of a hundred places'
descriptions would otherwise be a small document with a 360 MB answer. A resolver that
searches, counts or replays costs the work it does (`RESOLVERS`), so one document cannot run
dozens of searches or statistics; `Statistics.csv` costs what the tables it holds cost when
asked as fields. The schema refuses to build while a localized text or a JSON value has no
weight; long strings are listed by hand (their bounds are in `domain.limits`).

Every list of objects in the schema has a declared size, `SIZES`: the most items it can hold
(a contact's needs, a place's ancestors, every territory), or `PAGED` for the list of a page,
which holds at most the page asked (`first`, or its default) of the field above it (the
`edges` and `nodes` of every connection are, without being named here); or a size
per unit of an argument above it, `BY_ARGUMENT` (the `top` places of each region). The schema
refuses to build while a list of objects has no declared size, so no list escapes the count.
Lists of scalars cost one: each of their items is a value the domain bounds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from math import ceil
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from domain import limits
from domain.limits import (
    DESCRIPTION_MAX,
    INFORMATION_ENTRIES_MAX,
    INFORMATION_MAX,
    NAME_MAX,
    REASON_MAX,
    WEBSITE_MAX,
)

PAGE_ARGUMENT = "first"
PAGED = 0
CONNECTION_LISTS = ("edges", "nodes")  # of a type with `pageInfo`: a connection's page
TERRITORIES = 2_000  # the reference holds 1,284 places; `territories(first:)` lists at most this

SIZES: dict[str, int] = {
    # What one record holds, as the domain bounds it.
    "AuditEntry.changes": 60,
    "Interaction.needs": limits.NEEDS_MAX,
    "NeedRecord.referrals": limits.REFERRALS_MAX,
    "Interaction.followUps": 50,
    "Interaction.corrections": 100,
    "Service.phones": limits.PHONES_MAX,
    "Service.serviceAreas": limits.SERVICE_AREAS_MAX,
    "Service.locations": 100,
    "Service.categories": limits.TAXONOMY_MAX,
    "ScheduleType.hours": limits.HOURS_MAX,
    "Territory.ancestors": 8,  # seven kinds of place, and a grouping or two
    # Coverage: agreements of one place, and places of the whole reference.
    "Coverage.agreements": 100,
    "CoverageInterval.agreements": 100,
    "CoverageTimeline.intervals": 200,
    "CoveredTerritories.territories": TERRITORIES,
    "CoveredTerritories.totals": 7,
    "PopulationSeries.points": 400,
    # Search facets (30 values each on OpenSearch) and published figures.
    "SearchFacets.categories": 100,
    "SearchFacets.languages": 100,
    "SearchFacets.territories": 100,
    "Projections.statuses": 20,
    # Published figures: a few cells per table; months and channels of the period.
    **dict.fromkeys(
        ("Statistics.byChannel", "Statistics.byGender", "Statistics.byAgeBand",
         "Statistics.byInquirerType", "Statistics.byRegion", "Statistics.unmetReasons"),
        20,
    ),
    "Statistics.byLanguage": 100,
    "Statistics.byNeedCategory": 50,
    "Statistics.byMonth": 500,  # ten years of months, by channel
}  # fmt: skip


def _units(characters: int) -> int:
    """What a text of this bound weighs: one per 1,000 characters, at least one."""
    return max(1, ceil(characters / 1_000))


DESCRIPTION, NAME, INFORMATION = _units(DESCRIPTION_MAX), _units(NAME_MAX), _units(INFORMATION_MAX)
RECORD = 8 * DESCRIPTION + 4 * NAME  # a service's texts in two languages, and its names

# What a text weighs, in place of the one a field costs: for a localized text, each language
# asked; for a list of strings, all of them.
TEXT: dict[str, int] = {
    **dict.fromkeys(
        ("Organization.description", "Service.description", "Service.eligibility",
         "Service.fees", "Service.applicationProcess", "Location.description",
         "Location.accessibility"),
        DESCRIPTION,
    ),
    **dict.fromkeys(
        ("Organization.name", "Service.name", "Location.name", "Suggestion.name",
         "ServiceAtLocationResult.name", "ServiceAtLocationResult.organizationName",
         "RecordToVerify.name", "RecordToVerify.organizationName", "TaxonomyTerm.name"),
        NAME,
    ),
    "Organization.website": _units(WEBSITE_MAX),
    "NeedRecord.information": INFORMATION_ENTRIES_MAX * INFORMATION,
    "Unmet.note": INFORMATION,
    "FollowUpRecord.note": INFORMATION,
    "FollowUpDue.note": INFORMATION,
    "FollowUpRecord.outcome": INFORMATION,
    **dict.fromkeys(
        ("Organization.flaggedReason", "Service.flaggedReason", "Location.flaggedReason",
         "RecordToVerify.flaggedReason", "Correction.reason", "FieldChange.reason",
         "AuditEntry.reason"),
        _units(REASON_MAX),
    ),
    # JSON values: a field's value before and after (a localized text at most), a fact's
    # fields and a record's state (a whole service at most). An entry's changes are counted
    # 60 times over (`AuditEntry.changes`), more than one fact's texts can hold: one each.
    **dict.fromkeys(("FieldChange.previousValue", "FieldChange.newValue"), 2 * DESCRIPTION),
    **dict.fromkeys(("AuditChange.before", "AuditChange.after"), 1),
    "AuditEntry.fields": RECORD,
    "PastRecord.state": RECORD,
}  # fmt: skip
CSV = "Statistics.csv"  # weighs the tables it holds (`_csv`)

# What a resolver's work costs, on top of its fields.
RESOLVERS: dict[str, int] = {
    "Query.searchServices": 1_000,
    # A filtered page and its count, then the page's records read whole.
    **dict.fromkeys(("Query.organizations", "Query.services", "Query.locations"), 100),
    "Query.statistics": 1_000,
    "Query.directoryStatistics": 1_000,  # one pass over every record's history
    "Subscription.statisticsChanged": 1_000,
    "Query.coveredTerritories": 200,
    "Query.populationCovered": 200,
    "Query.coverageChanges": 200,
    "Query.autocomplete": 200,
    "Query.followUpsDue": 200,  # a pass over the contacts started before the day
    "Query.auditLog": 200,
    "Query.history": 200,
    "Query.asOf": 200,
}

# Lists sized by an argument of a field above them: (argument, items per unit of it).
BY_ARGUMENT: dict[str, tuple[str, int]] = {
    "Statistics.topPlaces": ("top", 10),  # `top` places in each of the regions
    "Statistics.topNeeds": ("top", 1),
    "Statistics.topUnmetNeeds": ("top", 1),
    "Statistics.unmetNeedReasons": ("top", 10),  # the reasons of each top unmet need
    "Statistics.topReferralOrganizations": ("top", 1),
}


def _unwrapped(kind: GraphQLOutputType) -> GraphQLOutputType:
    return kind.of_type if isinstance(kind, GraphQLNonNull) else kind


def lists_of_objects(schema: GraphQLSchema) -> Iterator[str]:
    """Every field, as `Type.field`, whose value is a list of objects and that has no `first`
    of its own."""
    for name, kind in schema.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name, field in kind.fields.items():
            value = _unwrapped(field.type)
            leaf = isinstance(get_named_type(value), GraphQLScalarType | GraphQLEnumType)
            if isinstance(value, GraphQLList) and not leaf and PAGE_ARGUMENT not in field.args:
                yield f"{name}.{field_name}"


def paged(owner: GraphQLNamedType, field: str) -> bool:
    """Whether `owner.field` is the page of a connection: as long as the `first` above it."""
    return (
        field in CONNECTION_LISTS
        and isinstance(owner, GraphQLObjectType | GraphQLInterfaceType)
        and "pageInfo" in owner.fields
    )


def unsized(schema: GraphQLSchema) -> list[str]:
    """The lists of objects that have no declared size."""
    return [
        name
        for name in lists_of_objects(schema)
        if name not in SIZES | BY_ARGUMENT and not paged(*_owner(schema, name))
    ]


def _owner(schema: GraphQLSchema, name: str) -> tuple[GraphQLNamedType, str]:
    type_name, field = name.split(".")
    owner = schema.get_type(type_name)
    assert owner is not None
    return owner, field


def unweighted(schema: GraphQLSchema) -> list[str]:
    """The localized texts and JSON values that have no weight."""
    return [
        f"{name}.{field_name}"
        for name, kind in schema.type_map.items()
        if not name.startswith("__") and isinstance(kind, GraphQLObjectType | GraphQLInterfaceType)
        for field_name, field in kind.fields.items()
        if get_named_type(field.type).name in ("LocalizedText", "JSON")
        and f"{name}.{field_name}" not in TEXT
    ]


def _numbers(
    field: FieldNode, definition: GraphQLField, variables: Mapping[str, Any]
) -> dict[str, int]:
    """The field's whole-number arguments as asked: written, from a variable, or by default
    (at least 1 each)."""
    found: dict[str, int] = {}
    for name, declared in definition.args.items():
        if isinstance(declared.default_value, int):
            found[name] = declared.default_value
    for argument in field.arguments or ():
        value = argument.value
        if isinstance(value, IntValueNode):
            found[argument.name.value] = _whole(value.value)
        elif isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            if isinstance(given, float) and given.is_integer():
                given = int(given)  # as graphql-core reads it for an Int: 100.0 is 100
            if isinstance(given, int) and not isinstance(given, bool):
                found[argument.name.value] = given
    return {name: max(1, number) for name, number in found.items()}


# Past every limit: a longer literal (an id written as digits, say) is not read as a number,
# which Python refuses past 4,300 digits, with a message naming its own internals.
HUGE = 10**15


def _whole(digits: str) -> int:
    return int(digits) if len(digits) <= 15 else HUGE


def _items(
    name: str, definition: GraphQLField, asked: Mapping[str, int], page: bool = False
) -> int:
    if not isinstance(_unwrapped(definition.type), GraphQLList):
        return 1
    if PAGE_ARGUMENT in definition.args or SIZES.get(name) == PAGED or page:
        return asked.get(PAGE_ARGUMENT, 1)
    if name in BY_ARGUMENT:
        argument, each = BY_ARGUMENT[name]
        return asked.get(argument, 1) * each
    return SIZES.get(name, 1)


def _csv(statistics: GraphQLNamedType, asked: Mapping[str, int]) -> int:
    """What the tables of the CSV would cost asked as fields, every scalar of each cell."""
    if not isinstance(statistics, GraphQLObjectType):
        return 1
    total = 0
    for name, definition in statistics.fields.items():
        cell = get_named_type(definition.type)
        if isinstance(_unwrapped(definition.type), GraphQLList) and isinstance(
            cell, GraphQLObjectType
        ):
            total += 1 + _items(f"{statistics.name}.{name}", definition, asked) * len(cell.fields)
    return total


def cost(
    schema: GraphQLSchema, operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any],
) -> int:  # fmt: skip
    """One per field, and the fields under a list once per item it may hold; a long text by
    its bound, a costly resolver by its work."""

    def typed(
        selections: SelectionSetNode, parent: GraphQLNamedType
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
                continue
            if isinstance(selection, InlineFragmentNode):
                condition, inner = selection.type_condition, selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                continue
            named = schema.get_type(condition.name.value) if condition else parent
            yield from typed(inner, named or parent)

    def of(selections: SelectionSetNode, parent: GraphQLNamedType, above: Mapping[str, int]) -> int:
        total = 0
        for field, owner in typed(selections, parent):
            name = field.name.value
            if name.startswith("__"):
                continue
            definition = (
                owner.fields.get(name)
                if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType)
                else None
            )
            if definition is None:  # not in a validated document
                total += 1
                continue
            asked = {**above, **_numbers(field, definition, variables)}
            inner = (
                of(field.selection_set, get_named_type(definition.type), asked)
                if field.selection_set
                else 0
            )
            key = f"{owner.name}.{name}"
            work = RESOLVERS.get(key, 0)
            if key == CSV:
                total += work + _csv(owner, asked)
            elif key in TEXT and not field.selection_set:  # a string, or a list of them
                total += work + TEXT[key]
            elif key in TEXT:  # a localized text: each language asked
                total += 1 + work + TEXT[key] * max(1, inner)
            else:
                page = paged(owner, name)
                total += 1 + work + _items(key, definition, asked, page) * inner
        return total

    # A variable the request leaves out takes the default its definition gives, if any.
    variables = {
        **{
            definition.variable.name.value: int(definition.default_value.value)
            for definition in operation.variable_definitions or ()
            if isinstance(definition.default_value, IntValueNode)
        },
        **variables,
    }
    root = schema.get_root_type(operation.operation)
    return of(operation.selection_set, root, {}) if root is not None else 0
