"""What each user may see of the ledger, and whom a user posts for.

Authorities (admin, supervisor, auditor) see everything. An enterprise user sees the batches it produced or
holds or held, and the entries that touch its accounts or that it posted; everything else is 404 to it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services.ledger.balances import Holding, balances
from app.services.ledger.codes import ProducerRef, choose, of_producer
from app.services.ledger.posting import Actor
from models import Account, AccountKind, Batch, LedgerEntry, Role, User


def acting_for(user: User, enterprise_id: uuid.UUID | None) -> Actor:
    """An enterprise user posts for its own enterprise; an administrator names the enterprise it acts for."""
    if user.role is Role.ENTERPRISE:
        if enterprise_id not in (None, user.enterprise_id):
            raise PermissionDenied("An enterprise user posts only for its own enterprise.")
        return Actor(user.id, user.enterprise_id)
    if enterprise_id is None:
        raise ValidationFailed("Name the enterprise to post for.", errors={"enterprise_id": [N_("required")]})
    return Actor(user.id, enterprise_id)


def _own_accounts(enterprise_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    return select(Account.id).where(Account.enterprise_id == enterprise_id)


def stock(session: Session, batch_ids: Iterable[uuid.UUID], *, enterprise_id: uuid.UUID | None = None,
          as_of: dt.datetime | None = None) -> list[Holding]:
    """What is held of the batches, by account: the site and transit accounts (of *enterprise_id*'s only, when
    given) with a positive balance. The boundary accounts where quantities were produced, received, consumed
    or disposed of are the ledger's other side, not stock."""
    accounts = None if enterprise_id is None else session.scalars(_own_accounts(enterprise_id)).all()
    held = [h for h in balances(session, account_ids=accounts, batch_ids=batch_ids, as_of=as_of) if h.balance > 0]
    if not held:
        return []
    holding = set(session.scalars(select(Account.id).where(
        Account.id.in_({h.account_id for h in held}), Account.kind != AccountKind.BOUNDARY)))
    return [h for h in held if h.account_id in holding]


def visible_entries(user: User) -> Select[tuple[LedgerEntry]]:
    stmt = select(LedgerEntry).options(selectinload(LedgerEntry.batch)).order_by(LedgerEntry.sequence)
    if user.role is Role.ENTERPRISE:
        own = _own_accounts(user.enterprise_id)
        stmt = stmt.where(or_(LedgerEntry.enterprise_id == user.enterprise_id,
                              LedgerEntry.from_account_id.in_(own), LedgerEntry.to_account_id.in_(own)))
    return stmt


def known_to(enterprise_id: uuid.UUID) -> ColumnElement[bool]:
    """Batches the enterprise produced, or that entered or left one of its accounts."""
    own = _own_accounts(enterprise_id)
    touched = select(LedgerEntry.batch_id).where(
        or_(LedgerEntry.from_account_id.in_(own), LedgerEntry.to_account_id.in_(own)))
    return or_(Batch.producer_id == enterprise_id, Batch.id.in_(touched))


def visible_batches(user: User) -> Select[tuple[Batch]]:
    stmt = select(Batch).order_by(Batch.produced_at.desc(), Batch.code)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(known_to(user.enterprise_id))
    return stmt


def get_batch(session: Session, user: User, code: str, producer: ProducerRef | None = None) -> Batch:
    """The batch *code* names for *user* (of *producer*, its id or USCC, when given): 404 for one it may not
    see."""
    stmt = visible_batches(user).where(Batch.code == code)
    if producer is not None:
        stmt = stmt.where(of_producer(producer))
    batch = choose(session.scalars(stmt).all(), code, own=user.enterprise_id)
    if batch is None:
        raise NotFound(Text("No batch '{code}'.", code=code))
    return batch
