"""Verifying the hash chain: every hash and every link recomputed here, range by range, ranges in parallel.

Each entry stores the hash of the entry before it, so a range of the chain can be checked on its own,
starting from the stored hash of the entry just before the range: an entry fails when its sequence does not
follow that entry's, when its ``previous_hash`` is not that entry's hash, when the SHA-256 of its canonical
form is not its stored hash, or when it holds a batch identity its batch no longer matches. Every entry is
held to the same tests as in one sequential pass, so the first failing entry of the first range that has
one is the entry a sequential pass would name.

Ranges are read by ``workers`` threads, each on its own connection. The time goes into the database
printing the canonical forms (:mod:`~app.services.ledger.canonical_sql`) and into SHA-256. A range arrives
as one row of long strings joined by the database and is confirmed column by column
(:func:`~app.services.ledger.range_worker.confirmed_head`); only a range with a doubt is read again row by
row, to find its first failing entry. On PostgreSQL the printing runs in the server's processes and psycopg
releases the GIL while it waits, so threads keep the CPUs busy. SQLite prints in the client's process and
serialises concurrent statements there, so on SQLite each thread hands its range to a worker process of its
own (:mod:`~app.services.ledger.range_worker` run as a script).

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
import json
import os
import queue
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from app.services.ledger import range_worker
from app.text import Text
from app.services.ledger.canonical_sql import CanonicalRow, canonical_rows, columns_sql, joined_columns
from app.services.ledger.chain import (
    BATCH_FIELDS, CANONICAL_FIELDS, OPTIONAL_FIELDS, ChainHead, batch_identity, chain_head, entry_hash,
)
from app.services.ledger.range_worker import confirmed_head
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
    #: The entries after the last checkpoint (first_sequence, last_sequence, count): not yet checkpointed.
    not_checkpointed: dict[str, int] | None = None
    #: Each kept copy compared (``--expect-head``, ``--since-checkpoint``): what it is, and what is missing.
    anchors: list[dict[str, Any]] = dataclasses.field(default_factory=list)

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
    with engine.connect() as connection:
        head = chain_head(connection)
    with ExitStack() as stack:
        confirm = _confirm_here
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            confirm = stack.enter_context(_WorkerProcesses(engine.url.database, workers)).confirm

        def check(first: int, last: int) -> _Outcome:
            with engine.connect() as connection:
                return _check_range(connection, first, last, confirm)

        pool = stack.enter_context(ThreadPoolExecutor(workers, thread_name_prefix="verify"))
        # After a failure, the ranges not started yet are not needed (exit callbacks run last in, first out).
        stack.callback(pool.shutdown, cancel_futures=True)
        # The pool takes the ranges in chain order; the verdict reads the outcomes in that order.
        futures = [pool.submit(check, first, last) for first, last in _ranges(head.sequence, range_rows)]
        return _verdict(future.result() for future in futures)


class _WorkerProcesses:
    """Processes running :mod:`~app.services.ledger.range_worker` on a SQLite file, each lent to one thread
    at a time."""

    def __init__(self, database: str, count: int) -> None:
        self._database, self._count = database, count
        self._processes: list[subprocess.Popen[str]] = []
        self._idle: queue.SimpleQueue[subprocess.Popen[str]] = queue.SimpleQueue()

    def __enter__(self) -> _WorkerProcesses:
        for _ in range(self._count):
            process = subprocess.Popen([sys.executable, "-I", range_worker.__file__], text=True,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self._processes.append(process)
            self._send(process, {"database": self._database})
            self._idle.put(process)
        return self

    def __exit__(self, *_: object) -> None:
        for process in self._processes:
            process.stdin.close()  # type: ignore[union-attr]  # the worker ends with its input
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()  # type: ignore[union-attr]

    @staticmethod
    def _send(process: subprocess.Popen[str], request: dict[str, Any]) -> None:
        process.stdin.write(json.dumps(request) + "\n")  # type: ignore[union-attr]
        process.stdin.flush()  # type: ignore[union-attr]

    def confirm(self, connection: Connection, first: int, last: int, previous: ChainHead) -> str | None:
        process = self._idle.get()
        try:
            self._send(process, {"sql": columns_sql("sqlite", first, last), "last": last,
                                 "previous": [previous.sequence, previous.hash]})
            reply = process.stdout.readline()  # type: ignore[union-attr]
        finally:
            self._idle.put(process)
        if not reply:
            raise RuntimeError(f"a verification worker process ended (exit status {process.poll()})")
        head: str | None = json.loads(reply)
        return head


def _verdict(outcomes: Iterable[_Outcome]) -> Verification:
    """The verification of the ranges' *outcomes*, taken in chain order, up to the first failure."""
    last = ChainHead(0, GENESIS_HASH)
    for outcome in outcomes:
        if outcome.bad:
            return Verification(False, outcome.last.sequence, outcome.last.sequence, outcome.last.hash, outcome.bad)
        last = outcome.last
    return Verification(True, last.sequence, last.sequence, last.hash)


#: Confirms the entries *first*..*last* after *previous*: the hash of entry *last*, or None at any doubt.
Confirm = Callable[[Connection, int, int, ChainHead], str | None]


def _confirm_here(connection: Connection, first: int, last: int, previous: ChainHead) -> str | None:
    return confirmed_head(joined_columns(connection, first, last), previous.sequence, previous.hash, last)


def _check_range(connection: Connection, first: int, last: int, confirm: Confirm = _confirm_here) -> _Outcome:
    """Check the entries *first*..*last* against the stored hash of the entry before them: confirmed at once
    from the columns the database joins, or else read row by row to find the first that fails."""
    if connection.dialect.name == "postgresql":
        # A range's query costs enough for PostgreSQL to JIT-compile it, about 12 ms each time, for no gain on
        # string building: off until the end of this transaction.
        connection.exec_driver_sql("SET LOCAL jit = off")
    row = connection.execute(select(LedgerEntry.sequence, LedgerEntry.hash).where(LedgerEntry.sequence < first)
                             .order_by(LedgerEntry.sequence.desc()).limit(1)).first()
    previous = ChainHead(row.sequence, row.hash) if row else ChainHead(0, GENESIS_HASH)
    head = confirm(connection, first, last, previous)
    if head is not None:
        return _Outcome(ChainHead(last, head))
    return _first_failure(connection, canonical_rows(connection, first, last), previous)


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
            reason = Text("the batch's code, chemical, producer, production time or quantity differ from the "
                          "identity this entry holds: the batch was altered")
    return {"sequence": sequence, "id": str(values["id"]), "reason": reason} if reason else None


def _mismatch(values: Mapping[str, Any], previous: ChainHead) -> Text | None:
    if values["sequence"] != previous.sequence + 1:
        return Text("sequence {sequence} follows {previous}: entries are missing", sequence=values["sequence"],
                    previous=previous.sequence)
    if values["previous_hash"] != previous.hash:
        return Text("previous_hash does not match the hash of the entry before")
    if entry_hash(values) != values["hash"]:
        return Text("the stored hash does not match the entry's content: the entry was altered")
    return None
