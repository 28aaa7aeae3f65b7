"""Cross-province transfers (跨省转移): the approval of the province the waste leaves, and the checks against it.

危险废物转移管理办法 (生态环境部、公安部、交通运输部令 第23号, in force 2022-01-01):

- Art. 21: a transfer across a province boundary is applied for to the ecology department of the province of
  origin, which approves it once the receiving province agrees; "未经批准的，不得转移".
- Art. 27: the approval names the wastes (名称, 类别, 废物代码, 重量), the 移出人, the 接受人 and the 贮存、利用或者
  处置方式; it is valid for twelve months, but never beyond the period applied for nor the 接受人's remaining
  危险废物经营许可证 validity; the 移出人 transfers under it, several times within its validity.
- Art. 28: a new application is needed when the waste kind changes or its quantity exceeds the approved
  quantity, the method changes, or the 接受人 changes.

A province is the first two digits of a site's district code (GB/T 2260), as in the manifest's number (Art. 15).
Where a site's district code is not recorded, whether the transfer crosses a boundary is not known: the
manifest says so (``cross_province`` is null) rather than pretending either way.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from app.services.waste.scope import last_valid_day, valid_waste_permits
from models import (
    Department, Enterprise, ManifestStatus, Role, Site, User, WasteBatch, WasteManifest, WasteManifestLine,
    WasteTransferApproval,
)
from models.waste import code_problem, crosses_province

#: Art. 27 para. 2: an approval is valid for twelve months at most.
MAX_VALID_YEARS = 1
FIELD = "cross_province_approval"
GRAM = Decimal("0.001")
_PROVINCE = re.compile(r"^[1-9]\d$")


def province_of(adcode: str | None) -> str | None:
    """The province of a district code (its first two digits), or None when none is recorded."""
    return adcode[:2] if adcode else None


def region_of(session: Session, site_ids: Sequence[uuid.UUID]) -> str | None:
    """The province and prefecture (4 digits) of the first of *site_ids* with a district code, or None."""
    adcodes = session.scalars(select(Site.district_adcode).where(Site.id.in_(list(site_ids)))).all()
    return next((code[:4] for code in adcodes if code), None)


# --- the approvals -------------------------------------------------------------------------------------------

def visible_approvals(user: User) -> Select[tuple[WasteTransferApproval]]:
    """All approvals for the authorities; those naming it as 移出人 or 接受人 for an enterprise."""
    stmt = select(WasteTransferApproval).order_by(WasteTransferApproval.valid_from.desc(),
                                                  WasteTransferApproval.number)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(or_(WasteTransferApproval.generator_id == user.enterprise_id,
                              WasteTransferApproval.disposer_id == user.enterprise_id))
    return stmt


def get_approval(session: Session, user: User, approval_id: uuid.UUID) -> WasteTransferApproval:
    approval = session.scalars(visible_approvals(user).where(WasteTransferApproval.id == approval_id)).one_or_none()
    if approval is None:
        raise NotFound(Text("No cross-province approval {id}.", id=approval_id))
    return approval


def check_approver(user: User) -> None:
    """Only the ecology department (or an administrator) records a province's approval."""
    if user.role is Role.ADMIN or (user.role is Role.SUPERVISOR and user.department is Department.ECOLOGY_ENVIRONMENT):
        return
    raise PermissionDenied("Only a supervisor of the ecology and environment department records an approval.")


