"""Hostile requests generated from the schema: every root field, its arguments sent as GraphQL
variables, each String leaf either an ordinary value that passes the other rules or a hostile
one (NUL, other C0 and C1 controls, lone surrogates, strings up to the body limit, thousands
of words), each list short, long, or nested thousands deep.

Ordinary values come from the demo directory by argument name (ids, territory and taxonomy
codes), so that a mutation carrying one hostile string is otherwise valid and may be stored:
the attack is a hostile value that gets in, not one refused for another field.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import graphql
from hypothesis import strategies as st

from domain.handlers.directory import RegisterLocation, RegisterOrganization, RegisterService
from infra.demo import PLACES, TEMPLATES, records

# Sent as JSON escapes (the body is ASCII): a lone surrogate cannot be UTF-8 at all.
CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n"] + ["\x7f"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
# Not refused by a text rule, but each has broken a system somewhere.
ODD = ["\ufeff", "\u200b", "\u202e", "\u2028", "\uffff", "\U0010ffff", "e\u0301", "ﬁ"]
HUGE_SIZES = (2_800, 10_000, 400_000, 990_000)
LONG_LIST = 10_000
DEEP = 20_000
BODY_BUDGET = 1_100_000  # a little past the default body limit
# Replaced in the encoded body by a list nested DEEP times: no encoder nests that deep.
DEEP_MARKER = "\u0000deep-list\u0000"


def hostile_strings() -> st.SearchStrategy[str]:
    control = st.sampled_from(CONTROLS + C1 + SURROGATES + ODD)
    around = st.tuples(st.sampled_from(["", "a", "Aide "]), control, st.sampled_from(["", "b"]))
    # Hypothesis tries the first of each choice first: a NUL inside ordinary text.
    return st.one_of(
        st.sampled_from(["a\x00b", "Aide\x00", "\ud800"]),
        around.map("".join),
        st.sampled_from(["\x00", "a\x00b", "\ud800", "a\ud800b", "\udc00\ud800", "\x1b[2J"]),
        st.sampled_from(HUGE_SIZES).map(lambda n: "x" * n),
        st.sampled_from(HUGE_SIZES).map(lambda n: "é" * (n // 2 - 1) + "\x00"),
        st.just(" ".join(f"mot{index}" for index in range(8_000))),  # 8,000 unknown words
        st.just(" " * 5_000),
    )


@dataclass(frozen=True)
class Pools:
    """Ordinary values by argument or field name."""

    by_name: dict[str, list[str]]
    words: list[str]

    @classmethod
    def demo(cls) -> Pools:
        found: dict[type, list[str]] = {
            RegisterOrganization: [],
            RegisterLocation: [],
            RegisterService: [],
        }
        for record in records():
            if type(record) in found:
                found[type(record)].append(str(record.id))
        organizations = found[RegisterOrganization][:5]
        locations, services = found[RegisterLocation][:5], found[RegisterService][:10]
        places = sorted({place.code for place in PLACES})
        codes = sorted({template.taxonomy for template in TEMPLATES})
        every = organizations + locations + services
        by_name = {
            "id": every, "targetId": every, "organizationId": organizations,
            "locationId": locations, "serviceId": services, "referralServiceIds": services,
            "territory": places, "territories": places, "within": places,
            "parentCode": places, "targetCode": places, "serviceAreas": places,
            "code": places + codes, "taxonomyCodes": codes, "categories": codes,
            "language": ["fr", "en"], "languages": ["fr", "en"],
            "number": ["5145550100"], "kind": ["voice"], "opens": ["09:00"],
            "closes": ["17:00"], "website": ["https://example.org"],
            "postalCode": ["H2W 2M5"], "province": ["QC"], "types": ["OrganizationRegistered"],
        }  # fmt: skip
        return cls(by_name, ["Aide alimentaire", "Banque du quartier", "logement", "Ana"])


class Requests:
    """Strategies of (document, variables) for each root field of a schema: the variables are
    ordinary but for one hostile leaf (a string, or a list made long or deep), or none."""

    def __init__(self, schema: graphql.GraphQLSchema, pools: Pools) -> None:
        self.schema, self.pools = schema, pools

    def each(self) -> list[st.SearchStrategy[tuple[str, dict[str, Any]]]]:
        """A strategy for each root field: drawn from one strategy, some fields were drawn
        twenty times and others once or never."""
        return [
            self.one(operation, name, root.fields[name])
            for operation, root in (("query", self.schema.query_type),
                                    ("mutation", self.schema.mutation_type),
                                    ("subscription", self.schema.subscription_type))
            if root is not None for name in sorted(root.fields)
        ]  # fmt: skip

    def one(
        self, operation: str, name: str, root: graphql.GraphQLField
    ) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        declared = ", ".join(f"${arg}: {argument.type}" for arg, argument in root.args.items())
        passed = ", ".join(f"{arg}: ${arg}" for arg in root.args)
        named = graphql.get_named_type(root.type)
        selection = " { __typename }" if graphql.is_composite_type(named) else ""
        document = (f"{operation}{f' ({declared})' if declared else ''} "
                    f"{{ {name}{f'({passed})' if passed else ''}{selection} }}")  # fmt: skip
        ordinary = st.fixed_dictionaries(
            {arg: self.value(argument.type, arg) for arg, argument in root.args.items()}
        )
        return st.tuples(st.just(document), ordinary.flatmap(self.spoiled))

    def spoiled(self, variables: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        """The variables with one leaf made hostile (a string, or a list long or deep)."""
        strings = list(_leaves(variables, Text))
        lists = list(_leaves(variables, list))
        choices: list[st.SearchStrategy[dict[str, Any]]] = []
        if strings:  # first: the simplest example of each field is one with a NUL
            choices += [st.tuples(st.sampled_from(strings), hostile_strings()).map(
                lambda spot: _replaced(variables, *spot)
            )] * 4  # fmt: skip
        if lists:
            longer = st.sampled_from(lists).flatmap(
                lambda spot: st.sampled_from(
                    [_long((spot[0][spot[1]] or ["x"])[0]), DEEP_MARKER]
                ).map(lambda value: _replaced(variables, spot, value))
            )
            choices.append(longer)
        return st.one_of([*choices, st.just(variables)])

    def value(self, kind: graphql.GraphQLInputType, name: str) -> st.SearchStrategy[Any]:
        if isinstance(kind, graphql.GraphQLNonNull):
            return self.present(kind.of_type, name)
        return st.one_of(self.present(kind, name), self.present(kind, name), st.none())

    def present(self, kind: graphql.GraphQLInputType, name: str) -> st.SearchStrategy[Any]:
        if isinstance(kind, graphql.GraphQLNonNull):
            return self.present(kind.of_type, name)
        if isinstance(kind, graphql.GraphQLList):
            return st.lists(self.value(kind.of_type, name), min_size=1, max_size=3)
        if isinstance(kind, graphql.GraphQLInputObjectType):
            # Every field, optional ones too (null among their values): the simplest example of
            # an input then has all its strings, the first of which gets the NUL.
            fields = kind.fields.items()
            return st.fixed_dictionaries({key: self.value(f.type, key) for key, f in fields})
        if isinstance(kind, graphql.GraphQLEnumType):
            return st.sampled_from(sorted(kind.values))
        assert isinstance(kind, graphql.GraphQLScalarType), kind
        return self.scalar(kind.name, name)

    def scalar(self, kind: str, name: str) -> st.SearchStrategy[Any]:
        if kind in ("String", "ID"):
            if name == "key":
                return st.uuids().map(lambda key: Text(key))
            return st.sampled_from(self.pools.by_name.get(name, self.pools.words)).map(Text)
        if kind == "Int":
            if name in INTS:
                return st.sampled_from(INTS[name])
            return st.one_of(st.integers(0, 50), st.sampled_from([-1, 2**31 - 1, -(2**31)]))
        if kind == "Float":
            return st.one_of(st.floats(45.0, 46.0), st.floats(-74.0, -73.0),
                             st.sampled_from([1e308, -1e308, 0.0]))  # fmt: skip
        if kind == "Boolean":
            return st.booleans()
        if kind == "Date":
            days = st.integers(0, 2_600).map(lambda n: date(2019, 1, 1) + timedelta(days=n))
            usual = st.sampled_from(DATES.get(name, ["2019-06-01"]))
            return st.one_of(usual, usual, days.map(date.isoformat))
        if kind == "DateTime":
            moments = st.integers(0, 2_600 * 24).map(
                lambda n: datetime(2019, 1, 1, tzinfo=UTC) + timedelta(hours=n)
            )
            usual = st.sampled_from(TIMES.get(name, ["2019-06-01T12:00:00+00:00"]))
            return st.one_of(usual, usual, moments.map(datetime.isoformat))
        return st.just({})  # JSON and any other scalar: an empty object


class Text(str):
    """An ordinary value of a String or ID: the leaves a hostile string may replace (not an
    enum's value, a date or a time, refused before any text rule)."""


# Dates and times that agree with each other, so that a request is refused for its hostile
# value and not for a period ending before it starts.
DATES = {"from": ["2019-01-01"], "to": ["2019-12-31"], "effectiveFrom": ["2024-01-01"],
         "effectiveUntil": ["2030-12-31"], "due": ["2027-01-01"], "at": ["2025-01-01"]}  # fmt: skip
TIMES = {"startedAt": ["2019-03-01T10:00:00+00:00"], "answeredAt": ["2019-03-01T10:01:00+00:00"],
         "endedAt": ["2019-03-01T10:12:00+00:00"], "from": ["2019-01-01T00:00:00+00:00"],
         "to": ["2030-01-01T00:00:00+00:00"]}  # fmt: skip
INTS = {"expectedVersion": [1, 2], "first": [10], "after": [0], "need": [0, 1],
        "weekday": [1, 5], "top": [5], "followUp": [0, 1], "consistentWith": [0]}  # fmt: skip
Spot = tuple[Any, Any]  # a container (dict or list) and the key or index of a leaf in it


def _leaves(value: Any, kind: type) -> Iterable[Spot]:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, kind):
            yield value, key
        if isinstance(item, dict | list):
            yield from _leaves(item, kind)


