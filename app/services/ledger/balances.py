"""Balances, derived from the entries by SQL (never stored): per (account, batch), as of a time.

Every query starts from :func:`movements`: each entry seen from both sides, ``+quantity`` for the account it
entered and ``-quantity`` for the account it left.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger, BindParameter, ColumnElement, Select, Subquery, Uuid, bindparam, case, func, select, type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from models import LedgerEntry
from models.types import Quantity, TZDateTime

ZERO = Decimal("0.000")


Ids = Iterable[uuid.UUID] | BindParameter[Any]


def _one_of(column: ColumnElement[uuid.UUID], ids: Ids) -> ColumnElement[bool]:
    return column.in_(ids if isinstance(ids, BindParameter) else list(ids))


def movements(*, account_ids: Ids | None = None, batch_ids: Ids | None = None,
              as_of: dt.datetime | None = None, up_to_sequence: int | None = None) -> Subquery:
    """(account_id, batch_id, occurred_at, sequence, delta): one row per entry and side, filtered early.

    The ids are values, or an expanding bind parameter for a statement built once and bound per call.
    """
    sides = []
    for account, sign in ((LedgerEntry.to_account_id, 1), (LedgerEntry.from_account_id, -1)):
        delta = LedgerEntry.quantity if sign > 0 else type_coerce(-LedgerEntry.quantity, Quantity())
        stmt = select(account.label("account_id"), LedgerEntry.batch_id, LedgerEntry.occurred_at,
                      LedgerEntry.sequence, delta.label("delta"))
        if account_ids is not None:
            stmt = stmt.where(_one_of(account, account_ids))
        if batch_ids is not None:
            stmt = stmt.where(_one_of(LedgerEntry.batch_id, batch_ids))
        if as_of is not None:
            stmt = stmt.where(LedgerEntry.occurred_at <= as_of)
        if up_to_sequence is not None:
            stmt = stmt.where(LedgerEntry.sequence <= up_to_sequence)
        sides.append(stmt)
    return union_all(*sides).subquery("movements")


def _quantity(expression: ColumnElement) -> ColumnElement:
    return type_coerce(expression, Quantity())


@dataclass(frozen=True)
class Holding:
    account_id: uuid.UUID
    batch_id: uuid.UUID
    balance: Decimal


def balances(session: Session, *, account_ids: Iterable[uuid.UUID] | None = None,
             batch_ids: Iterable[uuid.UUID] | None = None, as_of: dt.datetime | None = None,
             include_zero: bool = False) -> list[Holding]:
    """The balance of every (account, batch) pair matching the filters, as of *as_of* (default: now)."""
    moves = movements(account_ids=account_ids, batch_ids=batch_ids, as_of=as_of)
    total = _quantity(func.sum(moves.c.delta))
    stmt = select(moves.c.account_id, moves.c.batch_id, total.label("balance")).group_by(
        moves.c.account_id, moves.c.batch_id).order_by(moves.c.batch_id, moves.c.account_id)
    if not include_zero:
        stmt = stmt.having(func.sum(moves.c.delta) != 0)
    return [Holding(r.account_id, r.batch_id, r.balance) for r in session.execute(stmt)]


def balance(session: Session, account_id: uuid.UUID, batch_id: uuid.UUID, *,
            as_of: dt.datetime | None = None) -> Decimal:
    moves = movements(account_ids=[account_id], batch_ids=[batch_id], as_of=as_of)
    return session.scalar(select(_quantity(func.coalesce(func.sum(moves.c.delta), 0)))) or ZERO


def _position_statement() -> Select[Any]:
    """:func:`position` as one prepared statement (bound per call): built and compiled once."""
    moves = movements(account_ids=[bindparam("account_id", type_=Uuid())],
                      batch_ids=[bindparam("batch_id", type_=Uuid())],
                      up_to_sequence=bindparam("up_to_sequence", type_=BigInteger()))
    return select(_quantity(func.coalesce(func.sum(moves.c.delta), 0)),
                  type_coerce(func.max(moves.c.occurred_at), TZDateTime()))


_POSITION = _position_statement()
_NO_LIMIT = 2**62


def position(session: Session, account_id: uuid.UUID, batch_id: uuid.UUID, *,
             up_to_sequence: int | None = None) -> tuple[Decimal, dt.datetime | None]:
    """The balance over all entries of (account, batch) and the time of the latest one (None: no entries);
    only entries up to *up_to_sequence* when given.

    When a spend is at or after that time, no later running balance exists and :func:`available` is just
    the balance: one aggregate over the two (account, batch) indexes, no window.
    """
    total, latest = session.execute(_POSITION, {
        "account_id": account_id, "batch_id": batch_id,
        "up_to_sequence": _NO_LIMIT if up_to_sequence is None else up_to_sequence}).one()
    return total or ZERO, latest


def _account_batches_movements() -> Subquery:
    """:func:`movements` of one account (bound as ``account_id``) and some batches (``batch_ids``)."""
    return movements(account_ids=[bindparam("account_id", type_=Uuid())],
                     batch_ids=bindparam("batch_ids", expanding=True))


def _available_statement() -> Select[Any]:
    """:func:`available_by_batch` with later history, as one prepared statement: built and compiled once.

    Per batch: the balance at *at*, and the lowest running balance after *at* (a window over the entries in
    time order; NULL when nothing happened after *at*).
    """
    moves = _account_batches_movements()
    running = select(
        moves.c.batch_id, moves.c.occurred_at, moves.c.delta,
        func.sum(moves.c.delta).over(partition_by=moves.c.batch_id,
                                     order_by=(moves.c.occurred_at, moves.c.sequence)).label("running"),
    ).subquery("running")
    at = bindparam("at", type_=TZDateTime())
    return select(
        running.c.batch_id,
        _quantity(func.coalesce(func.sum(case((running.c.occurred_at <= at, running.c.delta))), 0)),
        _quantity(func.min(case((running.c.occurred_at > at, running.c.running)))),
    ).group_by(running.c.batch_id)


_AVAILABLE = _available_statement()


def _holdings_statement() -> Select[Any]:
    """Per batch: the balance over all its entries in the account and the time of the latest (no window)."""
    moves = _account_batches_movements()
    return select(moves.c.batch_id, _quantity(func.sum(moves.c.delta)),
                  type_coerce(func.max(moves.c.occurred_at), TZDateTime())).group_by(moves.c.batch_id)


_HOLDINGS = _holdings_statement()


def available_by_batch(session: Session, account_id: uuid.UUID, batch_ids: Iterable[uuid.UUID],
                       at: dt.datetime) -> dict[uuid.UUID, Decimal]:
    """What may leave the account at time *at*, for each of *batch_ids*, without its balance going negative
    then or at any later time.

    A back-dated spend must not overdraw the history that follows it, so this is the smaller of the
    balance at *at* and every running balance after *at*. Usually nothing happened after *at*: then it is the
    balance, one aggregate over the (account, batch) indexes for all the batches; only the batches with later
    entries take the window over their history in time order.
    """
    wanted = list(dict.fromkeys(batch_ids))
    found = dict.fromkeys(wanted, ZERO)
    later = []
    connection = session.connection()  # Core statements: no ORM execution to set up
    for batch_id, total, latest in connection.execute(_HOLDINGS, {"account_id": account_id, "batch_ids": wanted}):
        if latest <= at:
            found[batch_id] = total
        else:
            later.append(batch_id)
    if later:
        for batch_id, then, lowest_later in connection.execute(
                _AVAILABLE, {"account_id": account_id, "batch_ids": later, "at": at}):
            found[batch_id] = then if lowest_later is None else min(then, lowest_later)
    return found


def available(session: Session, account_id: uuid.UUID, batch_id: uuid.UUID, at: dt.datetime) -> Decimal:
    """:func:`available_by_batch` for one batch."""
    return available_by_batch(session, account_id, [batch_id], at)[batch_id]
