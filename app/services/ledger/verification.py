"""Verifying the hash chain: every hash and every link recomputed here, range by range, ranges in parallel.

Each entry stores the hash of the entry before it, so a range of the chain can be checked on its own,
starting from the stored hash of the entry just before the range: an entry fails when its sequence does not
follow that entry's, when its ``previous_hash`` is not that entry's hash, when the SHA-256 of its canonical
form is not its stored hash, or when it holds a batch identity its batch no longer matches. Every entry is
held to the same tests as in one sequential pass, so the first failing entry of the first range that has
one is the entry a sequential pass would name.

Ranges are read by ``workers`` threads, each on its own connection. The time goes into the database
printing the canonical forms (:mod:`~app.services.ledger.canonical_sql`) and into SHA-256; SQLite releases
the GIL while it steps a statement and psycopg while it waits for the server, so threads keep the CPUs busy
without the cost of processes. A range arrives as one row of long strings joined by the database and is
confirmed column by column (C loops over lists of strings, no Python object per entry but its strings);
only a range with a doubt is read again row by row, to find its first failing entry.

Why Python, not the database, hashes: PostgreSQL could compute ``sha256()`` and compare it server side, but
then the verdict would come from the very system under audit (its functions, its settings). Here the
database only reads the stored columns and prints them with built-in functions; the verifier hashes the
bytes, checks every link and decides, and any entry whose printed form does not confirm its hash is
recomputed from its typed values with :func:`~app.services.ledger.chain.canonical_form` before it is
reported. The signed checkpoints (:mod:`~app.services.ledger.checkpoints`) anchor the hashes themselves.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from operator import methodcaller
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from app.services.ledger.canonical_sql import CanonicalColumns, CanonicalRow, canonical_columns, canonical_rows
from app.services.ledger.chain import (
    BATCH_FIELDS, CANONICAL_FIELDS, OPTIONAL_FIELDS, ChainHead, batch_identity, chain_head, entry_hash,
)
from models import Batch, LedgerEntry
from models.ledger import GENESIS_HASH

#: Entries per range: one query each, held in memory (about a kilobyte an entry) while it is checked.
RANGE_ROWS = 20_000
#: Threads reading ranges when the chain is longer than one range: one more than the CPUs, so that while
#: one thread waits for the database to print a range, the CPUs still have a range's forms to hash.
WORKERS = (os.cpu_count() or 1) + 1


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries_checked: int
    head_sequence: int
    head_hash: str
    first_bad: dict[str, Any] | None = None
    checkpoints_checked: int = 0
    bad_checkpoint: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _Outcome(NamedTuple):
    """What checking one range found: the last entry it confirmed, and the first that failed, if any."""

    last: ChainHead
    bad: dict[str, Any] | None = None


def verify_chain(session: Session, *, workers: int = WORKERS, range_rows: int = RANGE_ROWS) -> Verification:
    """Recompute every hash and link of the chain; stop at the first entry that does not match.

    A chain of more than one range, with ``workers > 1``, is read on new connections of the session's
    engine, so what is verified is the committed chain (up to the head committed when the check starts),
    not entries the session itself may have written and not committed.
    """
    head = chain_head(session)
    if workers > 1 and head.sequence > range_rows:
        return _in_parallel(session.get_bind().engine, workers, range_rows)
    connection = session.connection()
    return _verdict(_check_range(connection, first, last) for first, last in _ranges(head.sequence, range_rows))


def _ranges(last: int, size: int) -> list[tuple[int, int]]:
    return [(first, min(first + size - 1, last)) for first in range(1, last + 1, size)]


def _in_parallel(engine: Engine, workers: int, range_rows: int) -> Verification:
    def check(first: int, last: int) -> _Outcome:
        with engine.connect() as connection:
            return _check_range(connection, first, last)

    with engine.connect() as connection:
        head = chain_head(connection)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="verify")
    try:  # the pool takes the ranges in chain order; the verdict reads the outcomes in that order
        futures = [pool.submit(check, first, last) for first, last in _ranges(head.sequence, range_rows)]
        return _verdict(future.result() for future in futures)
    finally:
        pool.shutdown(cancel_futures=True)  # after a failure, the ranges not started are not needed


def _verdict(outcomes: Iterable[_Outcome]) -> Verification:
    """The verification of the ranges' *outcomes*, taken in chain order, up to the first failure."""
    last = ChainHead(0, GENESIS_HASH)
    for outcome in outcomes:
        if outcome.bad:
            return Verification(False, outcome.last.sequence, outcome.last.sequence, outcome.last.hash, outcome.bad)
        last = outcome.last
    return Verification(True, last.sequence, last.sequence, last.hash)


