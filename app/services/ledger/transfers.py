"""Transfers into another enterprise's site: offered by the sender, posted only when the receiver accepts.

No enterprise writes into another's books. A transfer whose target site belongs to another enterprise is
*offered* (:func:`offer`): the sender's own checks run at once (it holds the site and the stock, its permit
allows the transfer) and nothing is posted. The receiver then

- accepts (:func:`accept`): in one ledger transaction, under the chain lock, the receiver's permit to hold
  the chemical is checked on the day of receipt, the sender's balance is checked again (it may have been
  spent since the offer: an offer reserves nothing, so a balance can never go negative by it), and the one
  ``transfer`` entry is posted, dated at the receipt (the acceptance's ``occurred_at``, by default the moment
  of acceptance, never before the handover the offer states); or
- refuses (:func:`refuse`, with a reason): nothing is posted.

The sender may withdraw a pending offer (:func:`cancel`). Each decision is taken once: the status changes
from ``pending`` by a conditional update, so two concurrent decisions cannot both succeed, and an acceptance
that fails (no permit, too little stock) leaves the offer pending and posts nothing. The ledger stays
append-only: the only ledger write is the entry of the acceptance.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from app.services.ledger.accounts import batch_by_code, listed_site_account, own_site_account, site_account
from app.services.ledger.authorisation import authorise_posting
from app.services.ledger.codes import ProducerRef
from app.services.ledger.balances import available
from app.services.ledger.posting import Actor, Leg, check_time, ledger_transaction, record
from app.services.party_names import party_name
from models import EntryKind, PendingTransfer, Role, Site, TransferStatus, User
from models.types import utcnow


def receiver_of(session: Session, actor: Actor, to_site_id: uuid.UUID | None) -> uuid.UUID | None:
    """The enterprise holding *to_site_id* when it is not the actor's own (None otherwise, or if unknown)."""
    site = session.get(Site, to_site_id) if to_site_id is not None else None
    if site is None or site.enterprise_id == actor.enterprise_id:
        return None
    return site.enterprise_id


def offer(session: Session, actor: Actor, *, batch_code: str, from_site_id: uuid.UUID, to_site_id: uuid.UUID,
          quantity: Decimal, occurred_at: dt.datetime, document_ref: str | None = None,
          producer: ProducerRef | None = None) -> PendingTransfer:
    """Offer *quantity* kg of a batch at the actor's site to another enterprise's site; nothing is posted."""
    check_time(occurred_at)
    if quantity <= 0:
        raise ValidationFailed("Quantities must be > 0.", errors={"quantity": [N_("must be > 0")]})
    with unit_of_work(session):
        batch = batch_by_code(session, batch_code, actor.enterprise_id, producer=producer)
        source = own_site_account(session, actor.enterprise_id, from_site_id, field="from_site_id")
        target = listed_site_account(session, to_site_id)
        if target.enterprise_id == actor.enterprise_id:
            raise ValidationFailed("Both sites are the acting enterprise's own: post the transfer as a movement.",
                                   errors={"to_site_id": [N_("your own site: no acceptance needed")]})
        authorise_posting(session, enterprise_id=actor.enterprise_id, activity=EntryKind.TRANSFER.value,
                          chemical_id=batch.chemical_id, on=occurred_at.date())
        session.flush()
        have = available(session, source.id, batch.id, occurred_at)
        if have < quantity:
            raise Conflict(Text("Insufficient balance: {have} kg of batch {batch} available at the site, {quantity} "
                                "kg offered.", have=have, batch=batch.code, quantity=quantity),
                           code="insufficient_balance")
        transfer = PendingTransfer(
            id=uuid.uuid4(), batch_id=batch.id, batch=batch, quantity=quantity, from_site_id=from_site_id,
            to_site_id=to_site_id, sender_id=actor.enterprise_id, receiver_id=target.enterprise_id,
            document_ref=document_ref, occurred_at=occurred_at, offered_by=actor.user_id, offered_at=utcnow(),
        )
        session.add(transfer)
    return transfer


