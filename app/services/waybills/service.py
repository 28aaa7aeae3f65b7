"""E-waybill use cases: drafts, submission with every check, approval, departure and arrival with postings."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, union
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.services import idempotency, unit_of_work
from app.services.ledger.accounts import boundary_account, site_account, transit_account
from app.services.ledger.posting import Actor, Leg, ledger_transaction, record
from app.services.ledger.queries import known_to
from app.services.waste.status import waybill_departed
from app.services.waybills.checks import check_submission
from app.services.waybills.documents import new_waybill_number
from app.services.waybills.status import EDITABLE, check_transition
from models import Batch, Boundary, Corridor, Enterprise, EntryKind, Person, Role, Site, User, Vehicle
from models.types import utcnow
from models.waybills import Waybill, WaybillEvent, WaybillLine, WaybillStatus as S, WaybillVersion

CONTENT = ("vehicle_id", "trailer_id", "driver_id", "escort_id", "loading_site_id", "unloading_site_id",
           "departure_earliest", "departure_latest", "emergency_contact")
LINE_FIELDS = ("batch_id", "quantity_kg", "packaging_kind", "packaging_count")


PARTIES = (Waybill.shipper_id, Waybill.consignee_id, Waybill.carrier_id)
NEWEST_FIRST = (Waybill.created_at.desc(), Waybill.id.desc())


def _party(enterprise_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(*(column == enterprise_id for column in PARTIES))


def visible_waybills(user: User) -> Select[tuple[Waybill]]:
    """Waybills *user* may see: all for the authorities, those it is a party to for an enterprise."""
    stmt = select(Waybill)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(_party(user.enterprise_id))
    return stmt.order_by(*NEWEST_FIRST)


def list_waybills(session: Session, user: User, *, status: S | None = None, number: str | None = None,
                  party: uuid.UUID | None = None, offset: int = 0, limit: int = 50) -> tuple[int, list[Waybill]]:
    """One page of the waybills *user* may see, newest first, and how many there are in all.

    Same rows as :func:`visible_waybills` with the filters. When the list is one enterprise's (its own, or a
    ``party`` filter), the count and the page come from each party column's index separately (for the page,
    the newest offset + limit of each) and are merged, instead of one scan of everything matching the status or
    everything the enterprise was ever a party to.
    """
    conditions = [c for c in (Waybill.status == status if status else None,
                              Waybill.number == number if number else None) if c is not None]
    anchor = party
    if user.role is Role.ENTERPRISE:
        anchor = user.enterprise_id
        if party is not None:
            conditions.append(_party(party))
    if anchor is None:
        count = session.scalar(select(func.count()).select_from(Waybill).where(*conditions))
        return count, list(session.scalars(
            select(Waybill).where(*conditions).order_by(*NEWEST_FIRST).limit(limit).offset(offset)))
    ranges = [select(Waybill.id, Waybill.created_at).where(column == anchor, *conditions) for column in PARTIES]
    count = session.scalar(select(func.count()).select_from(union(*ranges).subquery()))
    heads = [stmt.order_by(*NEWEST_FIRST).limit(offset + limit).subquery() for stmt in ranges]
    merged = union(*(select(head.c.id, head.c.created_at) for head in heads)).subquery()
    page = select(merged.c.id).order_by(merged.c.created_at.desc(), merged.c.id.desc()).limit(limit).offset(offset)
    return count, list(session.scalars(select(Waybill).where(Waybill.id.in_(page)).order_by(*NEWEST_FIRST)))


def get_waybill(session: Session, user: User, waybill_id: uuid.UUID) -> Waybill:
    waybill = session.scalars(visible_waybills(user).where(Waybill.id == waybill_id).options(
        selectinload(Waybill.versions).selectinload(WaybillVersion.lines), selectinload(Waybill.events),
    )).one_or_none()
    if waybill is None:
        raise NotFound(f"No waybill {waybill_id}.")
    return waybill


def _as_party(user: User, waybill: Waybill, party: str) -> None:
    """Only the named party (or an administrator) may do this; the caller already sees the waybill."""
    if user.role is Role.ADMIN:
        return
    if user.role is not Role.ENTERPRISE or getattr(waybill, f"{party}_id") != user.enterprise_id:
        raise PermissionDenied(f"Only the {party} may do this.")


def _move(session: Session, waybill: Waybill, target: S, user: User, reason: str | None = None) -> None:
    check_transition(waybill.status, target)
    waybill.events.append(WaybillEvent(from_status=waybill.status, to_status=target, version=waybill.version,
                                       actor_id=user.id, reason=reason))
    waybill.status = target


def _fill(version: WaybillVersion, data: dict[str, Any]) -> None:
    for name in CONTENT:
        if name in data:
            setattr(version, name, data[name])
    if "lines" in data:
        version.lines = [WaybillLine(line_no=n, **{k: line.get(k) for k in LINE_FIELDS})
                         for n, line in enumerate(data["lines"], start=1)]


#: Which party each referenced record must belong to: (field, model, owner column, party).
REFERENCES = (
    ("vehicle_id", Vehicle, "carrier_id", "carrier"), ("trailer_id", Vehicle, "carrier_id", "carrier"),
    ("driver_id", Person, "employer_id", "carrier"), ("escort_id", Person, "employer_id", "carrier"),
    ("loading_site_id", Site, "enterprise_id", "shipper"), ("unloading_site_id", Site, "enterprise_id", "consignee"),
)


def _check_references(session: Session, parties: dict[str, uuid.UUID], data: dict[str, Any]) -> None:
    """A referenced record that does not exist, or is not the right party's, is a 404 (as if unknown)."""
    missing: dict[str, list[str]] = {}
    for name, model, owner, party in REFERENCES:
        record = session.get(model, data[name]) if data.get(name) else None
        if data.get(name) and (record is None or getattr(record, owner) != parties[party]):
            missing[name] = [f"no such {model.__name__.lower()} of the {party}"]
    batch_ids = {line["batch_id"] for line in data.get("lines") or [] if line.get("batch_id")}
    known = set(session.scalars(select(Batch.id).where(Batch.id.in_(batch_ids), known_to(parties["shipper"])))
                ) if batch_ids else set()
    for index, line in enumerate(data.get("lines") or []):
        if line.get("batch_id") and line["batch_id"] not in known:
            missing[f"lines.{index}.batch_id"] = ["no such batch of the shipper"]
    for party, party_id in parties.items():
        if session.get(Enterprise, party_id) is None:
            missing[f"{party}_id"] = ["no such enterprise"]
    corridor = session.get(Corridor, data["corridor_id"]) if data.get("corridor_id") else None
    if data.get("corridor_id") and (corridor is None or not corridor.active):
        missing["corridor_id"] = ["no such active corridor"]
    if missing:
        raise NotFound("The waybill refers to records that do not exist (or are not the parties').", errors=missing)


