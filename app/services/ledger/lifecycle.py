"""Posting use cases for the lifecycle stages (transformations and splits are in ``transform.py``).

Each takes the session, the :class:`~app.services.ledger.posting.Actor`, and plain values (quantities already
in Decimal kg, see ``units.py``); each is one transaction and returns the entries it appended.

=================  ==========================================  ==========================================
kind               from (debited)                              to (credited)
=================  ==========================================  ==========================================
produce            boundary ``produced`` of the actor          the actor's site (a new batch)
receive            boundary ``received`` of the actor          the actor's site (a new batch from outside)
generate_waste     boundary ``produced`` of the actor          the actor's site (a new waste batch)
transfer           the actor's site                            another of the actor's sites
load               the actor's site                            the transit account of a waybill in transit
unload             the actor's (carrier's) transit account     one of the actor's own sites

consume/dispose/   the actor's site                            boundary ``consumed``/``disposed``/``loss``
loss
adjust             the actor's site <-> boundary ``adjustment`` (direction from the stocktake's count)
reversal           the reversed entry's ``to``                 the reversed entry's ``from``
=================  ==========================================  ==========================================

No use case here credits or debits another enterprise's holding: a transfer into another enterprise's site
waits for its acceptance (``transfers.py``), stock in transit reaches the consignee by the waybill's arrival
(``waybills/service.py``), and transit accounts are opened only by a waybill's departure. A reversal that
would take stock back out of another enterprise's holding is refused: that enterprise sends it back.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import N_, Text
from app.services.ledger.accounts import (
    batch_by_code, boundary_account, listed_site_account, own_site_account, remember_batch, transit_account,
    waybill_transit_account,
)
from app.services.ledger.codes import ProducerRef
from app.services.ledger.balances import balance
from app.services.ledger.context import transaction_state
from app.services.ledger.posting import Actor, Leg, ledger_transaction, record
from app.services.waste.batches import add_profile
from app.services.waste.codes import Declaration
from models import Account, Batch, Boundary, Chemical, EntryKind, LedgerEntry

_SOURCES = {EntryKind.PRODUCE: Boundary.PRODUCED, EntryKind.RECEIVE: Boundary.RECEIVED,
            EntryKind.GENERATE_WASTE: Boundary.PRODUCED}
_SINKS = {EntryKind.CONSUME: Boundary.CONSUMED, EntryKind.DISPOSE: Boundary.DISPOSED, EntryKind.LOSS: Boundary.LOSS}


def new_batch(session: Session, *, code: str, chemical_id: uuid.UUID, producer_id: uuid.UUID,
              produced_at: dt.datetime, quantity: Decimal, field: str = "code") -> Batch:
    """A batch entering the ledger; its code must be new and its chemical known.

    The batches this transaction created are remembered (:mod:`~app.services.ledger.context`), so the
    check for an existing code needs no flush of what the transaction wrote so far.
    """
    state = transaction_state(session)
    if _code_taken(session, code, producer_id, remembered=state.batches if state is not None else None):
        raise Conflict(Text("Batch code '{code}' is already in use.",
                            code=code), errors={field: [N_("already in use")]})
    chemical = session.get(Chemical, chemical_id)
    if chemical is None or not chemical.active:
        raise ValidationFailed(Text("No active chemical {chemical_id}.",
                                    chemical_id=chemical_id), errors={"chemical_id": [N_("unknown chemical")]})
    batch = Batch(id=uuid.uuid4(), code=code, chemical_id=chemical_id, producer_id=producer_id,
                  produced_at=produced_at, quantity=quantity)
    session.add(batch)
    if state is not None:
        remember_batch(state, producer_id, batch, None)
        state.new_batch_ids.add(batch.id)
    return batch


def _code_taken(session: Session, code: str, producer_id: uuid.UUID, *,
                remembered: dict[tuple[uuid.UUID, str, Any], Batch] | None) -> bool:
    """Whether *producer_id* has a lot *code* already: codes are unique per producer, so another producer's lot
    of the same code neither refuses nor tells of itself (migration 0045)."""
    taken = select(Batch.id).where(Batch.producer_id == producer_id, Batch.code == code)
    if remembered is None:
        return session.scalar(taken) is not None
    if (producer_id, code, producer_id) in remembered:
        return True
    with session.no_autoflush:  # every batch this transaction created is in *remembered*
        return session.scalar(taken) is not None


def introduce(session: Session, actor: Actor, *, kind: EntryKind, code: str, chemical_id: uuid.UUID,
              site_id: uuid.UUID, quantity: Decimal, occurred_at: dt.datetime, document_ref: str | None = None,
              waste: Declaration | None = None, unit_id: uuid.UUID | None = None) -> list[LedgerEntry]:
    """Produce, receive or generate (waste, with its declaration) a new batch at one of the actor's sites."""
    if kind not in _SOURCES:
        raise ValidationFailed(Text("'{kind}' does not bring a batch into the ledger.",
                                    kind=kind), errors={"kind": [N_("invalid")]})
    if (waste is None) == (kind is EntryKind.GENERATE_WASTE):
        raise ValidationFailed("A waste batch, and only a waste batch, carries a waste declaration.",
                               errors={"waste_code": [N_("required for generate_waste, and only for it")]})
    with ledger_transaction(session):
        target = own_site_account(session, actor.enterprise_id, site_id, unit_id)
        batch = new_batch(session, code=code, chemical_id=chemical_id, producer_id=actor.enterprise_id,
                          produced_at=occurred_at, quantity=quantity)
        if waste is not None:
            add_profile(session, batch, waste, site_id=site_id, generated_at=occurred_at)
        source = boundary_account(session, actor.enterprise_id, _SOURCES[kind])
        entries = record(session, actor, [Leg(kind, batch, source, target, quantity)],
                         occurred_at=occurred_at, document_ref=document_ref)
    return entries


