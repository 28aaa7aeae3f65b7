"""Transfer manifests (危险废物转移联单): from the generator's creation to the disposer's disposal.

=============  ===========================================================================================
created        the generator names its waste batches and quantities, the carrier, the disposer and its site,
               the disposal method, and (then or later) the e-waybill that carries them; the disposer's
               permit scope is checked; the number is in the national format. The carrier checks the waste
               against the manifest before carriage (or refuses it: rejected)
in_transit     the waybill departed (its load entries took the waste from the generator's site); it departs
               only once the carrier has checked
received       the disposer confirms what the waybill's unload entries brought to its site (the receipt
               entries), within the deadline after delivery; its permit scope is checked again, on the day
               of receipt; a quantity not as stated is recorded as the discrepancy and raises an alert
disposed       the disposer's dispose entries take what it received to its ``disposed`` boundary
rejected       the disposer refuses the transfer before receiving it, with a reason (an alert)
=============  ===========================================================================================

The steps and deadlines of 危险废物转移管理办法 (2021) are in :mod:`~app.services.waste.transfer_rules`.

An enterprise sees the manifests it is a party to (404 for the others); the authorities see all.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from app.services.ledger import lifecycle
from app.services.ledger.balances import balances
from app.services.ledger.codes import ProducerRef, producer_id
from app.services.ledger.posting import Actor, check_time, ledger_transaction
from app.services.party_names import party_name
from app.services.permits import Activity, permit_decision
from app.services.waste.batches import profiles
from app.services.waste.cross_province import FIELD, approval_for_manifest, province_of, region_of
from app.services.waste.scope import scope_errors
from app.services.waste.status import check_next, move
from app.services.waste.transfer_rules import national_number, transfer_alert
from app.services.waybills.service import get_waybill
from models import (
    Account, AccountKind, Batch, Enterprise, EntryKind, ManifestStatus as S, Role, Severity, Site, User, WasteBatch,
    WasteManifest, WasteManifestEvent, WasteManifestLine, Waybill, WaybillStatus,
)
from models.types import utcnow

PARTIES = ("generator", "carrier", "disposer")
#: A waybill that has not departed yet may still be linked.
LINKABLE = (WaybillStatus.DRAFT, WaybillStatus.ISSUED, WaybillStatus.AWAITING_PASS, WaybillStatus.REJECTED)


def visible_manifests(user: User) -> Select[tuple[WasteManifest]]:
    """The manifests *user* may see, newest first: all for the authorities, those it is a party to otherwise."""
    stmt = select(WasteManifest).options(
        selectinload(WasteManifest.lines).selectinload(WasteManifestLine.batch),
        selectinload(WasteManifest.lines).selectinload(WasteManifestLine.profile),
        selectinload(WasteManifest.events)).order_by(WasteManifest.created_at.desc(), WasteManifest.id.desc())
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(or_(*(getattr(WasteManifest, f"{p}_id") == user.enterprise_id for p in PARTIES)))
    return stmt


def get_manifest(session: Session, user: User, manifest_id: uuid.UUID) -> WasteManifest:
    manifest = session.scalars(visible_manifests(user).where(WasteManifest.id == manifest_id)).one_or_none()
    if manifest is None:
        raise NotFound(Text("No waste manifest {id}.", id=manifest_id))
    return manifest


def create(session: Session, user: User, data: dict[str, Any]) -> WasteManifest:
    """Open a manifest for the generator's waste batches; refused unless the disposer's scope covers them."""
    generator_id = data.get("generator_id") if user.role is Role.ADMIN else user.enterprise_id
    if generator_id is None:
        raise ValidationFailed("The generator is required.",
                               errors={"generator_id": [N_("required for an administrator")]})
    _check_parties(session, generator_id, data)
    wastes = _waste_lines(session, generator_id, data["lines"])
    errors = scope_errors(session, data["disposer_id"], [(f"lines.{n}.batch", p) for n, (_, p, _) in enumerate(wastes)],
                          data["disposal_method"], dt.date.today())
    if errors:
        raise ValidationFailed("The disposer's permit does not cover this transfer.", errors=errors,
                               code="outside_permit_scope")
    today = dt.date.today()
    _check_carrier(session, data["carrier_id"], [batch for batch, _, _ in wastes], today)
    region = region_of(session, [profile.generating_site_id for _, profile, _ in wastes])
    origin = province_of(region)
    destination = province_of(session.get(Site, data["disposer_site_id"]).district_adcode)
    approval = approval_for_manifest(
        session, origin=origin, destination=destination, generator_id=generator_id,
        disposer_id=data["disposer_id"], method=data["disposal_method"],
        wastes=[(profile, quantity) for _, profile, quantity in wastes], number=data.get(FIELD), on=today)
    manifest = WasteManifest(number=national_number(session, region, today), generator_id=generator_id,
                             carrier_id=data["carrier_id"], disposer_id=data["disposer_id"],
                             disposer_site_id=data["disposer_site_id"], disposal_method=data["disposal_method"],
                             created_by=user.id, origin_province=origin, destination_province=destination,
                             approval=approval)
    manifest.lines = [WasteManifestLine(line_no=n, batch_id=batch.id, quantity_kg=quantity)
                      for n, (batch, _, quantity) in enumerate(wastes, start=1)]
    if data.get("waybill_id"):
        _check_waybill(session, user, manifest, data["waybill_id"])
        manifest.waybill_id = data["waybill_id"]
    with unit_of_work(session):
        manifest.events.append(WasteManifestEvent(from_status=None, to_status=S.CREATED, actor_id=user.id))
        session.add(manifest)
    return manifest


def _check_parties(session: Session, generator_id: uuid.UUID, data: dict[str, Any]) -> None:
    """Every party exists and is active, and the receiving site is the disposer's (404 naming the fields)."""
    ids = {"generator_id": generator_id, "carrier_id": data["carrier_id"], "disposer_id": data["disposer_id"]}
    found = {e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(set(ids.values()))))}
    missing = {field: [N_("no such active enterprise")] for field, enterprise_id in ids.items()
               if enterprise_id not in found or not found[enterprise_id].active}
    site = session.get(Site, data["disposer_site_id"])
    if site is None or not site.active or site.enterprise_id != data["disposer_id"]:
        missing["disposer_site_id"] = [N_("no such active site of the disposer")]
    if missing:
        raise NotFound("The manifest refers to parties or sites that do not exist.", errors=missing)


