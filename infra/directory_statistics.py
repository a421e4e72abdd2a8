"""Directory figures of a period, counted in PostgreSQL from the record history view: every fact
that changed a field is a row there with its business time, so the figures of any period
are one pass over it, without a read model of their own."""

from __future__ import annotations

from datetime import date

from psycopg import sql

from infra.statistics import UnknownTerritory
from infra.views.history import PostgresHistoryView
from infra.views.territories import PostgresTerritoryView
from projections.directory_statistics import (
    KINDS,
    NOT_UPDATES,
    DirectoryFigures,
    KindFigures,
    bounds,
)

# Each record's facts up to the end of the period: what happened in it, and its status at its
# end (the last status its facts set by then, in the order they were recorded).
_PER_RECORD = """
SELECT h.record_id, k.value #>> '{{}}' AS kind,
  bool_or(h.fact = 'Registered' AND h.occurred_at >= %(start)s) AS added,
  bool_or(h.fact <> ALL(%(not_updates)s) AND h.occurred_at >= %(start)s) AS updated,
  bool_or(h.fact = 'Verified' AND h.occurred_at >= %(start)s) AS verified,
  bool_or(h.fact = 'Deactivated' AND h.occurred_at >= %(start)s) AS deactivated,
  (array_agg(h.replacement #>> '{{}}' ORDER BY h.version DESC)
     FILTER (WHERE h.field = 'status'))[1] = 'active' AS active
FROM {history} h
JOIN {fields} k ON k.record_id = h.record_id AND k.field = 'kind'
  AND k.value #>> '{{}}' = ANY(%(kinds)s)
WHERE h.occurred_at < %(end)s {scope}
GROUP BY h.record_id, k.value
"""

# With a territory: its services (by their service areas, as they are now), the organizations
# that hold them and the locations they are offered at.
_SCOPE = """
AND h.record_id IN (
  WITH served AS (
    SELECT record_id FROM {fields} WHERE field = 'service_areas' AND value ?| %(codes)s
  )
  SELECT record_id FROM served
  UNION SELECT (o.value #>> '{{}}')::uuid FROM {fields} o
    WHERE o.field = 'organization_id' AND o.record_id IN (SELECT record_id FROM served)
  UNION SELECT (l.value #>> '{{}}')::uuid FROM {fields} s
    JOIN {fields} l ON l.record_id = s.record_id AND l.field = 'location_id'
    JOIN {fields} n ON n.record_id = s.record_id AND n.field = 'linked' AND n.value = 'true'
    WHERE s.field = 'service_id' AND (s.value #>> '{{}}')::uuid IN (SELECT record_id FROM served)
)
"""

_TOTALS = """
SELECT kind, count(*) FILTER (WHERE active) AS active,
  count(*) FILTER (WHERE added) AS added, count(*) FILTER (WHERE added AND active) AS added_active,
  count(*) FILTER (WHERE updated) AS updated,
  count(*) FILTER (WHERE updated AND active) AS updated_active,
  count(*) FILTER (WHERE verified) AS verified,
  count(*) FILTER (WHERE verified AND active) AS verified_active,
  count(*) FILTER (WHERE deactivated) AS deactivated
FROM ({per_record}) r GROUP BY kind
"""


class DirectoryStatistics:
    def __init__(self, history: PostgresHistoryView, territories: PostgresTerritoryView) -> None:
        self.history = history
        self.territories = territories

    def figures(self, start: date, end: date, territory: str | None) -> DirectoryFigures:
        """Raises UnknownTerritory for a territory not in the reference at the period's end."""
        params: dict[str, object] = {
            "kinds": list(KINDS), "not_updates": list(NOT_UPDATES),
        }  # fmt: skip
        params["start"], params["end"] = bounds(start, end)
        scope: sql.Composable = sql.SQL("")
        fields = self.history.table("record_fields")
        if territory is not None:
            params["codes"] = self._codes(territory, end)
            scope = sql.SQL(_SCOPE).format(fields=fields)
        per_record = sql.SQL(_PER_RECORD).format(
            history=self.history.table("record_history"), fields=fields, scope=scope
        )
        position = self.history.position()
        with self.history.datastore.get_connection() as conn:
            found = conn.execute(sql.SQL(_TOTALS).format(per_record=per_record), params).fetchall()
        counts = {row["kind"]: dict(row) for row in found}
        kinds = tuple(KindFigures.of(kind, counts.get(kind, {})) for kind in KINDS)
        return DirectoryFigures(start, end, territory, position, kinds)

    def _codes(self, territory: str, end: date) -> list[str]:
        """The territory, the places inside it, and those it is inside: a service of any of
        them serves people of the territory."""
        places = self.territories.snapshot().places_at(end)
        place = places.by_code.get(territory)
        if place is None:
            raise UnknownTerritory(territory)
        inside = {found.code for found in places.within.get(territory, [])}
        return sorted({territory, *place.ancestors, *inside})