def _own_target(account: Account, actor: Actor, refusal: str, code: str) -> Account:
    """*account*, which this posting credits: refused (409 *code*) unless the actor holds it."""
    if account.enterprise_id != actor.enterprise_id:
        raise Conflict(refusal, code=code, errors={"to_site_id": [N_("another enterprise's site")]})
    return account


def transfer(session: Session, actor: Actor, *, batch_code: str, from_site_id: uuid.UUID, to_site_id: uuid.UUID,
             quantity: Decimal, occurred_at: dt.datetime, document_ref: str | None = None,
             from_unit_id: uuid.UUID | None = None, to_unit_id: uuid.UUID | None = None,
             producer: ProducerRef | None = None) -> list[LedgerEntry]:
    """Move stock between the actor's own sites or units of one site (to another enterprise's:
    :func:`.transfers.offer`)."""
    with ledger_transaction(session):
        batch = batch_by_code(session, batch_code, actor.enterprise_id, producer=producer)
        target = _own_target(listed_site_account(session, to_site_id, unit_id=to_unit_id), actor,
                             N_("A transfer into another enterprise's site waits for its acceptance: offer it "
                                "alone (POST /api/v1/transfers or POST /api/v1/movements), not in a batch."),
                             "acceptance_required")
        legs = [Leg(EntryKind.TRANSFER, batch,
                    own_site_account(session, actor.enterprise_id, from_site_id, from_unit_id, field="from_site_id"),
                    target,
                    quantity)]
        entries = record(session, actor, legs, occurred_at=occurred_at, document_ref=document_ref)
    return entries


def load(session: Session, actor: Actor, *, batch_code: str, from_site_id: uuid.UUID, carrier_id: uuid.UUID,
         transit_ref: str, quantity: Decimal, occurred_at: dt.datetime, waybill_id: uuid.UUID | None = None,
         document_ref: str | None = None, from_unit_id: uuid.UUID | None = None,
         producer: ProducerRef | None = None) -> list[LedgerEntry]:
    """Load more stock from the actor's site onto a trip in transit: the transit account of a waybill the actor
    ships, *carrier_id* carries and that has departed (its departure opened the account). A reference no such
    waybill holds is refused: transit accounts exist only through waybills."""
    with ledger_transaction(session):
        batch = batch_by_code(session, batch_code, actor.enterprise_id, producer=producer)
        source = own_site_account(session, actor.enterprise_id, from_site_id, from_unit_id, field="from_site_id")
        target = waybill_transit_account(session, actor.enterprise_id, carrier_id, transit_ref, waybill_id)
        entries = record(session, actor, [Leg(EntryKind.LOAD, batch, source, target, quantity)],
                         occurred_at=occurred_at, document_ref=document_ref)
    return entries


