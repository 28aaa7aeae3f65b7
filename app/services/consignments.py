"""The shipper's consignment list (托运清单) and the carrier's waybill made from it (Order 29 Art. 22, 24).

The shipper declares the goods and their emergency information and names its carrier; the carrier makes the
waybill from the list, adding the vehicle, trailer and crew. A list, once handed over, does not change: a
correction is a new list. An enterprise sees the lists it is the shipper, carrier or consignee of (404 for
others'); the authorities see all.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from app.services.ledger.queries import known_to
from app.services.waybills.documents import document_number
from app.services.waybills.records import chemicals_of
from models import Consignment, ConsignmentLine, Enterprise, EnterpriseRole, Role, Site, User

PARTIES = ("shipper", "carrier", "consignee")
LINE_FIELDS = ("batch_id", "quantity_kg", "packaging_kind", "packaging_count", "hazards", "first_aid",
               "spill_response", "fire_response")
HEAD_FIELDS = ("carrier_id", "consignee_id", "loading_site_id", "unloading_site_id", "shipper_contact",
               "consignee_contact", "loader_name", "loader_contact", "emergency_phone", "waste_manifest_number",
               "ship_on")
#: What a waybill takes from its list: waybill version field -> list field.
TO_WAYBILL = {"loading_site_id": "loading_site_id", "unloading_site_id": "unloading_site_id",
              "shipper_contact": "shipper_contact", "consignee_contact": "consignee_contact",
              "loader_name": "loader_name", "loader_contact": "loader_contact",
              "emergency_contact": "emergency_phone", "waste_manifest_number": "waste_manifest_number"}


def visible_consignments(user: User) -> Select[tuple[Consignment]]:
    stmt = select(Consignment).options(selectinload(Consignment.lines)).order_by(
        Consignment.created_at.desc(), Consignment.id.desc())
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(or_(*(getattr(Consignment, f"{p}_id") == user.enterprise_id for p in PARTIES)))
    return stmt


def get_consignment(session: Session, user: User, consignment_id: uuid.UUID) -> Consignment:
    found = session.scalars(visible_consignments(user).where(Consignment.id == consignment_id)).one_or_none()
    if found is None:
        raise NotFound(Text("No consignment list {id}.", id=consignment_id))
    return found


def _check(session: Session, shipper_id: uuid.UUID, data: dict[str, Any]) -> dict[uuid.UUID, Any]:
    """Refuse (404, as unknown) parties and sites that are not the right ones' and batches the shipper does not
    know; return each line's chemical by batch id."""
    missing: dict[str, list[str]] = {}
    carrier = session.get(Enterprise, data["carrier_id"])
    if carrier is None or not carrier.active or EnterpriseRole.CARRIER.value not in carrier.roles:
        missing["carrier_id"] = [N_("no such active carrier")]
    consignee = session.get(Enterprise, data["consignee_id"])
    if consignee is None or not consignee.active:
        missing["consignee_id"] = [N_("no such active enterprise")]
    for name, owner in (("loading_site_id", shipper_id), ("unloading_site_id", data["consignee_id"])):
        site = session.get(Site, data[name]) if data.get(name) else None
        if data.get(name) and (site is None or site.enterprise_id != owner or not site.active):
            missing[name] = [N_("no such active site of the shipper") if owner == shipper_id
                             else N_("no such active site of the consignee")]
    batch_ids = {line["batch_id"] for line in data["lines"]}
    chemicals = chemicals_of(session, batch_ids, known_to(shipper_id))
    for index, line in enumerate(data["lines"]):
        if line["batch_id"] not in chemicals:
            missing[f"lines.{index}.batch_id"] = [N_("no such batch of the shipper")]
    if missing:
        raise NotFound("The list refers to records that do not exist (or are not the parties').", errors=missing)
    return chemicals


def create_consignment(session: Session, user: User, data: dict[str, Any]) -> Consignment:
    """The shipper hands its carrier a consignment list: each good declared from its batch's catalogue entry."""
    shipper_id = data.get("shipper_id") if user.role is Role.ADMIN else user.enterprise_id
    if shipper_id is None:
        raise ValidationFailed("The shipper is required.", errors={"shipper_id": [N_("required for an administrator")]})
    chemicals = _check(session, shipper_id, data)
    with unit_of_work(session):
        consignment = Consignment(number=document_number("TQ", dt.date.today()), shipper_id=shipper_id,
                                  created_by=user.id, **{name: data.get(name) for name in HEAD_FIELDS})
        for n, line in enumerate(data["lines"], start=1):
            chemical = chemicals[line["batch_id"]]
            consignment.lines.append(ConsignmentLine(
                line_no=n, chemical_id=chemical.id, un_number=chemical.un_number,
                proper_shipping_name=chemical.name_en or chemical.name_zh, hazard_class=chemical.hazard_class,
                packing_group=chemical.packing_group, **{name: line[name] for name in LINE_FIELDS}))
        session.add(consignment)
    return consignment


def waybill_from(session: Session, user: User, data: dict[str, Any]) -> tuple[uuid.UUID, dict[str, Any]]:
    """The shipper and the waybill body the carrier makes from the list *data* names: its parties, sites,
    contacts, loader, emergency phone, manifest and lines, under what *data* itself gives (vehicle, crew, ...)."""
    consignment = get_consignment(session, user, data["consignment_id"])
    if user.role is not Role.ADMIN and user.enterprise_id != consignment.carrier_id:
        raise PermissionDenied("Only the carrier the list names makes the waybill from it.")
    body = {field: getattr(consignment, source) for field, source in TO_WAYBILL.items()}
    body["lines"] = [{"batch_id": line.batch_id, "quantity_kg": line.quantity_kg,
                      "packaging_kind": line.packaging_kind, "packaging_count": line.packaging_count}
                     for line in consignment.lines]
    body.update({name: value for name, value in data.items() if name not in ("shipper_id",)})
    body.update(carrier_id=consignment.carrier_id, consignee_id=consignment.consignee_id)
    return consignment.shipper_id, body
