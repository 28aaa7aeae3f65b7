"""The one path every posting takes: check the rules, then append the entries to the chain.

A use case (``lifecycle.py``, ``transform.py``) resolves its batches and accounts into :class:`Leg` s inside
:func:`ledger_transaction` and hands them to :func:`record`, which enforces, in this order:

1. times not in the future, quantities > 0;
2. :func:`~app.services.ledger.authorisation.authorise_posting` once per (activity, chemical);
3. the acting enterprise holds every stock account the posting spends from (reversals excepted: they are
   authorised by the reversed entry's own enterprise);
4. no holding balance goes negative, at the posting's time or at any later time.

After the last posting of the transaction and before its commit, the inventory rules run on what it touched
(``followups.py``: major hazard sources, waste stored too long).

Concurrency: :func:`ledger_transaction` takes the chain lock before anything is read, so the balance
checks and the chain head see every posting committed before, and nothing commits in between
(PostgreSQL). SQLite admits one writer. A request that may write begins its transaction holding the write
lock (:data:`models.engine.WRITES_EXPECTED`), so the server's concurrent postings queue for it; a writer that
began reading and finds another has written since is refused ("database is locked"): that posting fails whole
with :class:`LedgerBusy` (503), so there too nothing overdraws and the chain never forks.
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
from app.i18n import N_, Text
from app.services import unit_of_work
from app.services.ledger import chain
from app.services.ledger.authorisation import authorise_posting
from app.services.ledger.balances import available, position
from app.services.ledger.context import Position, TransactionState, close_state, open_state, transaction_state
from app.services.ledger.followups import after_postings
from models import Account, Batch, EntryKind, LedgerEntry, LineageRole
from models.types import utcnow

#: Clocks disagree a little; a posting stamped a few seconds ahead is not "in the future".
CLOCK_SKEW = dt.timedelta(seconds=60)
#: Entries of these kinds, like the outputs of a transformation, bring a new batch into the ledger.
_BRINGS_IN = frozenset({EntryKind.PRODUCE, EntryKind.RECEIVE, EntryKind.GENERATE_WASTE})


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
    """One unit of work holding the chain lock from its first read to its commit.

    Nested inside another (a batch of postings, :func:`~app.services.ledger.movements.post_movements`), it
    joins the outer one: the outer transaction holds the lock and commits or rolls back all of it.
    """
    if transaction_state(session) is not None:
        yield session
        return
    try:
        with unit_of_work(session):
            state = open_state(session)
            try:
                chain.lock_chain(session)
                yield session
                after_postings(session, state)
            finally:
                close_state(session)
    except OperationalError as error:
        if "database is locked" not in str(error.orig):
            raise
        raise LedgerBusy("Another posting is being written; nothing was recorded, retry.") from error


def record(session: Session, actor: Actor, legs: Sequence[Leg], *, occurred_at: dt.datetime,
           document_ref: str | None = None, transformation_id: uuid.UUID | None = None,
           reverses: LedgerEntry | None = None) -> list[LedgerEntry]:
    """Check the rules for *legs* and append them as entries (inside :func:`ledger_transaction`)."""
    state = transaction_state(session)
    if state is None:  # a caller outside a ledger transaction: the rules still hold, nothing is remembered
        state = TransactionState()
    check_time(occurred_at)
    for leg in legs:
        if leg.quantity <= 0:
            raise ValidationFailed("Quantities must be > 0.", errors={"quantity": [N_("must be > 0")]})
    for activity, chemical_id in sorted({(leg.kind.value, leg.batch.chemical_id) for leg in legs}, key=str):
        permit = (actor.enterprise_id, activity, chemical_id, occurred_at.date())
        if permit not in state.authorised:
            authorise_posting(session, enterprise_id=actor.enterprise_id, activity=activity,
                              chemical_id=chemical_id, on=occurred_at.date())
            state.authorised.add(permit)
    if any(row.id is None for leg in legs for row in (leg.batch, leg.source, leg.target)):
        session.flush()  # rows opened without an id get theirs
    _check_spends(session, state, actor, legs, occurred_at, owner_check=reverses is None)
    recorded_at = utcnow()
    entries = [
        LedgerEntry(
            kind=leg.kind, batch_id=leg.batch.id, quantity=leg.quantity, from_account_id=leg.source.id,
            to_account_id=leg.target.id, occurred_at=occurred_at, recorded_at=recorded_at, actor_id=actor.user_id,
            enterprise_id=actor.enterprise_id, document_ref=document_ref,
            reverses_id=reverses.id if reverses else None,
            transformation_id=transformation_id if leg.role else None, lineage_role=leg.role,
            batch_identity=_identity(leg),
        )
        for leg in legs
    ]
    for leg in legs:
        state.touched_batches[leg.batch.id] = leg.batch.produced_at
        state.touched_sites.update((account.site_id, leg.batch.chemical_id) for account in (leg.source, leg.target)
                                   if account.site_id is not None)
    _read_head(session, state)
    appended = chain.append(session, entries, head=state.head, flush=not state.defer_flush)
    state.head = chain.ChainHead(appended[-1].sequence, appended[-1].hash) if appended else state.head
    _follow(state, appended)
    return appended


def _identity(leg: Leg) -> str | None:
    """The batch's identity, on the entry that brings the batch in (the chain then covers it)."""
    if leg.role is LineageRole.OUTPUT or leg.kind in _BRINGS_IN:
        return chain.batch_identity({name: getattr(leg.batch, name) for name in chain.BATCH_FIELDS})
    return None