def create_draft(session: Session, user: User, data: dict[str, Any], *, key: str | None = None) -> Waybill:
    """Open a draft with its parties fixed for good; the same Idempotency-Key and body return the same draft."""
    replayed = idempotency.replayed_resource(session, user.id, key, data)
    if replayed is not None:
        return get_waybill(session, user, replayed)
    shipper_id = data.get("shipper_id") if user.role is Role.ADMIN else user.enterprise_id
    if shipper_id is None:
        raise ValidationFailed("The shipper is required.", errors={"shipper_id": ["required for an administrator"]})
    _check_references(session, {"shipper": shipper_id, "consignee": data["consignee_id"],
                                "carrier": data["carrier_id"]}, data)
    with unit_of_work(session):
        waybill = Waybill(number=new_waybill_number(dt.date.today()), shipper_id=shipper_id,
                          consignee_id=data["consignee_id"], carrier_id=data["carrier_id"],
                          corridor_id=data.get("corridor_id"), created_by=user.id)
        version = WaybillVersion(version=1)
        _fill(version, data)
        waybill.versions.append(version)
        waybill.events.append(WaybillEvent(from_status=None, to_status=S.DRAFT, version=1, actor_id=user.id))
        session.add(waybill)
        session.flush()
        idempotency.remember(session, user.id, key, data, waybill.id)
    return waybill