def _not_generator(session: Session, lines: list[dict[str, Any]], generator_id: uuid.UUID) -> set[ProducerRef]:
    """The ``producer`` values of *lines* (ids or USCCs) that are not the generator, each looked up once: a line
    names only the generator's own waste, so any other producer is answered as an unknown batch."""
    named = {line["producer"] for line in lines if line.get("producer") is not None}
    return {ref for ref in named if producer_id(session, ref) != generator_id}


def _check_carrier(session: Session, carrier_id: uuid.UUID, batches: list[Batch], on: dt.date) -> None:
    """危险废物转移管理办法 Art. 10 (一) and 13: the 移出人 checks the carrier's qualification, a valid 道路危险货物运输
    permit whose scope covers each waste's goods on the day (422 at ``carrier_id``, naming the reason)."""
    reasons = []
    for chemical_id in dict.fromkeys(batch.chemical_id for batch in batches):
        decision = permit_decision(session, carrier_id, Activity.TRANSPORT, chemical_id, on)
        if not decision.allowed:
            reasons.append(decision.reason)
    if reasons:
        raise ValidationFailed("The carrier is not qualified to carry this waste.", errors={"carrier_id": reasons},
                               code="carrier_not_qualified")


def _waste_lines(session: Session, generator_id: uuid.UUID,
                 lines: list[dict[str, Any]]) -> list[tuple[Batch, WasteBatch, Decimal]]:
    """Each line's batch (a waste batch the generator produced), its profile and quantity, checked against
    what the generator's sites hold now; a handful of queries for any number of lines."""
    codes = [line["batch"] for line in lines]
    if len(set(codes)) != len(codes):
        raise ValidationFailed("Each waste batch appears on one line.", errors={"lines": [N_("each batch once")]})
    batches = {b.code: b for b in session.scalars(  # codes are the generator's: unique per producer
        select(Batch).where(Batch.producer_id == generator_id, Batch.code.in_(codes)))}
    known = profiles(session, [b.id for b in batches.values()])
    others = _not_generator(session, lines, generator_id)
    missing = {f"lines.{n}.batch": [N_("no such waste batch of the generator")] for n, code in enumerate(codes)
               if code not in batches or batches[code].id not in known or batches[code].producer_id != generator_id
               or lines[n].get("producer") in others}
    if missing:
        raise NotFound("The manifest names batches that are not the generator's waste.", errors=missing)
    own_sites = select(Account.id).where(Account.kind == AccountKind.SITE, Account.enterprise_id == generator_id)
    held: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for holding in balances(session, account_ids=session.scalars(own_sites).all(),
                            batch_ids=[b.id for b in batches.values()]):
        held[holding.batch_id] += holding.balance
    short = {f"lines.{n}.quantity_kg": [f"the generator's sites hold {held[batches[line['batch']].id]} kg"]
             for n, line in enumerate(lines) if line["quantity_kg"] > held[batches[line["batch"]].id]}
    if short:
        raise ValidationFailed("The manifest hands over more than the generator holds.", errors=short)
    return [(batches[line["batch"]], known[batches[line["batch"]].id], line["quantity_kg"]) for line in lines]