def _replaced(variables: dict[str, Any], spot: Spot, value: Any) -> dict[str, Any]:
    """A copy of the variables with the leaf at `spot` replaced."""
    holder, key = spot
    old = holder[key]
    holder[key] = value
    try:
        return copy.deepcopy(variables)
    finally:
        holder[key] = old


def _long(value: Any) -> list[Any]:
    """The value repeated up to LONG_LIST times, or as many as fit a body just past the limit."""
    size = len(json.dumps(value)) + 2
    return [value] * max(1, min(LONG_LIST, BODY_BUDGET // size))


def encode(document: str, variables: dict[str, Any]) -> bytes:
    """The body of the request, ASCII, lone surrogates as JSON escapes, deep lists deep."""
    body = json.dumps({"query": document, "variables": variables})
    deep = json.dumps(DEEP_MARKER)
    return body.replace(deep, "[" * DEEP + "]" * DEEP).encode("ascii")


def subscribe_message(identifier: str, body: bytes) -> str:
    """A graphql-transport-ws `subscribe` carrying the same document and variables."""
    payload = body.decode("ascii")
    return f'{{"id": {json.dumps(identifier)}, "type": "subscribe", "payload": {payload}}}'


def new_id() -> str:
    return uuid.uuid4().hex


def short(texts: Iterable[str], most: int = 300) -> str:
    """A finding's text, cut: the hostile values run to a megabyte."""
    return " ".join(texts)[:most].encode("ascii", "backslashreplace").decode("ascii")
