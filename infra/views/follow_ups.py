"""Follow-ups due on a day, or from an earlier day up to it (ISO dates compare as text), as
the contacts view finds them (`PostgresInteractionView`).

A contact's follow-ups are in its document, or, for a contact as logged (no document), the one
its logged fact's payload may carry. Most payloads carry none: their bytes are searched for the
member before any is parsed (a quote inside a text is escaped, so no text can match). No index
covers a due day: the contacts started before the day's end are read (see BENCHMARKS.md).
"""

from __future__ import annotations

from psycopg import sql

_DUE = """
FROM {interactions} i
LEFT JOIN {events} e ON i.detail IS NULL AND e.notification_id = i.position
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN i.detail IS NOT NULL THEN i.detail->'follow_ups'
    WHEN position('"follow_up":{{'::bytea IN e.state) > 0
    THEN jsonb_build_array(convert_from(e.state, 'UTF8')::jsonb->'follow_up')
    ELSE '[]'::jsonb END) WITH ORDINALITY f(x, n)
WHERE {where} AND jsonb_typeof(f.x) = 'object' AND f.x->>'due' BETWEEN %(since)s AND %(day)s
    AND coalesce(jsonb_typeof(f.x->'done'), 'null') = 'null'
"""

# A page in (started, row_id, number) order, after a cursor of those keys.
PAGE = sql.SQL(
    "SELECT i.id, f.n - 1 AS number"
    + _DUE
    + " AND (i.started_at, i.row_id, f.n - 1) > (%(at)s, %(row)s, %(number)s)"
    " ORDER BY i.started_at, i.row_id, f.n LIMIT %(n)s"
)
COUNT = sql.SQL("SELECT count(*) AS n" + _DUE)