def link_waybill(session: Session, user: User, manifest_id: uuid.UUID, waybill_id: uuid.UUID) -> WasteManifest:
    """Name the e-waybill that carries the manifest's waste (before it departs)."""
    manifest = get_manifest(session, user, manifest_id)
    _as_party(user, manifest, "generator")
    if manifest.status is not S.CREATED:
        raise Conflict(Text("A {status} manifest's waybill cannot change.",
                            status=manifest.status), code="illegal_transition")
    _check_waybill(session, user, manifest, waybill_id)
    with unit_of_work(session):
        manifest.waybill_id = waybill_id
    return manifest


def _check_waybill(session: Session, user: User, manifest: WasteManifest, waybill_id: uuid.UUID) -> None:
    """The waybill carries exactly the manifest's waste between its parties, and has not departed."""
    waybill = get_waybill(session, user, waybill_id)
    taken = session.scalar(select(WasteManifest.id).where(WasteManifest.waybill_id == waybill_id))
    if taken not in (None, manifest.id):
        raise Conflict("The waybill already carries another manifest.", errors={"waybill_id": [N_("already linked")]})
    problems = [f"its {party} is not the manifest's {role}" for party, role in (
        ("shipper", "generator"), ("consignee", "disposer"), ("carrier", "carrier"))
        if getattr(waybill, f"{party}_id") != getattr(manifest, f"{role}_id")]
    if waybill.status not in LINKABLE:
        problems.append(Text("it is {status}: only a waybill that has not departed can be linked",
                             status=waybill.status))
    version = waybill.current
    if version.unloading_site_id not in (None, manifest.disposer_site_id):
        problems.append("it unloads elsewhere than the manifest's receiving site")
    carried: dict[uuid.UUID | None, Decimal] = defaultdict(Decimal)
    for line in version.lines:
        carried[line.batch_id] += line.quantity_kg or 0
    problems += [f"it carries {carried[line.batch_id]} kg of line {line.line_no}'s batch, not {line.quantity_kg} kg"
                 for line in manifest.lines if carried[line.batch_id] != line.quantity_kg]
    if problems:
        raise ValidationFailed("The waybill does not carry this manifest's waste.", errors={"waybill_id": problems})


def receive(session: Session, user: User, manifest_id: uuid.UUID, at: dt.datetime) -> WasteManifest:
    """The disposer confirms receipt of what the waybill delivered; its scope is checked on the day of receipt."""
    manifest = get_manifest(session, user, manifest_id)
    _as_party(user, manifest, "disposer")
    check_next(manifest, S.RECEIVED)
    check_time(at)
    waybill = session.get(Waybill, manifest.waybill_id)
    if waybill is None or waybill.status not in (WaybillStatus.DELIVERED, WaybillStatus.CLOSED):
        raise Conflict("The waybill has not arrived: nothing has been unloaded at the disposer yet.",
                       code="not_delivered")
    errors = scope_errors(session, manifest.disposer_id, [(f"lines.{line.line_no - 1}.batch", line.profile)
                                                          for line in manifest.lines],
                          manifest.disposal_method, at.date())
    if errors:
        raise ValidationFailed("The disposer's permit does not cover this waste on the day of receipt; reject it.",
                               errors=errors, code="outside_permit_scope")
    delivered: dict[uuid.UUID | None, Decimal] = defaultdict(Decimal)
    for line in waybill.current.lines:
        delivered[line.batch_id] += line.delivered_kg or 0
    with unit_of_work(session):
        for line in manifest.lines:
            line.received_kg = delivered[line.batch_id]
        manifest.received_at = at
        move(manifest, S.RECEIVED, user)
        _discrepancy(session, manifest, at)
    return manifest


