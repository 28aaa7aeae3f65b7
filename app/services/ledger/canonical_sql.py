"""The canonical form of every entry, rendered by the database as text: the fast path of verification.

:func:`~app.services.ledger.chain.canonical_form` builds an entry's bytes from typed Python values (a few
microseconds of Decimal, datetime, UUID and json work per entry). To verify hundreds of thousands of entries
a second, the database renders the very same text straight from the stored columns (UUIDs hyphenated,
quantities with three decimals, UTC times with microseconds and ``+00:00``, JSON string escaping for the
document reference and batch code, ``null`` for absent values), a range of entries at a time: as one row of
long strings (:func:`joined_columns`) or as plain rows (:func:`canonical_rows`), no ORM objects; Python only
encodes and hashes. The equality of both forms is a test (``tests/app/ledger/test_chain.py``).

The text is only trusted to confirm a hash. Whenever it does not (a tampered row, or a value stored in some
unusual form), the caller rechecks that entry with :func:`~app.services.ledger.chain.canonical_form`, which
decides; so the verdict is always the canonical form's.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

#: The keys of an entry's canonical JSON object, sorted, and how each value is rendered (module docstring).
_FIELDS = (
    ("actor_id", "uuid"), ("batch_id", "uuid"), ("batch_identity", "optional"), ("document_ref", "string"),
    ("enterprise_id", "uuid"), ("from_account_id", "uuid"), ("id", "uuid"), ("kind", "enum"), ("lineage_role", "enum"),
    ("occurred_at", "time"), ("previous_hash", "hex"), ("quantity", "quantity"), ("recorded_at", "time"),
    ("reverses_id", "uuid"), ("sequence", "number"), ("to_account_id", "uuid"), ("transformation_id", "uuid"),
)

#: The same for a batch's identity (``chain.batch_form``).
_BATCH_FIELDS = (("chemical_id", "uuid"), ("code", "string"), ("id", "uuid"), ("produced_at", "time"),
                 ("producer_id", "uuid"), ("quantity", "quantity"))

_UUID = "%.8s-%.4s-%.4s-%.4s-%s"


def _sqlite(column: str, kind: str) -> tuple[str, list[str]]:
    """(printf format, arguments) of one value: SQLite builds the whole form with one printf, no ``||`` chains."""
    if kind == "uuid":  # stored as 32 hex digits
        parts = [column, *(f"substr({column},{start})" for start in (9, 13, 17, 21))]
        if column in _NULLABLE:
            return "%s", [f"CASE WHEN {column} IS NULL THEN 'null' ELSE printf('\"{_UUID}\"',{','.join(parts)}) END"]
        return f'"{_UUID}"', parts
    if kind == "time":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff', UTC
        return '"%.10sT%s+00:00"', [column, f"substr({column},12)"]
    if kind == "quantity":  # stored as integer grams, never negative
        return '"%d.%03d"', [f"{column}/1000", f"{column}%1000"]
    if kind == "string":
        return "%s", [f"json_quote({column})"]  # NULL -> null
    if kind == "number":
        return "%d", [column]
    if column in _NULLABLE:
        return "%s", [f"coalesce('\"'||{column}||'\"','null')"]
    return '"%s"', [column]


_NULLABLE = {"reverses_id", "transformation_id", "lineage_role", "document_ref"}


def _postgresql(column: str, kind: str) -> tuple[str, list[str]]:
    """(template, [value]) of one value: the value's SQL goes where the template says ``%s``. Quotes and
    suffixes of values never NULL live in the template, so the whole form is few ``||`` of long literals."""
    if kind == "string":
        return "%s", [f"coalesce(to_json({column})::text,'null')"]
    if kind == "number":
        return "%s", [f"{column}::text"]
    if kind == "time":
        return '"%s+00:00"', [f"to_char({column} AT TIME ZONE 'UTC','YYYY-MM-DD\"T\"HH24:MI:SS.US')"]
    value = f"{column}::text"  # uuid, enum, hex; a numeric(18,3) quantity prints its three decimals
    if column in _NULLABLE:
        return "%s", [f"coalesce('\"'||{value}||'\"','null')"]
    return '"%s"', [value]


def _canonical_sql(dialect: str, fields: tuple[tuple[str, str], ...] = _FIELDS) -> str:
    """The SQL expression printing *fields* of the row in scope as a canonical JSON object."""
    render = _postgresql if dialect == "postgresql" else _sqlite
    template, arguments = "{", []
    for name, kind in fields:
        if kind == "optional":  # key and value, or nothing at all (the same SQL on both backends)
            template += "%s"
            arguments.append(f"coalesce(',\"{name}\":\"'||{name}||'\"','')")
            continue
        value, values = render(name, kind)
        template += ("" if template == "{" else ",") + f'"{name}":' + value
        arguments += values
    template += "}"
    if dialect == "postgresql":
        literals = [f"'{literal}'" for literal in template.split("%s")]
        return "||".join(part for pair in zip(literals, [*arguments, ""]) for part in pair if part)
    return f"printf('{template}',{','.join(arguments)})"


#: (sequence, previous_hash, hash, canonical form, batch_identity, batch form), the batch's form only where the
#: entry holds a batch identity. Forms come as text: psycopg decodes text faster than it unescapes bytea.
CanonicalRow = tuple[int, str, str, str, str | None, str | None]


def _range_sql(dialect: str, first: int, last: int) -> str:
    # Inside the subquery the batch's columns are in scope; the CASE keeps it to the few entries that need it.
    batch = f"(SELECT {_canonical_sql(dialect, _BATCH_FIELDS)} FROM batches WHERE batches.id = ledger_entries.batch_id)"
    return (f"SELECT sequence, previous_hash, hash, {_canonical_sql(dialect)} AS canonical, batch_identity, "
            f"CASE WHEN batch_identity IS NULL THEN NULL ELSE {batch} END AS batch_form "
            f"FROM ledger_entries WHERE sequence BETWEEN {int(first)} AND {int(last)} ORDER BY sequence")


def _fetch(connection: Connection, sql: str) -> list[tuple[Any, ...]]:
    """Through the driver's own cursor, in the connection's transaction: plain tuples built in C."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def canonical_rows(connection: Connection, first: int, last: int) -> list[CanonicalRow]:
    """The entries *first*..*last* in chain order, their canonical forms printed, with their batch's
    (identity) form where they hold its identity."""
    return _fetch(connection, _range_sql(connection.dialect.name, first, last))


def columns_sql(dialect: str, first: int, last: int) -> str:
    """The query of one row joining, in chain order, the sequences, previous hashes and hashes (``,``), the
    canonical forms (newline), and the batch identities and batch forms of the entries holding one, of the
    entries *first*..*last* (:func:`~app.services.ledger.range_worker.confirmed_head` checks it)."""
    join, newline = ("string_agg", "chr(10)") if dialect == "postgresql" else ("group_concat", "char(10)")
    columns = ", ".join(f"{join}({column}, {separator})" for column, separator in (
        ("CAST(sequence AS TEXT)", "','"), ("previous_hash", "','"), ("hash", "','"),
        ("canonical", newline), ("batch_identity", "','"), ("batch_form", newline)))
    return f"SELECT {columns} FROM ({_range_sql(dialect, first, last)}) AS entries"


def joined_columns(connection: Connection, first: int, last: int) -> tuple[str | None, ...]:
    """The row of :func:`columns_sql` (all None for no entries)."""
    return _fetch(connection, columns_sql(connection.dialect.name, first, last))[0]