def _fresh(waybill: Waybill, row_version: int) -> None:
    if waybill.row_version != row_version:
        raise Conflict(f"The waybill changed since you read it (row_version {waybill.row_version}, "
                       f"you sent {row_version}); reload and retry.", code="stale_version")


def _changed(waybill: Waybill) -> None:
    """Stamp the waybill, which also bumps its row_version (the mapper's version counter)."""
    waybill.updated_at = utcnow()


def _validated(session: Session, waybill: Waybill, version: WaybillVersion) -> None:
    """Run every submission check on *version*; refuse with all errors, or snapshot the lines and warnings."""
    found, lines = check_submission(session, waybill, version)
    if found.errors:
        count = sum(len(v) for v in found.errors.values())
        raise ValidationFailed(f"The waybill cannot be submitted: {count} problem(s).", errors=dict(found.errors))
    for item in lines:
        chemical = item.chemical
        item.line.chemical_id = chemical.id
        item.line.un_number, item.line.hazard_class = chemical.un_number, chemical.hazard_class
        item.line.proper_shipping_name = chemical.name_en or chemical.name_zh
        item.line.packing_group, item.line.tunnel_code = chemical.packing_group, chemical.tunnel_code
    version.warnings = [{"field": f, "message": m} for f, messages in found.warnings.items() for m in messages]


def update(session: Session, user: User, waybill_id: uuid.UUID, data: dict[str, Any]) -> Waybill:
    """Edit a draft or rejected waybill in place; a change after approval is a correction: a new version,
    checked again and back to 'submitted' for a new approval. The old version stays readable."""
    waybill = get_waybill(session, user, waybill_id)
    _as_party(user, waybill, "shipper")
    _fresh(waybill, data.pop("row_version"))
    _check_references(session, {"shipper": waybill.shipper_id, "consignee": waybill.consignee_id,
                                "carrier": waybill.carrier_id}, data)
    with unit_of_work(session):
        if waybill.status in EDITABLE:
            _fill(waybill.current, data)
        elif waybill.status is S.APPROVED:
            old = waybill.current
            new = WaybillVersion(version=old.version + 1, **{n: getattr(old, n) for n in CONTENT})
            new.lines = [WaybillLine(line_no=line.line_no, **{k: getattr(line, k) for k in LINE_FIELDS})
                         for line in old.lines]
            _fill(new, data)
            waybill.versions.append(new)
            waybill.version = new.version
            _validated(session, waybill, new)
            _move(session, waybill, S.SUBMITTED, user, f"correction: version {new.version}")
        else:
            raise Conflict(f"A waybill in status '{waybill.status}' cannot be changed.", code="illegal_transition")
        _changed(waybill)
    return waybill


def submit(session: Session, user: User, waybill_id: uuid.UUID, *, row_version: int,
           key: str | None = None) -> Waybill:
    """Submit for approval after every check; idempotent under one Idempotency-Key."""
    body = {"submit": str(waybill_id), "row_version": row_version}
    replayed = idempotency.replayed_resource(session, user.id, key, body)
    if replayed is not None:
        return get_waybill(session, user, replayed)
    waybill = get_waybill(session, user, waybill_id)
    _as_party(user, waybill, "shipper")
    _fresh(waybill, row_version)
    check_transition(waybill.status, S.SUBMITTED)
    with unit_of_work(session):
        _validated(session, waybill, waybill.current)
        _move(session, waybill, S.SUBMITTED, user)
        _changed(waybill)
        idempotency.remember(session, user.id, key, body, waybill.id)
    return waybill


