"""Finding (and on first use opening) the accounts entries move quantities between.

Called only inside a ledger transaction, which holds the chain lock: two postings never race to open the
same account (the partial unique indexes would refuse the second anyway). Within one transaction each
account and batch is looked up once (:mod:`~app.services.ledger.context`); new rows get their ids at once,
so a posting needs no flush to know them.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound, ValidationFailed
from app.i18n import N_, Text
from app.services.ledger.codes import ProducerRef, beside, choose, producer_id
from app.services.ledger.context import TransactionState, transaction_state
from models import (Account, AccountKind, Batch, Boundary, Enterprise, LedgerEntry, Site, SiteUnit, Waybill,
                    WaybillStatus)
from models.ledger import kind_literal


def _remembered(session: Session, key: tuple[Any, ...], find: Callable[[], Account]) -> Account:
    state = transaction_state(session)
    if state is None:
        return find()
    account = state.accounts.get(key)
    if account is None:
        account = state.accounts[key] = find()
    return account


def site_account(session: Session, site_id: uuid.UUID, *, field: str = "site_id",
                 unit_id: uuid.UUID | None = None) -> Account:
    """The account of stock in a unit of a site: *unit_id*, or the site's default unit when it names none
    (GB 18218 identifies per unit; see ``models/units.py``)."""
    site = session.get(Site, site_id)
    if site is None or not site.active:
        raise _no_site(site_id, field)
    unit_id = _named_unit(session, site_id, unit_id, field=field.replace("site_id", "unit_id"))
    unit_clause = Account.unit_id.is_(None) if unit_id is None else Account.unit_id == unit_id

    def find() -> Account:
        account = session.scalars(select(Account).where(Account.kind == kind_literal(AccountKind.SITE),
                                                        Account.site_id == site_id, unit_clause)).one_or_none()
        if account is None:
            account = Account(id=uuid.uuid4(), kind=AccountKind.SITE, enterprise_id=site.enterprise_id,
                              site_id=site_id, unit_id=unit_id)
            session.add(account)
        return account

    return _remembered(session, (AccountKind.SITE, site_id, unit_id), find)


def _named_unit(session: Session, site_id: uuid.UUID, unit_id: uuid.UUID | None, *, field: str) -> uuid.UUID | None:
    """*unit_id* checked to be an active unit of the site; None for the site's default unit (its account names
    no unit, so the stock of a site that has only its default unit stays in one account)."""
    if unit_id is None:
        return None
    unit = session.get(SiteUnit, unit_id)
    if unit is None or unit.site_id != site_id or not unit.active:
        raise ValidationFailed(Text("No active unit {unit_id} of site {site_id}.", unit_id=unit_id, site_id=site_id),
                               errors={field: [N_("not an active unit of this site")]})
    return None if unit.is_default else unit_id


def _no_site(site_id: uuid.UUID, field: str) -> ValidationFailed:
    return ValidationFailed(Text("No active site {site_id}.", site_id=site_id),
                            errors={field: [N_("unknown or inactive site")]})


def own_site_account(session: Session, enterprise_id: uuid.UUID, site_id: uuid.UUID,
                     unit_id: uuid.UUID | None = None, *, field: str = "site_id") -> Account:
    """The account of a site that must belong to *enterprise_id* (where it produces, counts, transforms, or
    spends from). Another enterprise's site is answered exactly as a site that does not exist, before anything
    else is checked: a posting must not tell a firm which sites exist (a closed firm's are in no directory)."""
    site = session.get(Site, site_id)  # site_account reads it again from the identity map
    if site is None or site.enterprise_id != enterprise_id:
        raise _no_site(site_id, field)
    return site_account(session, site_id, field=field, unit_id=unit_id)


def listed_site_account(session: Session, site_id: uuid.UUID, *, field: str = "to_site_id",
                        unit_id: uuid.UUID | None = None) -> Account:
    """The account of a site a posting or an offer delivers into, which may be another enterprise's: one the
    directory lists (an active site of an active enterprise, ``/counterparties``). Any other is answered exactly
    as a site that does not exist."""
    site = session.get(Site, site_id)
    if site is None or not session.get(Enterprise, site.enterprise_id).active:
        raise _no_site(site_id, field)
    return site_account(session, site_id, field=field, unit_id=unit_id)


def transit_account(session: Session, carrier_id: uuid.UUID, reference: str, *,
                    waybill_id: uuid.UUID | None = None, create: bool = True) -> Account:
    """The account of what *carrier_id* carries under *reference* (vehicle plate or waybill number)."""
    def find() -> Account:
        account = session.scalars(select(Account).where(
            Account.kind == kind_literal(AccountKind.TRANSIT), Account.enterprise_id == carrier_id,
            Account.reference == reference,
        )).one_or_none()
        if account is not None:
            return account
        if not create:
            raise NotFound(Text("Nothing was loaded for transit under '{reference}'.", reference=reference))
        if session.get(Enterprise, carrier_id) is None:
            raise ValidationFailed(Text("No enterprise {carrier_id}.",
                                        carrier_id=carrier_id), errors={"carrier_id": [N_("unknown enterprise")]})
        account = Account(id=uuid.uuid4(), kind=AccountKind.TRANSIT, enterprise_id=carrier_id, reference=reference,
                          waybill_id=waybill_id)
        session.add(account)
        return account

    return _remembered(session, (AccountKind.TRANSIT, carrier_id, reference), find)


def waybill_transit_account(session: Session, shipper_id: uuid.UUID, carrier_id: uuid.UUID, reference: str,
                            waybill_id: uuid.UUID | None = None) -> Account:
    """The transit account of the waybill numbered *reference* (or *waybill_id*) that *shipper_id* ships,
    *carrier_id* carries, and that is in transit; anything else is refused alike (no waybill's existence is
    told to a non-party)."""
    account = session.scalars(select(Account).where(
        Account.kind == kind_literal(AccountKind.TRANSIT), Account.enterprise_id == carrier_id,
        Account.reference == reference)).one_or_none()
    waybill = session.get(Waybill, account.waybill_id) if account is not None and account.waybill_id else None
    if (waybill is None or waybill.shipper_id != shipper_id or waybill.status is not WaybillStatus.IN_TRANSIT
            or waybill_id not in (None, waybill.id)):
        raise ValidationFailed(Text("No waybill of the acting enterprise is in transit under '{reference}' with "
                                    "this carrier: stock goes into transit by a waybill's departure.",
                                    reference=reference),
                               errors={"transit_ref": [N_("no waybill of yours in transit")]})
    return account


def boundary_account(session: Session, enterprise_id: uuid.UUID, boundary: Boundary) -> Account:
    def find() -> Account:
        account = session.scalars(select(Account).where(
            Account.kind == kind_literal(AccountKind.BOUNDARY), Account.enterprise_id == enterprise_id,
            Account.boundary == boundary,
        )).one_or_none()
        if account is None:
            account = Account(id=uuid.uuid4(), kind=AccountKind.BOUNDARY, enterprise_id=enterprise_id,
                              boundary=boundary)
            session.add(account)
        return account

    return _remembered(session, (AccountKind.BOUNDARY, enterprise_id, boundary), find)


def batch_by_code(session: Session, code: str, enterprise_id: uuid.UUID, *, producer: ProducerRef | None = None,
                  field: str = "batch") -> Batch:
    """The batch *code* as the enterprise *enterprise_id* knows it: one it brought into the ledger, or one that
    entered or left one of its accounts (what ``GET /batches/{code}`` shows it); the lot of *producer* (its id or
    USCC) when it is named. Any other batch is answered exactly as a code that does not exist (422 ``unknown
    batch``): a posting must not tell an enterprise that another's batch exists, nor its balance or hazard class
    (a later check would). Without *producer*, its own lot comes first when another producer's lot it held has
    the same code, else the only one it knows, else 409 ``ambiguous_batch`` naming the field beside *field* that
    takes the producer (:func:`~app.services.ledger.codes.choose`).

    Within a ledger transaction each (code, producer named) is looked up once for the enterprise: one request
    may post two lots of one code, each by its producer."""
    state = transaction_state(session)
    remembered = state.batches if state is not None else {}
    batch = remembered.get((enterprise_id, code, producer))
    if batch is None:
        named = producer_id(session, producer) if producer is not None else None
        if producer is not None and named is None:
            raise _unknown_batch(code, field)
        batch = remembered.get((enterprise_id, code, named)) or _known_batch(session, code, enterprise_id, named,
                                                                             field=field, flushing=state is None)
        if state is not None:
            remember_batch(state, enterprise_id, batch, producer)
    return batch


def remember_batch(state: TransactionState, reader_id: uuid.UUID, batch: Batch, named: ProducerRef | None) -> None:
    """Keep what (code, producer) names *batch* for *reader_id* in this transaction: as named, by its producer's
    id, and -- for its producer -- by the code alone (a firm's own lot comes first)."""
    state.batches[reader_id, batch.code, named] = state.batches[reader_id, batch.code, batch.producer_id] = batch
    if batch.producer_id == reader_id:
        state.batches[reader_id, batch.code, None] = batch


def _known_batch(session: Session, code: str, enterprise_id: uuid.UUID, named: uuid.UUID | None, *, field: str,
                 flushing: bool) -> Batch:
    """The lot of *code* (of *named*) the enterprise knows, by :func:`~app.services.ledger.codes.choose`, in one
    statement whatever the number of lots sharing the code."""
    stmt = select(Batch).where(Batch.code == code, or_(Batch.producer_id == enterprise_id, _touched_by(enterprise_id)))
    if named is not None:
        stmt = stmt.where(Batch.producer_id == named)
    with nullcontext() if flushing else session.no_autoflush:  # a transaction's new batches are remembered
        known = session.scalars(stmt).all()
    batch = choose(known, code, own=enterprise_id, field=beside(field))
    if batch is None:
        raise _unknown_batch(code, field)
    return batch


def _unknown_batch(code: str, field: str) -> ValidationFailed:
    return ValidationFailed(Text("No batch '{code}'.", code=code), errors={field: [N_("unknown batch")]})


def _touched_by(enterprise_id: uuid.UUID) -> ColumnElement[bool]:
    """Whether an entry moved the (outer query's) batch out of or into one of the enterprise's accounts:
    correlated, so each candidate lot is answered by the index on an account and the batch, not by collecting
    every batch the enterprise ever held."""
    return (select(LedgerEntry.id)
            .join(Account, or_(Account.id == LedgerEntry.from_account_id, Account.id == LedgerEntry.to_account_id))
            .where(LedgerEntry.batch_id == Batch.id, Account.enterprise_id == enterprise_id)
            .exists())