def unload(session: Session, actor: Actor, *, batch_code: str, transit_ref: str, to_site_id: uuid.UUID,
           quantity: Decimal, occurred_at: dt.datetime, document_ref: str | None = None,
           to_unit_id: uuid.UUID | None = None, producer: ProducerRef | None = None) -> list[LedgerEntry]:
    """Deliver stock the actor (a carrier) has in transit under *transit_ref* to a site."""
    with ledger_transaction(session):
        batch = batch_by_code(session, batch_code, actor.enterprise_id, producer=producer)
        source = transit_account(session, actor.enterprise_id, transit_ref, create=False)
        target = _own_target(listed_site_account(session, to_site_id, unit_id=to_unit_id), actor,
                             N_("Stock in transit reaches another enterprise's site only by the waybill's "
                                "arrival (POST /api/v1/waybills/{id}/arrive)."), "delivery_via_waybill")
        entries = record(session, actor, [Leg(EntryKind.UNLOAD, batch, source, target, quantity)],
                         occurred_at=occurred_at, document_ref=document_ref)
    return entries


def retire(session: Session, actor: Actor, *, kind: EntryKind, batch_code: str, site_id: uuid.UUID,
           quantity: Decimal, occurred_at: dt.datetime, document_ref: str | None = None,
           unit_id: uuid.UUID | None = None, producer: ProducerRef | None = None) -> list[LedgerEntry]:
    """Consume, dispose of, or write off as lost stock at the actor's site."""
    if kind not in _SINKS:
        raise ValidationFailed(Text("'{kind}' does not take stock out of the ledger.",
                                    kind=kind), errors={"kind": [N_("invalid")]})
    with ledger_transaction(session):
        batch = batch_by_code(session, batch_code, actor.enterprise_id, producer=producer)
        source = own_site_account(session, actor.enterprise_id, site_id, unit_id)
        target = boundary_account(session, actor.enterprise_id, _SINKS[kind])
        entries = record(session, actor, [Leg(kind, batch, source, target, quantity)],
                         occurred_at=occurred_at, document_ref=document_ref)
    return entries


def adjust(session: Session, actor: Actor, *, batch_code: str, site_id: uuid.UUID, counted: Decimal,
           occurred_at: dt.datetime, document_ref: str | None = None,
           unit_id: uuid.UUID | None = None, producer: ProducerRef | None = None) -> list[LedgerEntry]:
    """Bring the site's (unit's) balance to the stocktake's *counted* kg; nothing is posted when they agree."""
    if counted < 0:
        raise ValidationFailed("A count cannot be negative.", errors={"counted": [N_("must be >= 0")]})
    with ledger_transaction(session):
        batch = batch_by_code(session, batch_code, actor.enterprise_id, producer=producer)
        site = own_site_account(session, actor.enterprise_id, site_id, unit_id)
        session.flush()
        difference = counted - balance(session, site.id, batch.id, as_of=occurred_at)
        if not difference:
            return []
        boundary = boundary_account(session, actor.enterprise_id, Boundary.ADJUSTMENT)
        source, target = (boundary, site) if difference > 0 else (site, boundary)
        entries = record(session, actor, [Leg(EntryKind.ADJUST, batch, source, target, abs(difference))],
                         occurred_at=occurred_at, document_ref=document_ref)
    return entries


def reverse(session: Session, actor: Actor, *, entry_id: uuid.UUID, occurred_at: dt.datetime,
            document_ref: str | None = None) -> list[LedgerEntry]:
    """Correct an entry of the actor's enterprise by a reversal that points at it (once, never a reversal)."""
    with ledger_transaction(session):
        original = session.get(LedgerEntry, entry_id)
        if original is None or original.enterprise_id != actor.enterprise_id:
            raise NotFound(Text("No entry {id} of the acting enterprise.", id=entry_id))
        if original.kind is EntryKind.REVERSAL:
            raise Conflict("A reversal cannot be reversed; post the corrected movement instead.",
                           code="reversal_of_reversal")
        if session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id)) is not None:
            raise Conflict(Text("Entry {entry_id} has already been reversed.",
                                entry_id=entry_id), code="already_reversed")
        if original.to_account.holds_stock and original.to_account.enterprise_id != actor.enterprise_id:
            raise Conflict("The stock this entry moved is held by another enterprise now: a reversal would take "
                           "it out of that enterprise's books. It can send it back by a transfer.",
                           code="held_by_another_enterprise")
        leg = Leg(EntryKind.REVERSAL, original.batch, original.to_account, original.from_account, original.quantity)
        entries = record(session, actor, [leg], occurred_at=occurred_at,
                         document_ref=document_ref or original.document_ref, reverses=original)
    return entries