def record_approval(session: Session, user: User, data: dict[str, Any]) -> WasteTransferApproval:
    """Record a province's approval of a cross-province transfer, checked against Art. 27 (the caller is an
    authority): two different provinces, known codes with positive kg, at most twelve months, and never beyond
    the 接受人's valid hazardous-waste permit."""
    check_approver(user)
    errors = _approval_errors(session, data)
    if errors:
        raise ValidationFailed("The cross-province approval is not valid.", errors=errors)
    if session.scalar(select(WasteTransferApproval.id).where(WasteTransferApproval.number == data["number"])):
        raise Conflict(Text("Approval {number} is already recorded.", number=data["number"]),
                       errors={"number": [N_("already recorded")]})
    approval = WasteTransferApproval(
        number=data["number"], origin_province=data["origin_province"],
        destination_province=data["destination_province"], generator_id=data["generator_id"],
        disposer_id=data["disposer_id"], disposal_method=data["disposal_method"],
        wastes={code: f"{Decimal(kg).quantize(GRAM):f}" for code, kg in data["wastes"].items()},
        valid_from=data["valid_from"], valid_to=data["valid_to"], issuer=data.get("issuer"), recorded_by=user.id)
    with unit_of_work(session):
        session.add(approval)
    return approval


def _approval_errors(session: Session, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("origin_province", "destination_province"):
        if not _PROVINCE.match(data[name]):
            errors[name] = [N_("two digits of GB/T 2260, e.g. 32")]
    if data["origin_province"] == data["destination_province"]:
        errors["destination_province"] = [N_("the same province as the origin: no approval is needed")]
    wastes = data["wastes"]
    if not wastes:
        errors["wastes"] = [N_("at least one waste code")]
    for code in wastes:
        if problem := code_problem(code):
            errors[f"wastes.{code}"] = [problem]
    for name in ("generator_id", "disposer_id"):
        enterprise = session.get(Enterprise, data[name])
        if enterprise is None or not enterprise.active:
            errors[name] = [N_("no such active enterprise")]
    start, end = data["valid_from"], data["valid_to"]
    last = last_valid_day(start, MAX_VALID_YEARS)
    if end < start:
        errors["valid_to"] = [N_("must not be before valid_from")]
    elif end > last:
        errors["valid_to"] = [Text("at most twelve months (Art. 27): {last} at the latest", last=last)]
    elif "disposer_id" not in errors:
        permits = valid_waste_permits(session, data["disposer_id"], start)
        permitted = max((p.valid_to for p in permits), default=None)
        if permitted is None:
            errors["disposer_id"] = [Text("holds no valid hazardous_waste_operation permit on {day}", day=start)]
        elif end > permitted:
            errors["valid_to"] = [Text("beyond the receiver's permit, valid to {day} (Art. 27)", day=permitted)]
    return errors


# --- a manifest under an approval ----------------------------------------------------------------------------

def approval_for_manifest(session: Session, *, origin: str | None, destination: str | None,
                          generator_id: uuid.UUID, disposer_id: uuid.UUID, method: str,
                          wastes: Sequence[tuple[WasteBatch, Decimal]], number: str | None,
                          on: dt.date) -> WasteTransferApproval | None:
    """The approval a new manifest moves under (None when it needs none); ValidationFailed at
    ``cross_province_approval`` when it crosses a province boundary without a valid, matching approval."""
    if number is None:
        if crosses_province(origin, destination):
            raise ValidationFailed(
                Text("Waste leaving province {origin} for province {destination} needs the approval of province "
                     "{origin} (危险废物转移管理办法 Art. 21).", origin=origin, destination=destination),
                errors={FIELD: [N_("required for a cross-province transfer")]},
                code="cross_province_approval_missing")
        return None
    if crosses_province(origin, destination) is False:
        raise ValidationFailed(Text("The transfer stays in province {origin}: it needs no approval.", origin=origin),
                               errors={FIELD: [N_("not a cross-province transfer")]})
    approval = session.scalars(select(WasteTransferApproval).where(
        WasteTransferApproval.number == number)).one_or_none()
    if approval is None or approval.generator_id != generator_id:
        raise ValidationFailed("No such cross-province approval of the generator.",
                               errors={FIELD: [N_("no such approval of the generator")]})
    problems = approval_problems(session, approval, origin=origin, destination=destination,
                                 disposer_id=disposer_id, method=method, wastes=wastes, on=on)
    if problems:
        raise ValidationFailed(Text("The transfer is outside approval {number}.", number=number),
                               errors={FIELD: problems}, code="outside_cross_province_approval")
    return approval


def approval_problems(session: Session, approval: WasteTransferApproval, *, origin: str | None,
                      destination: str | None, disposer_id: uuid.UUID, method: str,
                      wastes: Sequence[tuple[WasteBatch, Decimal]], on: dt.date) -> list[str]:
    """Why a transfer of *wastes* on day *on* is outside *approval* (Art. 27, 28); empty when it is inside."""
    problems: list[str] = []
    if not approval.valid_from <= on <= approval.valid_to:
        problems.append(Text("valid from {start} to {end}, not on {day}", start=approval.valid_from,
                             end=approval.valid_to, day=on))
    if origin is not None and origin != approval.origin_province:
        problems.append(Text("approved for waste leaving province {approved}, not {place}",
                             approved=approval.origin_province, place=origin))
    if destination is not None and destination != approval.destination_province:
        problems.append(Text("approved for waste entering province {approved}, not {place}",
                             approved=approval.destination_province, place=destination))
    if approval.disposer_id != disposer_id:
        problems.append(N_("approved for another receiver (Art. 28 (三))"))
    if approval.disposal_method != method:
        problems.append(Text("approved for method {approved}, not {method} (Art. 28 (二))",
                             approved=approval.disposal_method, method=method))
    asked: dict[str, Decimal] = defaultdict(Decimal)
    for profile, kg in wastes:
        asked[profile.code] += kg
    used = _used(session, approval.id)
    for code, kg in asked.items():
        if code not in approval.wastes:
            problems.append(Text("{code} is not an approved waste (Art. 28 (一))", code=code))
        elif used[code] + kg > Decimal(approval.wastes[code]):
            problems.append(Text("{code}: {used} kg already under it and {kg} kg more exceed the {approved} kg "
                                 "approved (Art. 28 (一))", code=code, used=used[code], kg=kg,
                                 approved=approval.wastes[code]))
    return problems


def _used(session: Session, approval_id: uuid.UUID) -> dict[str, Decimal]:
    """Kg of each code already on the approval's manifests that were not rejected (a refused transfer moved
    nothing)."""
    rows = session.execute(
        select(WasteBatch.code, func.sum(WasteManifestLine.quantity_kg))
        .join(WasteManifestLine, WasteManifestLine.batch_id == WasteBatch.batch_id)
        .join(WasteManifest, WasteManifest.id == WasteManifestLine.manifest_id)
        .where(WasteManifest.approval_id == approval_id, WasteManifest.status != ManifestStatus.REJECTED)
        .group_by(WasteBatch.code))
    used: dict[str, Decimal] = defaultdict(Decimal)
    for code, kg in rows:
        used[code] = Decimal(kg)
    return used


def departure_problem(session: Session, manifest: WasteManifest, loading_site_id: uuid.UUID | None,
                      on: dt.date) -> str | None:
    """Why the waybill may not take the manifest's waste away on day *on*: it leaves from a province other than
    the receiver's without an approval, or its approval is not valid that day (Art. 21, 27); None when it may."""
    loading = session.get(Site, loading_site_id) if loading_site_id else None
    origin = province_of(loading.district_adcode) if loading else None
    origin = origin or manifest.origin_province
    destination = manifest.destination_province
    if manifest.approval is None:
        if crosses_province(origin, destination):
            return Text("The waste leaves province {origin} for province {destination} without the approval of "
                        "province {origin} (危险废物转移管理办法 Art. 21).", origin=origin, destination=destination)
        return None
    approval = manifest.approval
    if not approval.valid_from <= on <= approval.valid_to:
        return Text("Cross-province approval {number} is valid from {start} to {end}, not on {day}.",
                    number=approval.number, start=approval.valid_from, end=approval.valid_to, day=on)
    if origin is not None and origin != approval.origin_province:
        return Text("Cross-province approval {number} is for waste leaving province {approved}, not {origin}.",
                    number=approval.number, approved=approval.origin_province, origin=origin)
    return None
