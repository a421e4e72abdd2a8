"""Reads the contacts view into columns and answers statistics queries from them.

Each process keeps its own columns and, before every query, reads only the rows written since
(the `position` index); a rebuilt view has a new epoch and is read again from the start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import tuple_row

from domain.interactions import CONFIDENTIAL
from infra.views.interactions import PostgresInteractionView
from infra.views.territories import PostgresTerritoryView
from projections.coverage import Places
from projections.statistics import (
    REGION_LABELS,
    Columns,
    Contact,
    Filter,
    Tallies,
    compute,
    report_region,
)
from projections.statistics_report import Published, publish

FETCH = 20_000
_SELECT = (
    "SELECT row_id, position, disposition, day, channel, language, interpreter, inquirer_type,"
    " age_band, gender, territory, wait_seconds, handle_seconds, need_codes, need_unmet,"
    " referral_organizations FROM {} WHERE position > %s AND position <= %s ORDER BY position"
)


class UnknownTerritory(LookupError):
    pass


@dataclass(frozen=True)
class StatisticsRequest:
    start: date
    end: date  # included
    territory: str | None = None
    channel: str | None = None
    top: int = 10


class StatisticsReader:
    def __init__(self, view: PostgresInteractionView, territories: PostgresTerritoryView) -> None:
        self.view = view
        self.territories = territories
        self._lock = threading.Lock()
        self._columns = Columns()
        self._epoch: UUID | None = None
        self._position = 0

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
            curs.execute(
                sql.SQL(_SELECT).format(self.view.table("interactions")),
                (self._position, tracked),
            )
            read = 0
            while batch := curs.fetchmany(FETCH):
                read += self._columns.add(_contacts(batch))
                self._position = max(self._position, batch[-1][1])
            return read

    def tallies(
        self, start: date, end: date, channel: str | None, territory: str | None
    ) -> tuple[Tallies, dict[str, str]]:
        """Exact figures for the query, and the names of the places and regions they show."""
        snapshot = self.territories.snapshot()
        places = snapshot.places_at(end)
        inside: frozenset[str] | None = None
        if territory is not None:
            if territory not in places.by_code:
                raise UnknownTerritory(territory)
            inside = frozenset(place.code for place in places.within.get(territory, []))
        with self._lock:
            self.sync()
            regions = _regions(self._columns.codes["territory"].labels, places)
            tallies = compute(self._columns, Filter(start, end, channel, inside), regions)
        names = {place.code: place.name for place in places.all}
        names.update(REGION_LABELS)
        return tallies, names


def published(
    reader: StatisticsReader,
    organization_names: Callable[[list[str]], dict[str, str]],
    query: StatisticsRequest,
    *,
    exact: bool,
    threshold: int,
) -> tuple[Published, int]:
    """The figures a role may see, labelled, and the log position they include."""
    tallies, names = reader.tallies(query.start, query.end, query.channel, query.territory)
    organizations = organization_names(
        [cell.key for cell in tallies.tables["organization"][: query.top]]
    )

    def label(table: str, key: str) -> str:
        if table == "organization":
            return organizations.get(key, "")
        if table in ("place", "region"):
            return names.get(key, key)
        return ""

    first = dict.fromkeys(("place", "need", "unmet", "organization"), query.top)
    figures = publish(tallies, exact=exact, threshold=threshold, label=label, first=first)
    return figures, reader.position


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