def decide(session: Session, user: User, waybill_id: uuid.UUID, *, approve: bool, reason: str | None = None,
           corridor_id: uuid.UUID | None = None) -> Waybill:
    """A supervisor approves (optionally attaching the permitted corridor) or rejects with a reason."""
    waybill = get_waybill(session, user, waybill_id)
    if not approve and not reason:
        raise ValidationFailed("A rejection needs a reason.", errors={"reason": ["required to reject"]})
    if corridor_id is not None:
        _check_references(session, {}, {"corridor_id": corridor_id})
    with unit_of_work(session):
        if corridor_id is not None:
            waybill.corridor_id = corridor_id
        _move(session, waybill, S.APPROVED if approve else S.REJECTED, user, reason)
        _changed(waybill)
    return waybill


def cancel(session: Session, user: User, waybill_id: uuid.UUID, reason: str) -> Waybill:
    waybill = get_waybill(session, user, waybill_id)
    _as_party(user, waybill, "shipper")
    with unit_of_work(session):
        _move(session, waybill, S.CANCELLED, user, reason)
        _changed(waybill)
    return waybill


def depart(session: Session, user: User, waybill_id: uuid.UUID, at: dt.datetime) -> Waybill:
    """The carrier departs: every line is loaded from the shipper's site into the trip's transit account."""
    waybill = get_waybill(session, user, waybill_id)
    _as_party(user, waybill, "carrier")
    check_transition(waybill.status, S.IN_TRANSIT)
    version = waybill.current
    with ledger_transaction(session):
        source = site_account(session, version.loading_site_id)
        transit = transit_account(session, waybill.carrier_id, waybill.number, waybill_id=waybill.id)
        legs = [Leg(EntryKind.LOAD, line.batch, source, transit, line.quantity_kg) for line in version.lines]
        record(session, Actor(user.id, waybill.shipper_id), legs, occurred_at=at, document_ref=waybill.number)
        _move(session, waybill, S.IN_TRANSIT, user)
        waybill.departed_at = at
        waybill_departed(session, user, waybill, at)
        _changed(waybill)
    return waybill


def arrive(session: Session, user: User, waybill_id: uuid.UUID, at: dt.datetime,
           delivered: dict[int, Decimal]) -> Waybill:
    """The carrier arrives: what was delivered goes to the consignee's site, any shortfall to loss."""
    waybill = get_waybill(session, user, waybill_id)
    _as_party(user, waybill, "carrier")
    check_transition(waybill.status, S.DELIVERED)
    version = waybill.current
    unknown = sorted(set(delivered) - {line.line_no for line in version.lines})
    if unknown:
        raise ValidationFailed("Unknown lines.", errors={"delivered": [f"no line {n}" for n in unknown]})
    with ledger_transaction(session):
        transit = transit_account(session, waybill.carrier_id, waybill.number, create=False)
        target = site_account(session, version.unloading_site_id)
        loss = boundary_account(session, waybill.carrier_id, Boundary.LOSS)
        legs = []
        for line in version.lines:
            line.delivered_kg = delivered.get(line.line_no, line.quantity_kg)
            if line.delivered_kg > line.quantity_kg or line.delivered_kg < 0:
                raise ValidationFailed("Delivered more than was loaded, or less than nothing.",
                                       errors={f"delivered.{line.line_no}": [f"must be 0 to {line.quantity_kg} kg"]})
            shortfall = line.quantity_kg - line.delivered_kg
            legs += [Leg(kind, line.batch, transit, account, quantity) for kind, account, quantity in (
                (EntryKind.UNLOAD, target, line.delivered_kg), (EntryKind.LOSS, loss, shortfall)) if quantity > 0]
        record(session, Actor(user.id, waybill.carrier_id), legs, occurred_at=at, document_ref=waybill.number)
        _move(session, waybill, S.DELIVERED, user)
        waybill.delivered_at = at
        _changed(waybill)
    return waybill


def close(session: Session, user: User, waybill_id: uuid.UUID) -> Waybill:
    """The consignee confirms receipt and closes the waybill."""
    waybill = get_waybill(session, user, waybill_id)
    _as_party(user, waybill, "consignee")
    with unit_of_work(session):
        _move(session, waybill, S.CLOSED, user)
        _changed(waybill)
    return waybill
