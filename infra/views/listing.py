"""The directory's lists in SQL: the records of one kind a `Listing` asks for, a page at a time
in (sort name, id) order, read from the annual-check table."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from projections.verification import Listing

STATES = {
    "OVERDUE": sql.SQL("coalesce(r.verified_at, r.registered_at) < %(at)s - interval '1 year'"),
    "DUE": sql.SQL(
        "coalesce(r.verified_at, r.registered_at) >= %(at)s - interval '1 year'"
        " AND coalesce(r.verified_at, r.registered_at) < %(at)s - interval '11 months'"
    ),
    "VERIFIED_THIS_YEAR": sql.SQL(
        "r.verified_at >= date_trunc('year', %(at)s AT TIME ZONE 'America/Montreal')"
        " AT TIME ZONE 'America/Montreal' AND r.verified_at <= %(at)s"
    ),
    "FLAGGED": sql.SQL("r.flagged_reason IS NOT NULL"),
}


def where(table: sql.Composable, listing: Listing) -> tuple[sql.Composed, dict[str, Any]]:
    """The conditions on `r`, a row of `table`, and their parameters."""
    conditions: list[sql.Composable] = [sql.SQL("r.kind = %(kind)s")]
    params: dict[str, Any] = {"kind": listing.kind}
    if listing.statuses is None:
        conditions.append(
            sql.SQL(
                "r.status = 'active' AND NOT EXISTS (SELECT 1 FROM {} o"
                " WHERE o.id = r.organization_id AND o.status <> 'active')"
            ).format(table)
        )
    else:
        conditions.append(sql.SQL("r.status = ANY(%(statuses)s)"))
        params["statuses"] = list(listing.statuses)
    if listing.state is not None:
        conditions.append(STATES[listing.state])
        params["at"] = listing.as_of
    if listing.changed_since is not None:
        conditions.append(sql.SQL("r.changed_at >= %(since)s"))
        params["since"] = listing.changed_since
    if listing.organization_id is not None:
        conditions.append(sql.SQL("r.organization_id = %(owner)s"))
        params["owner"] = listing.organization_id
    if listing.codes is not None:
        conditions.append(_place(table, listing))
        params.update(codes=list(listing.codes), cities=list(listing.cities))
    return sql.SQL(" AND ").join(conditions), params


def _place(table: sql.Composable, listing: Listing) -> sql.Composable:
    served = "s.kind = 'service' AND s.areas && %(codes)s"
    located = "s.kind = 'location' AND s.city = ANY(%(cities)s)"
    if listing.kind == "service":
        return sql.SQL(served.replace("s.", "r."))
    if listing.kind == "location":
        return sql.SQL(located.replace("s.", "r."))
    active = " AND s.status = 'active'" if listing.statuses is None else ""
    return sql.SQL(
        "EXISTS (SELECT 1 FROM {} s WHERE s.organization_id = r.id{} AND (({}) OR ({})))"
    ).format(table, sql.SQL(active), sql.SQL(served), sql.SQL(located))


def page(
    table: sql.Composable, listing: Listing, first: int, after: tuple[str, UUID] | None
) -> tuple[sql.Composed, dict[str, Any]]:
    """The ids and sort names of the page after `after`, `first` at most."""
    conditions, params = where(table, listing)
    if after is not None:
        conditions = sql.SQL("{} AND (r.sort_name, r.id) > (%(name)s, %(id)s)").format(conditions)
        params.update(name=after[0], id=after[1])
    statement = sql.SQL(
        "SELECT r.id, r.sort_name FROM {} r WHERE {} ORDER BY r.sort_name, r.id LIMIT %(n)s"
    ).format(table, conditions)
    return statement, {**params, "n": first}


def count(table: sql.Composable, listing: Listing) -> tuple[sql.Composed, dict[str, Any]]:
    conditions, params = where(table, listing)
    return sql.SQL("SELECT count(*) AS n FROM {} r WHERE {}").format(table, conditions), params