def _discrepancy(session: Session, manifest: WasteManifest, at: dt.datetime) -> None:
    """What arrived not as the manifest states: recorded on it, and an alert for the authority and generator."""
    found = [f"line {line.line_no} ({line.batch.code}): {line.quantity_kg:f} kg stated, "
             f"{line.received_kg:f} kg received" for line in manifest.lines if line.received_kg != line.quantity_kg]
    if not found:
        return
    manifest.discrepancy = "; ".join(found)[:500]
    transfer_alert(session, manifest, problem="discrepancy", severity=Severity.MEDIUM, at=at,
                   details={"discrepancy": manifest.discrepancy})


def carrier_check(session: Session, user: User, manifest_id: uuid.UUID, *, matches: bool, note: str | None,
                  at: dt.datetime) -> WasteManifest:
    """The carrier checks the waste against the manifest before carriage: as stated (the waybill may depart),
    or not (it refuses carriage: the manifest is rejected with the carrier's reason, and an alert)."""
    manifest = get_manifest(session, user, manifest_id)
    _as_party(user, manifest, "carrier")
    if manifest.status is not S.CREATED or manifest.carrier_checked_at is not None:
        raise Conflict(Text("A {status} manifest is not waiting for the carrier's check.", status=manifest.status),
                       code="illegal_transition")
    if not matches and not note:
        raise ValidationFailed("Say what is not as stated.", errors={"note": [N_("required when refusing carriage")]})
    check_time(at)
    with unit_of_work(session):
        if matches:
            manifest.carrier_checked_at, manifest.carrier_checked_by = at, user.id
            manifest.events.append(WasteManifestEvent(from_status=S.CREATED, to_status=S.CREATED, actor_id=user.id,
                                                      reason=f"承运人核实无误{': ' + note if note else ''}"))
            return manifest
        manifest.rejection_reason = f"承运人拒绝运输: {note}"[:500]
        move(manifest, S.REJECTED, user, manifest.rejection_reason)
        transfer_alert(session, manifest, problem="carrier_refused", severity=Severity.MEDIUM, at=at,
                       details={"note": note})
    return manifest


def dispose(session: Session, user: User, manifest_id: uuid.UUID, at: dt.datetime) -> WasteManifest:
    """The disposer disposes of what it received: dispose entries from its site, under the manifest's number."""
    manifest = get_manifest(session, user, manifest_id)
    _as_party(user, manifest, "disposer")
    check_next(manifest, S.DISPOSED)
    actor = Actor(user.id, manifest.disposer_id)
    with ledger_transaction(session):
        for line in manifest.lines:
            if line.received_kg:
                lifecycle.retire(session, actor, kind=EntryKind.DISPOSE, batch_code=line.batch.code,
                                 producer=line.batch.producer_id, site_id=manifest.disposer_site_id,
                                 quantity=line.received_kg, occurred_at=at, document_ref=manifest.number)
        manifest.disposed_at = at
        move(manifest, S.DISPOSED, user)
    return manifest


def reject(session: Session, user: User, manifest_id: uuid.UUID, reason: str) -> WasteManifest:
    """The disposer refuses the transfer before receiving it."""
    manifest = get_manifest(session, user, manifest_id)
    _as_party(user, manifest, "disposer")
    check_next(manifest, S.REJECTED)
    with unit_of_work(session):
        manifest.rejection_reason = reason
        move(manifest, S.REJECTED, user, reason)
        transfer_alert(session, manifest, problem="refused", severity=Severity.MEDIUM, at=utcnow(),
                       details={"reason": reason})
    return manifest


def _as_party(user: User, manifest: WasteManifest, party: str) -> None:
    """Only the named party (or an administrator) may do this; the caller already sees the manifest."""
    if user.role is Role.ADMIN:
        return
    if user.role is not Role.ENTERPRISE or getattr(manifest, f"{party}_id") != user.enterprise_id:
        raise PermissionDenied(Text("Only the {party} may do this.", party=party_name(party)))
