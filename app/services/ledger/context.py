"""What one ledger transaction remembers between its postings (it holds the chain lock throughout).

:func:`~app.services.ledger.posting.ledger_transaction` opens a :class:`TransactionState` in
``session.info`` and drops it at the end, commit or rollback. While the lock is held nobody else appends, so
what the transaction has read stays true and is worth keeping: the chain head, the accounts and batches it
resolved, the (activity, chemical, day) permits it already authorised, and the position (balance and latest
time) of each holding it checked, kept up to date as its own entries are appended. Nothing here outlives the
transaction. A position is read as of the head before the transaction, without flushing what the
transaction wrote so far, and the transaction's own movements are added in memory: a batch of postings is
written once, at commit.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from models import Account, Batch

_KEY = "hazledger.ledger_transaction"


@dataclass
class Position:
    """A holding's balance over all its entries, and the time of its latest entry (None: no entries)."""

    total: Decimal
    latest: dt.datetime | None


@dataclass
class TransactionState:
    head: Any = None  # chain.ChainHead, read once after the lock is taken
    authorised: set[tuple[uuid.UUID, str, uuid.UUID, dt.date]] = field(default_factory=set)
    accounts: dict[tuple[Any, ...], Account] = field(default_factory=dict)
    #: The batches resolved or created, by (reader, code, producer as named: id, USCC or None for the code alone).
    batches: dict[tuple[uuid.UUID, str, Any], Batch] = field(default_factory=dict)
    new_batch_ids: set[uuid.UUID] = field(default_factory=set)
    #: The sequence of the chain head when the transaction began (read once, after the lock).
    start_sequence: int | None = None
    #: What this transaction's own entries did to each (account, batch) they touched.
    own: dict[tuple[uuid.UUID, uuid.UUID], Position] = field(default_factory=dict)
    #: Positions of the holdings spent from: before the transaction, plus :attr:`own`.
    positions: dict[tuple[uuid.UUID, uuid.UUID], Position] = field(default_factory=dict)
    #: A batch of postings: entries are flushed once, at commit (or by autoflush before a query needs them).
    defer_flush: bool = False
    #: What the inventory rules look at (followups.py): the (site, chemical) of every site account an entry of
    #: this transaction entered or left, and every batch it moved with the time the batch entered the ledger.
    touched_sites: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)
    touched_batches: dict[uuid.UUID, dt.datetime] = field(default_factory=dict)


def transaction_state(session: Session) -> TransactionState | None:
    """The state of the ledger transaction *session* is in, or None outside one."""
    return session.info.get(_KEY)


def open_state(session: Session) -> TransactionState:
    state = session.info[_KEY] = TransactionState()
    return state


def close_state(session: Session) -> None:
    session.info.pop(_KEY, None)
