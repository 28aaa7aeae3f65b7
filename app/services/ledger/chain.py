"""The hash chain: the canonical form of an entry, appending in one linear order, and verifying.

Canonical form (what the SHA-256 of an entry is computed over), stable across backends and versions:

- a JSON object of exactly the fields in :data:`CANONICAL_FIELDS` (``previous_hash`` included, ``hash`` not),
  keys sorted, separators ``,`` and ``:`` with no spaces, UTF-8, non-ASCII characters kept as they are;
- quantities as strings with exactly three decimals (``"100.000"``), kilograms;
- times as UTC ISO 8601 with microseconds and offset (``"2026-01-01T08:00:00.000000+00:00"``);
- UUIDs as lowercase hyphenated strings; enums by value; absent values as ``null``; the sequence as a number;
- the fields in :data:`OPTIONAL_FIELDS` only when they hold a value: ``batch_identity`` (since migration 0011,
  on the entry that brings a batch in), so entries recorded before keep their form and hash.

``hash = sha256(canonical).hexdigest()``; the first entry's ``previous_hash`` is 64 zeros. Anyone can
recompute it from an export of the table; ``verification.py`` does so for the whole chain.

A batch's identity is ``sha256(form).hexdigest()`` of the same kind of JSON over :data:`BATCH_FIELDS` of the
batch (its code a JSON string): relabelling a batch (code, chemical, producer, time, quantity) after the
fact no longer matches the digest its first entry holds.
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from models import LedgerEntry
from models.ledger import GENESIS_HASH

CANONICAL_FIELDS = (
    "id", "sequence", "kind", "batch_id", "quantity", "from_account_id", "to_account_id", "occurred_at",
    "recorded_at", "actor_id", "enterprise_id", "document_ref", "reverses_id", "transformation_id",
    "lineage_role", "previous_hash",
)
#: In the canonical form only when not null.
OPTIONAL_FIELDS = ("batch_identity",)
#: What a batch's identity covers.
BATCH_FIELDS = ("chemical_id", "code", "id", "produced_at", "producer_id", "quantity")
#: Any fixed 64-bit key: the advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x4C4544474552  # "LEDGER"


def _canonical_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.3f}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_form(values: Mapping[str, Any]) -> bytes:
    """The canonical serialisation of an entry's :data:`CANONICAL_FIELDS` and, when they hold a value, its
    :data:`OPTIONAL_FIELDS` (see the module docstring)."""
    document = {name: _canonical_value(values[name]) for name in CANONICAL_FIELDS}
    document |= {name: values[name] for name in OPTIONAL_FIELDS if values.get(name) is not None}
    return _json(document)


def entry_hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_form(values)).hexdigest()


def entry_values(entry: LedgerEntry) -> dict[str, Any]:
    """What :func:`canonical_form` reads of *entry*."""
    return {name: getattr(entry, name) for name in (*CANONICAL_FIELDS, *OPTIONAL_FIELDS)}


def batch_form(values: Mapping[str, Any]) -> bytes:
    """The canonical serialisation of a batch's :data:`BATCH_FIELDS`, values written as in an entry's form."""
    return _json({name: _canonical_value(values[name]) for name in BATCH_FIELDS})


def batch_identity(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(batch_form(values)).hexdigest()


def lock_chain(session: Session) -> None:
    """Take the chain's write lock until the end of the transaction: appends are strictly one at a time.

    PostgreSQL: a transaction-scoped advisory lock, so the balance checks and the chain head read after it
    see every entry committed before. SQLite admits one writer at a time by itself. On both, the unique
    ``sequence`` makes a fork impossible even if this lock were bypassed.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY)))


@dataclass(frozen=True)
class ChainHead:
    sequence: int
    hash: str


def chain_head(session: Session | Connection) -> ChainHead:
    row = session.execute(
        select(LedgerEntry.sequence, LedgerEntry.hash).order_by(LedgerEntry.sequence.desc()).limit(1)
    ).first()
    return ChainHead(row.sequence, row.hash) if row else ChainHead(0, GENESIS_HASH)


def append(session: Session, entries: Iterable[LedgerEntry], *, head: ChainHead | None = None,
           flush: bool = True) -> list[LedgerEntry]:
    """Number, chain and add *entries* after *head* (default: the current head; the caller holds
    :func:`lock_chain`). With ``flush=False`` they are written at the next flush (autoflush or commit)."""
    head = head or chain_head(session)
    appended = []
    for entry in entries:
        entry.id = entry.id or uuid.uuid4()
        entry.sequence = head.sequence + 1
        entry.previous_hash = head.hash
        entry.hash = entry_hash(entry_values(entry))
        head = ChainHead(entry.sequence, entry.hash)
        appended.append(entry)
    session.add_all(appended)
    if flush:
        session.flush()
    return appended
