"""Confirming a range of the chain from the columns the database joined for it; also a worker process.

:func:`confirmed_head` is the fast check of :mod:`~app.services.ledger.verification`: the range's entries
come as one row of long strings (:func:`~app.services.ledger.canonical_sql.columns_sql`), split and hashed
column by column in C loops, no Python object per entry but its strings. Any doubt returns None, and the
caller reads the range again row by row to find its first failing entry.

On SQLite the ranges are confirmed in processes of their own running this file as a script: SQLite
serialises concurrent statements within one process (on the bench ledger two threads printing canonical
forms were slower than one, while burning two cores), separate processes do not. So this module imports
the standard library only: ``python -I range_worker.py`` starts in milliseconds, without the ``app``
package. Protocol, one JSON document a line: the first line names the database
(``{"database": path}``); then each request ``{"sql": ..., "previous": [sequence, hash], "last": n}`` is
answered with the hash of entry *last* if the range is confirmed, else ``null``.
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from operator import methodcaller
from urllib.parse import quote

_hexdigest = methodcaller("hexdigest")


def _hexdigests(texts: Iterable[str]) -> list[str]:
    return list(map(_hexdigest, map(hashlib.sha256, map(str.encode, texts))))


def _split(joined: str | None, separator: str) -> list[str]:
    return joined.split(separator) if joined else []


def confirmed_head(columns: Sequence[str | None], previous_sequence: int, previous_hash: str, last: int) -> str | None:
    """The hash of entry *last* if the joined *columns* are exactly the entries after the previous one up to
    *last*, each following the one before, each form hashing to its hash and each batch form (of the entries
    that hold a batch identity) to that identity; None at any doubt.

    The order of an aggregate's input is the ordered subquery's in practice, not by any standard: the
    sequences are compared with the range's before the other columns are trusted.
    """
    sequences, previous_hashes, hashes, canonical, identities, batch_forms = columns
    if not sequences or sequences != ",".join(map(str, range(previous_sequence + 1, last + 1))):
        return None
    links, stored = _split(previous_hashes, ","), _split(hashes, ",")
    # A form never holds a raw newline (JSON escapes control characters), so newlines separate them.
    if (links[0] == previous_hash and links[1:] == stored[:-1] and _hexdigests(_split(canonical, "\n")) == stored
            and _hexdigests(_split(batch_forms, "\n")) == _split(identities, ",")):
        return stored[-1]
    return None


def main() -> None:
    """Serve requests for the SQLite database named on the first line until standard input ends."""
    import sqlite3  # here: `ledger verify` on PostgreSQL imports this module for confirmed_head, and no sqlite3

    database = json.loads(sys.stdin.readline())["database"]
    connection = sqlite3.connect(f"file:{quote(database)}?mode=ro", uri=True)
    for line in sys.stdin:
        request = json.loads(line)
        columns = connection.execute(request["sql"]).fetchone()
        print(json.dumps(confirmed_head(columns, *request["previous"], request["last"])), flush=True)


if __name__ == "__main__":
    main()
