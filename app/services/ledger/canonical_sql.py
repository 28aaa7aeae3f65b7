"""The canonical form of every entry, rendered by the database as text: the fast path of verification.

:func:`~app.services.ledger.chain.canonical_form` builds an entry's bytes from typed Python values (a few
microseconds of Decimal, datetime, UUID and json work per entry). To verify hundreds of thousands of entries
a second, :func:`canonical_rows` has the database render the very same text straight from the stored columns
(UUIDs hyphenated, quantities with three decimals, UTC times with microseconds and ``+00:00``, JSON string
escaping for the document reference, ``null`` for absent values) and streams raw rows, no ORM objects; Python
only encodes and hashes. The equality of both forms is a test (``tests/app/ledger/test_chain.py``).

The text is only trusted to confirm a hash. Whenever it does not (a tampered row, or a value stored in some
unusual form), the caller rechecks that entry with :func:`~app.services.ledger.chain.canonical_form`, which
decides; so the verdict is always the canonical form's.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session

#: The keys of the canonical JSON object, sorted, and how each value is rendered (see the module docstring).
_FIELDS = (
    ("actor_id", "uuid"), ("batch_id", "uuid"), ("document_ref", "string"), ("enterprise_id", "uuid"),
    ("from_account_id", "uuid"), ("id", "uuid"), ("kind", "enum"), ("lineage_role", "enum"),
    ("occurred_at", "time"), ("previous_hash", "hex"), ("quantity", "quantity"), ("recorded_at", "time"),
    ("reverses_id", "uuid"), ("sequence", "number"), ("to_account_id", "uuid"), ("transformation_id", "uuid"),
)


def _sqlite(column: str, kind: str) -> str:
    if kind == "uuid":  # stored as 32 hex digits
        value = (f"substr({column},1,8)||'-'||substr({column},9,4)||'-'||substr({column},13,4)||'-'||"
                 f"substr({column},17,4)||'-'||substr({column},21)")
    elif kind == "time":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff', UTC
        value = f"replace({column},' ','T')||'+00:00'"
    elif kind == "quantity":  # stored as integer grams, never negative
        return f"printf('\"%d.%03d\"',{column}/1000,{column}%1000)"
    elif kind == "string":
        return f"json_quote({column})"  # NULL -> null
    elif kind == "number":
        return f"CAST({column} AS TEXT)"
    else:
        value = column
    return f"coalesce('\"'||{value}||'\"','null')"


def _postgresql(column: str, kind: str) -> str:
    if kind == "uuid":
        value = f"{column}::text"
    elif kind == "time":
        value = f"to_char({column} AT TIME ZONE 'UTC','YYYY-MM-DD\"T\"HH24:MI:SS.US')||'+00:00'"
    elif kind == "quantity":  # numeric(18,3) renders its three decimals
        value = f"{column}::text"
    elif kind == "string":
        return f"coalesce(to_json({column})::text,'null')"
    elif kind == "number":
        return f"{column}::text"
    else:
        value = f"{column}::text"
    return f"coalesce('\"'||{value}||'\"','null')"


def _canonical_sql(dialect: str) -> str:
    render = _postgresql if dialect == "postgresql" else _sqlite
    parts = []
    for n, (name, kind) in enumerate(_FIELDS):
        parts.append("'" + ("{" if n == 0 else ",") + f'"{name}":' + "'")
        parts.append(render(name, kind))
    parts.append("'}'")
    return "||".join(parts)


class CanonicalRow(NamedTuple):
    sequence: int
    previous_hash: str
    hash: str
    canonical: str


def canonical_rows(session: Session, *, batch_rows: int = 20_000) -> Iterator[CanonicalRow]:
    """(sequence, previous_hash, hash, canonical text) of every entry in chain order, streamed."""
    dialect = session.get_bind().dialect.name
    sql = text(f"SELECT sequence, previous_hash, hash, {_canonical_sql(dialect)} FROM ledger_entries "
               "ORDER BY sequence").execution_options(stream_results=True, yield_per=batch_rows)
    result = session.connection().execute(sql)
    try:
        for partition in result.partitions():
            yield from map(CanonicalRow._make, partition)
    finally:
        result.close()
