"""The one path every posting takes: check the rules, then append the entries to the chain.

A use case (``lifecycle.py``, ``transform.py``) resolves its batches and accounts into :class:`Leg` s inside
:func:`ledger_transaction` and hands them to :func:`record`, which enforces, in this order:

1. times not in the future, quantities > 0;
2. :func:`~app.services.ledger.authorisation.authorise_posting` once per (activity, chemical);
3. the acting enterprise holds every stock account the posting spends from (reversals excepted: they are
   authorised by the reversed entry's own enterprise);
4. no holding balance goes negative, at the posting's time or at any later time.

Concurrency: :func:`ledger_transaction` takes the chain lock before anything is read, so the balance
checks and the chain head see every posting committed before, and nothing commits in between
(PostgreSQL). SQLite admits one writer and refuses a concurrent second one ("database is locked"): that
posting fails whole with :class:`LedgerBusy` (503), so there too nothing overdraws and the chain never forks.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from app.services import unit_of_work
from app.services.ledger import chain
from app.services.ledger.authorisation import authorise_posting
from app.services.ledger.balances import available
from models import Account, Batch, EntryKind, LedgerEntry, LineageRole
from models.types import utcnow

#: Clocks disagree a little; a posting stamped a few seconds ahead is not "in the future".
CLOCK_SKEW = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Actor:
    """Who posts: the user, and the enterprise they act for."""

    user_id: uuid.UUID
    enterprise_id: uuid.UUID


@dataclass(frozen=True)
class Leg:
    """One entry to be: *quantity* kg of *batch* from *source* to *target*."""

    kind: EntryKind
    batch: Batch
    source: Account
    target: Account
    quantity: Decimal
    role: LineageRole | None = None


class LedgerBusy(DomainError):
    """SQLite refused a second concurrent writer: nothing was written, the client may retry."""

    status = 503
    code = "ledger_busy"


@contextmanager
def ledger_transaction(session: Session) -> Iterator[Session]:
    """One unit of work holding the chain lock from its first read to its commit."""
    try:
        with unit_of_work(session):
            chain.lock_chain(session)
            yield session
    except OperationalError as error:
        if "database is locked" not in str(error.orig):
            raise
        raise LedgerBusy("Another posting is being written; nothing was recorded, retry.") from error


def record(session: Session, actor: Actor, legs: Sequence[Leg], *, occurred_at: dt.datetime,
           document_ref: str | None = None, transformation_id: uuid.UUID | None = None,
           reverses: LedgerEntry | None = None) -> list[LedgerEntry]:
    """Check the rules for *legs* and append them as entries (inside :func:`ledger_transaction`)."""
    check_time(occurred_at)
    for leg in legs:
        if leg.quantity <= 0:
            raise ValidationFailed("Quantities must be > 0.", errors={"quantity": ["must be > 0"]})
    for activity, chemical_id in sorted({(leg.kind.value, leg.batch.chemical_id) for leg in legs}, key=str):
        authorise_posting(session, enterprise_id=actor.enterprise_id, activity=activity,
                          chemical_id=chemical_id, on=occurred_at.date())
    session.flush()  # accounts opened by the use case get their ids
    _check_spends(session, actor, legs, occurred_at, owner_check=reverses is None)
    entries = [
        LedgerEntry(
            kind=leg.kind, batch_id=leg.batch.id, quantity=leg.quantity, from_account_id=leg.source.id,
            to_account_id=leg.target.id, occurred_at=occurred_at, recorded_at=utcnow(), actor_id=actor.user_id,
            enterprise_id=actor.enterprise_id, document_ref=document_ref,
            reverses_id=reverses.id if reverses else None,
            transformation_id=transformation_id if leg.role else None, lineage_role=leg.role,
        )
        for leg in legs
    ]
    return chain.append(session, entries)


def check_time(occurred_at: dt.datetime) -> None:
    if occurred_at.tzinfo is None:
        raise ValidationFailed("Times must carry a UTC offset.", errors={"occurred_at": ["time zone required"]})
    if occurred_at > utcnow() + CLOCK_SKEW:
        raise ValidationFailed(f"{occurred_at.isoformat()} is in the future.",
                               errors={"occurred_at": ["must not be in the future"]})


def _check_spends(session: Session, actor: Actor, legs: Sequence[Leg], at: dt.datetime, *,
                  owner_check: bool) -> None:
    spent: dict[tuple[Account, Batch], Decimal] = defaultdict(Decimal)
    for leg in legs:
        if leg.source.holds_stock:
            spent[(leg.source, leg.batch)] += leg.quantity
    for (account, batch), quantity in spent.items():
        if owner_check and account.enterprise_id != actor.enterprise_id:
            raise PermissionDenied(f"The acting enterprise does not hold the {account.kind} account it would "
                                   f"spend batch {batch.code} from.", code="not_account_holder")
        have = available(session, account.id, batch.id, at)
        if have < quantity:
            raise Conflict(
                f"Insufficient balance: {have} kg of batch {batch.code} available in the {account.kind} account "
                f"at {at.isoformat()} (including what later entries already took), {quantity} kg requested.",
                code="insufficient_balance",
            )