def visible_transfers(user: User) -> Select[tuple[PendingTransfer]]:
    """Every transfer for the authorities; an enterprise sees those it sent or received, newest first."""
    stmt = select(PendingTransfer).order_by(PendingTransfer.offered_at.desc(), PendingTransfer.id)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(or_(PendingTransfer.sender_id == user.enterprise_id,
                              PendingTransfer.receiver_id == user.enterprise_id))
    return stmt


def get_transfer(session: Session, user: User, transfer_id: uuid.UUID) -> PendingTransfer:
    transfer = session.scalars(visible_transfers(user).where(PendingTransfer.id == transfer_id)).one_or_none()
    if transfer is None:
        raise NotFound(Text("No transfer {id}.", id=transfer_id))
    return transfer


def _as_party(user: User, transfer: PendingTransfer, party: str) -> None:
    """Only the named party's users (or an administrator, acting for it) may take this decision."""
    if user.role is Role.ADMIN:
        return
    if user.role is not Role.ENTERPRISE or user.enterprise_id != getattr(transfer, f"{party}_id"):
        raise PermissionDenied(Text("Only the {party} of a transfer may do this.", party=party_name(party)),
                               code=f"not_{party}")


def _decide(session: Session, transfer: PendingTransfer, user: User, status: TransferStatus,
            **values: Any) -> None:
    """Move *transfer* from pending to *status*, once: a transfer decided meanwhile is a conflict."""
    done = session.execute(
        update(PendingTransfer)
        .where(PendingTransfer.id == transfer.id, PendingTransfer.status == TransferStatus.PENDING)
        .values(status=status, decided_by=user.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(Text("Transfer {id} is no longer pending.", id=transfer.id), code="transfer_decided")


def accept(session: Session, user: User, transfer_id: uuid.UUID,
           occurred_at: dt.datetime | None = None) -> PendingTransfer:
    """The receiver accepts: its permit and the sender's balance are checked, then the entry is posted."""
    transfer = get_transfer(session, user, transfer_id)
    _as_party(user, transfer, "receiver")
    at = occurred_at or utcnow()
    if at < transfer.occurred_at:
        raise ValidationFailed("A transfer is received no earlier than the handover its offer states.",
                               errors={"occurred_at": [Text("before {occurred_at}",
                                                            occurred_at=transfer.occurred_at.isoformat())]})
    with ledger_transaction(session):
        _decide(session, transfer, user, TransferStatus.ACCEPTED)
        batch = transfer.batch
        authorise_posting(session, enterprise_id=transfer.receiver_id, activity=EntryKind.RECEIVE.value,
                          chemical_id=batch.chemical_id, on=at.date())
        leg = Leg(EntryKind.TRANSFER, batch, site_account(session, transfer.from_site_id),
                  site_account(session, transfer.to_site_id), transfer.quantity)
        entry, = record(session, Actor(transfer.offered_by, transfer.sender_id), [leg], occurred_at=at,
                        document_ref=transfer.document_ref)
        session.execute(update(PendingTransfer).where(PendingTransfer.id == transfer.id)
                        .values(entry_id=entry.id).execution_options(synchronize_session=False))
    session.refresh(transfer)
    return transfer


def refuse(session: Session, user: User, transfer_id: uuid.UUID, reason: str) -> PendingTransfer:
    """The receiver refuses, with a reason: nothing is posted."""
    return _close(session, user, transfer_id, "receiver", TransferStatus.REFUSED, reason)


def cancel(session: Session, user: User, transfer_id: uuid.UUID, reason: str | None = None) -> PendingTransfer:
    """The sender withdraws its offer while it is pending: nothing is posted."""
    return _close(session, user, transfer_id, "sender", TransferStatus.CANCELLED, reason)


def _close(session: Session, user: User, transfer_id: uuid.UUID, party: str, status: TransferStatus,
           reason: str | None) -> PendingTransfer:
    transfer = get_transfer(session, user, transfer_id)
    _as_party(user, transfer, party)
    with unit_of_work(session):
        _decide(session, transfer, user, status, reason=reason)
    session.refresh(transfer)
    return transfer