def _check_range(connection: Connection, first: int, last: int) -> _Outcome:
    """Check the entries *first*..*last* against the stored hash of the entry before them."""
    row = connection.execute(select(LedgerEntry.sequence, LedgerEntry.hash).where(LedgerEntry.sequence < first)
                             .order_by(LedgerEntry.sequence.desc()).limit(1)).first()
    previous = ChainHead(row.sequence, row.hash) if row else ChainHead(0, GENESIS_HASH)
    columns = canonical_columns(connection, first, last)
    if columns is None:
        return _Outcome(previous)
    if _all_confirmed(columns, previous, last):
        return _Outcome(ChainHead(last, columns.hashes[-1]))
    return _first_failure(connection, canonical_rows(connection, first, last), previous)


_hexdigest = methodcaller("hexdigest")


def _hexdigests(texts: Iterable[str]) -> list[str]:
    return list(map(_hexdigest, map(hashlib.sha256, map(str.encode, texts))))


def _all_confirmed(columns: CanonicalColumns, previous: ChainHead, last: int) -> bool:
    """Whether the entries are exactly those after *previous* up to *last*, each follows the one before, its
    printed form hashes to its hash and its batch's form (if it holds a batch identity) to that identity:
    tested on whole columns at once (C loops, no per-entry Python); any doubt is left to :func:`_first_failure`."""
    return (columns.sequences == ",".join(map(str, range(previous.sequence + 1, last + 1)))
            and columns.previous_hashes[0] == previous.hash and columns.previous_hashes[1:] == columns.hashes[:-1]
            and _hexdigests(columns.canonical) == columns.hashes
            and _hexdigests(columns.batch_forms) == columns.identities)


def _first_failure(connection: Connection, rows: Sequence[CanonicalRow], previous: ChainHead) -> _Outcome:
    """Row by row: a row the printed forms do not confirm is rechecked from its typed values, which decide."""
    for sequence, previous_hash, stored_hash, canonical, identity, batch_form in rows:
        if (sequence != previous.sequence + 1 or previous_hash != previous.hash
                or hashlib.sha256(canonical.encode()).hexdigest() != stored_hash
                or identity is not None and (batch_form is None
                                             or hashlib.sha256(batch_form.encode()).hexdigest() != identity)):
            bad = _recheck(connection, sequence, previous)
            if bad:
                return _Outcome(previous, bad)
        previous = ChainHead(sequence, stored_hash)
    return _Outcome(previous)


def _recheck(connection: Connection, sequence: int, previous: ChainHead) -> dict[str, Any] | None:
    """The entry at *sequence* checked from its typed values: what is wrong with it, or None."""
    columns = [getattr(LedgerEntry, name) for name in (*CANONICAL_FIELDS, *OPTIONAL_FIELDS, "hash")]
    values = connection.execute(select(*columns).where(LedgerEntry.sequence == sequence)).one()._mapping
    reason = _mismatch(values, previous)
    if reason is None and values["batch_identity"] is not None:
        batch = connection.execute(select(*(getattr(Batch, name) for name in BATCH_FIELDS))
                                   .where(Batch.id == values["batch_id"])).first()
        if batch is None or batch_identity(batch._mapping) != values["batch_identity"]:
            reason = ("the batch's code, chemical, producer, production time or quantity differ from the identity "
                      "this entry holds: the batch was altered")
    return {"sequence": sequence, "id": str(values["id"]), "reason": reason} if reason else None


def _mismatch(values: Mapping[str, Any], previous: ChainHead) -> str | None:
    if values["sequence"] != previous.sequence + 1:
        return f"sequence {values['sequence']} follows {previous.sequence}: entries are missing"
    if values["previous_hash"] != previous.hash:
        return "previous_hash does not match the hash of the entry before"
    if entry_hash(values) != values["hash"]:
        return "the stored hash does not match the entry's content: the entry was altered"
    return None
