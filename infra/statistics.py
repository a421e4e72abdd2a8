"""Reads the contacts view into columns and answers statistics queries from them.

Each process keeps its own columns and, before every query, reads only the rows written since
(the `position` index); a rebuilt view has a new epoch and is read again from the start.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

import numpy as np
from psycopg import sql
from psycopg.rows import tuple_row

from domain.errors import InvalidInput
from domain.interactions import CONFIDENTIAL
from infra.settings import Settings
from infra.views.interactions import PostgresInteractionView
from infra.views.territories import PostgresTerritoryView
from projections.coverage import Place, Places
from projections.rounding import RandomRounding
from projections.statistics import (
    Cell,
    Columns,
    Contact,
    Filter,
    Tallies,
    compute,
    report_region,
)
from projections.statistics_labels import table_label
from projections.statistics_report import Published, publish

FETCH = 20_000
# Counts kept between two moves of the view, the oldest dropped first.
COUNTED = 256
_SELECT = (
    "SELECT row_id, position, disposition, day, channel, language, interpreter, inquirer_type,"
    " age_band, gender, territory, wait_seconds, handle_seconds, need_codes, need_unmet,"
    " referral_organizations FROM {} WHERE position > %s AND position <= %s ORDER BY position"
)


# Where the processes agree on the position public figures count up to in each interval.
CUT_TABLE = "statistics_public_cut"
_CREATE_CUT = (
    "CREATE TABLE IF NOT EXISTS {} (every double precision NOT NULL, tick bigint NOT NULL,"
    " position bigint NOT NULL, PRIMARY KEY (every, tick))"
)


# The secret the random rounding of public counts is drawn with: made once, never shown.
ROUNDING_TABLE = "statistics_rounding"
CREATE_ROUNDING = (
    "CREATE TABLE IF NOT EXISTS {} (one boolean PRIMARY KEY DEFAULT true CHECK (one),"
    " secret bytea NOT NULL)"
)


class UnknownTerritory(LookupError):
    pass


class TooFewContacts(InvalidInput):
    """Public figures of fewer contacts than the minimum: nothing of them is published."""


# Kinds of place too wide to stand for a place in the table of places: a small place is shown
# as its nearest larger place below these, or only in its region.
_WIDE = {"region", "agglomeration", "province", "metropolitan_community"}


@dataclass(frozen=True)
class PublicRules:
    """What the public may ask (see `projections.disclosure` for how cells are protected)."""

    threshold: int = 5
    min_days: int = 7
    min_contacts: int = 10
    min_population: int = 10_000
    interval: float = 60.0  # public figures count contacts as of the last such tick

    @classmethod
    def of(cls, settings: Settings) -> PublicRules:
        return cls(
            settings.statistics_threshold, settings.statistics_min_days,
            settings.statistics_min_contacts, settings.statistics_min_population,
            settings.statistics_interval,
        )  # fmt: skip


@dataclass(frozen=True)
class StatisticsRequest:
    start: date
    end: date  # included
    territory: str | None = None
    channel: str | None = None
    top: int = 10
    language: str = "fr"  # of the labels


class StatisticsReader:
    def __init__(self, view: PostgresInteractionView, territories: PostgresTerritoryView) -> None:
        self.view = view
        self.territories = territories
        self._lock = threading.Lock()
        self._columns = Columns()
        self._epoch: UUID | None = None
        self._position = 0
        self._tick = -1
        self._cut = 0
        self._cut_table = False
        self._secret: bytes | None = None
        # Counts already made since the view last moved (see `_counted`).
        self._counted: dict[tuple[object, ...], tuple[Places, Tallies]] = {}
        self._counted_at: tuple[UUID | None, int] = (None, 0)

    @property
    def position(self) -> int:
        """The log position of the newest contact read so far."""
        return self._position

    def sync(self) -> int:
        """Reads the rows changed since the last call; returns how many."""
        datastore = self.view.datastore
        # Rows up to the tracked position only: a rebuild loads contacts by ranges in parallel,
        # and rows of a later range may commit first.
        tracked = self.view.position()
        with datastore.get_connection() as conn, conn.transaction():
            curs = conn.cursor(row_factory=tuple_row)
            curs.execute(
                sql.SQL("SELECT epoch FROM {}").format(self.view.table("interactions_epoch"))
            )
            found = curs.fetchone()
            epoch = found[0] if found else None
            if epoch != self._epoch:
                self._columns, self._epoch, self._position = Columns(), epoch, 0
            # A cursor on the server, read FETCH rows at a time: a client-side one takes every
            # row at once and leaves the session idle in its transaction while they are folded,
            # which the idle-in-transaction bound ended for a million contacts.
            with conn.cursor("statistics_rows", row_factory=tuple_row) as rows:
                rows.execute(
                    sql.SQL(_SELECT).format(self.view.table("interactions")),
                    (self._position, tracked),
                )
                read = 0
                while batch := rows.fetchmany(FETCH):
                    read += self._columns.add(_contacts(batch))
                    self._position = max(self._position, batch[-1][1])
            return read

    def tallies(
        self,
        start: date,
        end: date,
        channel: str | None,
        territory: str | None,
        public: PublicRules | None = None,
    ) -> tuple[Tallies, dict[str, str]]:
        """Figures for the query, and the names of the places and regions they show: exact, or
        for the public (`public`) as of the last tick and with small places grouped."""
        snapshot = self.territories.snapshot()
        places = snapshot.places_at(end)
        inside: frozenset[str] | None = None
        if territory is not None:
            if territory not in places.by_code:
                raise UnknownTerritory(territory)
            if public is not None and people(places, territory) < public.min_population:
                raise InvalidInput(
                    "territory",
                    f"public figures are for places of at least {public.min_population:,} "
                    "people; ask for a larger territory",
                )
            inside = frozenset(place.code for place in places.within.get(territory, []))
        with self._lock:
            self.sync()
            until = None if public is None else self._public_cut(public.interval, public.threshold)
            tallies = self._count(places, Filter(start, end, channel, inside, until))
        if public is not None:
            tallies = _grouped(tallies, places, public.min_population)
        return tallies, {place.code: place.name for place in places.all}

    def _count(self, places: Places, query: Filter) -> Tallies:
        """The count of `query`, made once for as long as the rows read and the places stay
        the same: dashboards and reports often ask the same figures again, and subscribers of
        the same figures ask together. Called with the lock held."""
        if self._counted_at != (self._epoch, self._position):
            self._counted, self._counted_at = {}, (self._epoch, self._position)
        key = (query, id(places))
        found = self._counted.get(key)
        if found is not None and found[0] is places:
            return found[1]
        regions = _regions(self._columns.codes["territory"].labels, places)
        tallies = compute(self._columns, query, regions)
        if len(self._counted) >= COUNTED:
            self._counted.pop(next(iter(self._counted)))
        self._counted[key] = (places, tallies)
        return tallies

    def _public_cut(self, interval: float, threshold: int) -> int:
        """The position public figures count up to in the current interval of the clock: the
        same in every process, so that they change at most once an interval and never tell
        within it when a contact was logged."""
        tick = math.floor(time.time() / interval)
        if tick != self._tick:
            self._tick, self._cut = tick, self._shared_cut(interval, tick, threshold)
        return self._cut

    def _shared_cut(self, interval: float, tick: int, threshold: int) -> int:
        """The first process to ask in an interval sets the position for all (the table
        `statistics_public_cut`): the one it has read, or the previous interval's when fewer
        than `threshold` contacts were logged or changed since, so that two figures in a row
        never differ by one or two contacts of the whole."""
        table = self.view.table(CUT_TABLE)
        with self.view.datastore.get_connection() as conn, conn.transaction():
            curs = conn.cursor(row_factory=tuple_row)
            if not self._cut_table:
                # Serialised: two processes creating the table at once would collide.
                curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (table.as_string(conn),))
                curs.execute(sql.SQL(_CREATE_CUT).format(table))
                self._cut_table = True
            curs.execute(
                sql.SQL(
                    "SELECT tick, position FROM {} WHERE every = %s AND tick < %s"
                    " ORDER BY tick DESC LIMIT 1"
                ).format(table),
                (interval, tick),
            )
            previous = curs.fetchone()
            cut = self._position
            if previous is not None and self._changed_since(previous[1]) < threshold:
                cut = previous[1]
            curs.execute(
                sql.SQL("INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT DO NOTHING").format(table),
                (interval, tick, cut),
            )
            if previous is not None:
                curs.execute(
                    sql.SQL("DELETE FROM {} WHERE every = %s AND tick < %s").format(table),
                    (interval, previous[0]),
                )
            curs.execute(
                sql.SQL("SELECT position FROM {} WHERE every = %s AND tick = %s").format(table),
                (interval, tick),
            )
            found = curs.fetchone()
        # Rows read by this process stop at the view's position, which is past the cut.
        return int(found[0]) if found else cut

    def rounding(self) -> RandomRounding:
        """The rounding of public counts, with the deployment's secret (the table
        `statistics_rounding`), made by the first process to need it."""
        if self._secret is None:
            table = self.view.table(ROUNDING_TABLE)
            with self.view.datastore.get_connection() as conn, conn.transaction():
                curs = conn.cursor(row_factory=tuple_row)
                curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (table.as_string(conn),))
                curs.execute(sql.SQL(CREATE_ROUNDING).format(table))
                curs.execute(
                    sql.SQL("INSERT INTO {} (secret) VALUES (%s) ON CONFLICT DO NOTHING").format(
                        table
                    ),
                    (secrets.token_bytes(32),),
                )
                curs.execute(sql.SQL("SELECT secret FROM {}").format(table))
                found = curs.fetchone()
            assert found is not None  # inserted above when missing
            self._secret = bytes(found[0])
        return RandomRounding(self._secret)

    def _changed_since(self, position: int) -> int:
        rows = self._columns.rows
        return int(np.count_nonzero(rows["counted"].view() & (rows["position"].view() > position)))


def published(
    reader: StatisticsReader,
    organization_names: Callable[[list[str]], dict[str, str]],
    query: StatisticsRequest,
    *,
    exact: bool,
    rules: PublicRules,
    category_names: Callable[[list[str], str], dict[str, str]] | None = None,
) -> tuple[Published, int]:
    """The figures a role may see, labelled, and the log position they include (0 for the
    public: the position would tell when contacts were logged)."""
    public = None if exact else rules
    if public is not None and (days := (query.end - query.start).days + 1) < public.min_days:
        raise InvalidInput(
            "from", f"public figures cover at least {public.min_days} days, not {days}"
        )
    tallies, names = reader.tallies(query.start, query.end, query.channel, query.territory, public)
    # Decided on the total as the public sees it (the same draw): on the exact one, whether
    # one more day is answered would tell whether a contact of that day is among those asked.
    if (
        public is not None
        and reader.rounding()(tallies.contacts, "total", "", "contacts", tallies.contacts)
        < public.min_contacts
    ):
        raise TooFewContacts(
            "from",
            f"public figures need at least {public.min_contacts} contacts; widen the period, "
            "the territory or the channel",
        )
    organizations = organization_names(
        [cell.key for cell in tallies.tables["organization"][: query.top]]
    )

    coded = sorted({cell.key for table in _CODED for cell in tallies.tables[table]})
    categories = category_names(coded, query.language) if category_names and coded else {}

    def label(table: str, key: str) -> str:
        if table == "organization":
            return organizations.get(key, "")
        if table in _CODED:
            return categories.get(key, "")
        named = table_label(table, key, query.language)
        if named is not None:
            return named
        return names.get(key, key) if table in ("place", "region") else ""

    first = dict.fromkeys(("place", "need", "unmet", "organization"), query.top)
    figures = publish(
        tallies, exact=exact, threshold=rules.threshold, label=label, first=first,
        rounding=None if exact else reader.rounding(),
    )  # fmt: skip
    return figures, reader.position if exact else 0


# Tables keyed by taxonomy codes, labelled with the names of their terms.
_CODED = ("need", "unmet", "category")


def people(places: Places, code: str) -> int:
    """A place's population, or that of the municipalities inside it when it has none (a
    borough has none: it counts as small)."""
    place = places.by_code[code]
    if place.population is not None:
        return place.population
    inside = places.within.get(code, [])
    return sum(p.population or 0 for p in inside if p.kind == "municipality" and p is not place)


def _grouped(tallies: Tallies, places: Places, smallest: int) -> Tallies:
    """The table of places with each place below `smallest` people counted under its nearest
    larger place inside its region, or left to its region alone."""
    counts: dict[tuple[str, str], int] = {}
    for cell in tallies.tables["place"]:
        shown = _public_place(places, places.by_code.get(cell.key), cell.group, smallest)
        if shown is not None:
            counts[cell.group, shown] = counts.get((cell.group, shown), 0) + cell.count
    cells = sorted(
        (Cell(key, count, group) for (group, key), count in counts.items()),
        key=lambda c: -c.count,
    )
    return replace(tallies, tables={**tallies.tables, "place": cells})


def _public_place(places: Places, place: Place | None, region: str, smallest: int) -> str | None:
    if place is None:
        return None
    for code in (place.code, *place.ancestors):
        above = places.by_code.get(code)
        if code == region or above is None or above.kind in _WIDE:
            return None
        if people(places, code) >= smallest:
            return code
    return None


def _regions(labels: list[str], places: Places) -> dict[str, str]:
    regions: dict[str, str] = {}
    for label in labels:
        if label == CONFIDENTIAL:
            regions[label] = CONFIDENTIAL
        elif (place := places.by_code.get(label)) is not None:
            regions[label] = report_region(label, place.ancestors)
    return regions


def _contacts(batch: list[tuple[Any, ...]]) -> Iterator[Contact]:
    for row in batch:
        yield Contact(*row)
