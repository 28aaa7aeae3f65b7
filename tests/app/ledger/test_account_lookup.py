"""Finding an account uses its kind's partial unique index in the statement's plan for any values.

A partial index serves a query only when its condition implies the index's predicate (``kind = 'site'``). For
a bound kind SQLite can see that only by planning the statement again at every execution with the value
bound, and PostgreSQL not at all in a generic (prepared) plan; a lookup that writes the kind literally has one
plan that always uses the index. Here each lookup's statement is planned without its values.
"""
from __future__ import annotations

import re

import psycopg
from sqlalchemy import Connection, event

from app.services.ledger.accounts import boundary_account, site_account, transit_account
from models import Boundary


def _generic_plan(connection: Connection, sql: str, parameters: dict | tuple) -> str:
    if connection.dialect.name == "sqlite":  # unknown values: NULL, which implies nothing
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (None,) * len(parameters))
        return " ".join(row[-1] for row in rows)
    names = re.findall(r"%\((\w+)\)s", sql)
    # Client-side binding, so that PREPARE's $n reach the server as text, not as parameters of this call.
    cursor = psycopg.ClientCursor(connection.connection.driver_connection)
    cursor.execute("SET LOCAL enable_seqscan = off")  # the test tables are tiny
    cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    cursor.execute("PREPARE lookup AS " + re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", sql))
    try:
        cursor.execute(f"EXPLAIN EXECUTE lookup({', '.join(['%s'] * len(names))})",
                       tuple(parameters[name] for name in names))
        return " ".join(row[0] for row in cursor.fetchall())
    finally:
        cursor.execute("DEALLOCATE lookup")


def test_account_lookups_plan_on_their_partial_index(session, connection, world):
    seen: list[tuple[str, dict | tuple]] = []

    def remember(_conn, _cursor, statement, parameters, *_args) -> None:
        if "FROM ledger_accounts" in statement:
            seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", remember)
    try:
        site_account(session, world.plant.id)
        transit_account(session, world.carrier.id, "苏B12345")
        boundary_account(session, world.producer.id, Boundary.PRODUCED)
    finally:
        event.remove(connection, "before_cursor_execute", remember)
    for (sql, parameters), index in zip(seen, ("uq_ledger_accounts_site", "uq_ledger_accounts_transit",
                                               "uq_ledger_accounts_boundary"), strict=True):
        assert index in _generic_plan(connection, sql, parameters), sql