def check_time(occurred_at: dt.datetime) -> None:
    if occurred_at.tzinfo is None:
        raise ValidationFailed("Times must carry a UTC offset.", errors={"occurred_at": [N_("time zone required")]})
    if occurred_at > utcnow() + CLOCK_SKEW:
        raise ValidationFailed(Text("{occurred_at} is in the future.", occurred_at=occurred_at.isoformat()),
                               errors={"occurred_at": [N_("must not be in the future")]})


def _check_spends(session: Session, state: TransactionState, actor: Actor, legs: Sequence[Leg], at: dt.datetime,
                  *, owner_check: bool) -> None:
    spent: dict[tuple[Account, Batch], Decimal] = defaultdict(Decimal)
    for leg in legs:
        if leg.source.holds_stock:
            spent[(leg.source, leg.batch)] += leg.quantity
    for (account, batch), quantity in spent.items():
        if owner_check and account.enterprise_id != actor.enterprise_id:
            raise PermissionDenied(Text("The acting enterprise does not hold the {kind} account it would spend batch "
                                        "{code} from.", kind=account.kind, code=batch.code), code="not_account_holder")
        have = _available(session, state, account.id, batch.id, at)
        if have < quantity:
            raise Conflict(
                Text("Insufficient balance: {have} kg of batch {code} available in the {kind} account at {at} "
                     "(including what later entries already took), {quantity} kg requested.", have=have,
                     code=batch.code, kind=account.kind, at=at.isoformat(), quantity=quantity),
                code="insufficient_balance",
            )


def _available(session: Session, state: TransactionState, account_id: uuid.UUID, batch_id: uuid.UUID,
               at: dt.datetime) -> Decimal:
    """:func:`~app.services.ledger.balances.available`, answered from the holding's position when it can be.

    A spend at or after the holding's latest entry (the common case) may take the whole balance; a
    back-dated one asks the full query (after a flush), which also weighs every later running balance.
    The position is read once per transaction, as of the head before it, and then followed in memory.
    """
    key = (account_id, batch_id)
    known = state.positions.get(key)
    if known is None:
        _read_head(session, state)
        if batch_id in state.new_batch_ids:
            total, latest = Decimal("0.000"), None
        else:
            with session.no_autoflush:
                total, latest = position(session, account_id, batch_id, up_to_sequence=state.start_sequence)
        known = state.positions[key] = Position(total, latest)
        if key in state.own:
            _move(known, state.own[key].total, state.own[key].latest)
    if known.latest is None or at >= known.latest:
        return known.total
    session.flush()
    return available(session, account_id, batch_id, at)


def _read_head(session: Session, state: TransactionState) -> None:
    """The chain head as the transaction found it (before its first append): read once."""
    if state.head is None:
        state.head = chain.chain_head(session)
        state.start_sequence = state.head.sequence


def _move(known: Position, delta: Decimal, at: dt.datetime | None) -> None:
    known.total += delta
    if at is not None:
        known.latest = at if known.latest is None else max(known.latest, at)


def _follow(state: TransactionState, entries: Sequence[LedgerEntry]) -> None:
    """Keep what the transaction did to each holding, and the remembered positions, true after *entries*."""
    for entry in entries:
        for account_id, delta in ((entry.to_account_id, entry.quantity), (entry.from_account_id, -entry.quantity)):
            key = (account_id, entry.batch_id)
            _move(state.own.setdefault(key, Position(Decimal("0.000"), None)), delta, entry.occurred_at)
            if key in state.positions:
                _move(state.positions[key], delta, entry.occurred_at)
