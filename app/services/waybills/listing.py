"""Which waybills a user sees, and the list of them: newest first, by status, number or party, a page at a time.

An enterprise sees the waybills it is a party to (shipper, consignee or carrier); the authorities see all.
"""
from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from models import Role, User
from models.waybills import Waybill, WaybillStatus

PARTIES = (Waybill.shipper_id, Waybill.consignee_id, Waybill.carrier_id)
NEWEST_FIRST = (Waybill.created_at.desc(), Waybill.id.desc())


def party_to(enterprise_id: uuid.UUID | ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """The waybills the enterprise is a party to."""
    return or_(*(column == enterprise_id for column in PARTIES))


def visible_waybills(user: User) -> Select[tuple[Waybill]]:
    """Waybills *user* may see, newest first: all for the authorities, those it is a party to for an enterprise."""
    stmt = select(Waybill)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(party_to(user.enterprise_id))
    return stmt.order_by(*NEWEST_FIRST)


def disjoint_party_ranges(enterprise_id: uuid.UUID) -> list[ColumnElement[bool]]:
    """:func:`party_to` as three conditions no waybill meets twice: the enterprise is the shipper; else the
    consignee; else the carrier.

    Each is a range of its party column's index (which carries the other parties), so the three counts add up
    and the three newest-first ranges merge, without reading the table or removing duplicates.
    """
    shipper, consignee, carrier = PARTIES
    return [shipper == enterprise_id,
            and_(consignee == enterprise_id, shipper != enterprise_id),
            and_(carrier == enterprise_id, shipper != enterprise_id, consignee != enterprise_id)]


def list_waybills(session: Session, user: User, *, status: WaybillStatus | None = None, number: str | None = None,
                  party: uuid.UUID | None = None, offset: int = 0, limit: int = 50) -> tuple[int, list[Waybill]]:
    """One page of the waybills *user* may see, newest first, and how many there are in all.

    The same rows as :func:`visible_waybills` with the filters. One enterprise's list (its own, or a ``party``
    filter) is counted and paged over :func:`disjoint_party_ranges`: each range's newest offset + limit rows,
    merged. The alternative, one scan for ``shipper = E OR consignee = E OR carrier = E``, reads every waybill
    of the status, or the table rows of everything E was ever a party to.
    """
    conditions = [c for c in (Waybill.status == status if status else None,
                              Waybill.number == number if number else None) if c is not None]
    anchor = party
    if user.role is Role.ENTERPRISE:
        anchor = user.enterprise_id
        if party is not None:
            conditions.append(party_to(party))
    if anchor is None:
        count = session.scalar(select(func.count()).select_from(Waybill).where(*conditions))
        return count, list(session.scalars(
            select(Waybill).where(*conditions).order_by(*NEWEST_FIRST).limit(limit).offset(offset)))
    ranges = [and_(within, *conditions) for within in disjoint_party_ranges(anchor)]
    count = sum(session.execute(select(*(
        select(func.count()).select_from(Waybill).where(within).scalar_subquery() for within in ranges))).one())
    heads = [select(Waybill.id, Waybill.created_at).where(within).order_by(*NEWEST_FIRST).limit(offset + limit)
             .subquery() for within in ranges]
    merged = union_all(*(select(head.c.id, head.c.created_at) for head in heads)).subquery()
    page = select(merged.c.id).order_by(merged.c.created_at.desc(), merged.c.id.desc()).limit(limit).offset(offset)
    return count, list(session.scalars(select(Waybill).where(Waybill.id.in_(page)).order_by(*NEWEST_FIRST)))
