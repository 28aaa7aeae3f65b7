"""Permits, and the question the ledger and the e-waybill checks ask: may enterprise E do A with C on day D?

Which permit kinds authorise which activity (危险化学品安全管理条例, 国务院令第591号, and the road
transport rules); any one valid permit of the listed kinds whose scope covers the chemical suffices:

=========================  ===============================================================================
activity                   permit kinds
=========================  ===============================================================================
produce                    safety_production (安全生产许可证)
store                      safety_production, hazardous_chemicals_operation (经营许可, 带储存), safe_use
trade                      hazardous_chemicals_operation; safety_production (art. 33: a producer sells its
                           own products without an operation permit; its permit's scope lists them)
use                        safe_use (安全使用许可证)
transport                  road_transport (道路危险货物运输)
dispose                    hazardous_waste_operation (危险废物经营许可证)
purchase_highly_toxic      highly_toxic_purchase (剧毒化学品购买许可证, art. 39)
ship_highly_toxic          highly_toxic_road_transport_pass (剧毒化学品道路运输通行证, art. 50)
=========================  ===============================================================================

Which activities a movement needs (e.g. a highly toxic cargo needs ``transport`` for the carrier and
``ship_highly_toxic`` for the shipper) is the caller's decision; this module answers one question at a time.
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound, ValidationFailed
from app.services.registry import Registry, current
from models import Chemical, Enterprise, Permit, PermitKind
from models.catalogue import class_covers


class Activity(enum.StrEnum):
    PRODUCE = "produce"
    STORE = "store"
    TRADE = "trade"
    USE = "use"
    TRANSPORT = "transport"
    DISPOSE = "dispose"
    PURCHASE_HIGHLY_TOXIC = "purchase_highly_toxic"
    SHIP_HIGHLY_TOXIC = "ship_highly_toxic"


AUTHORISING_KINDS: dict[Activity, tuple[PermitKind, ...]] = {
    Activity.PRODUCE: (PermitKind.SAFETY_PRODUCTION,),
    Activity.STORE: (PermitKind.SAFETY_PRODUCTION, PermitKind.CHEMICALS_OPERATION, PermitKind.SAFE_USE),
    Activity.TRADE: (PermitKind.CHEMICALS_OPERATION, PermitKind.SAFETY_PRODUCTION),
    Activity.USE: (PermitKind.SAFE_USE,),
    Activity.TRANSPORT: (PermitKind.ROAD_TRANSPORT,),
    Activity.DISPOSE: (PermitKind.HAZARDOUS_WASTE,),
    Activity.PURCHASE_HIGHLY_TOXIC: (PermitKind.HIGHLY_TOXIC_PURCHASE,),
    Activity.SHIP_HIGHLY_TOXIC: (PermitKind.HIGHLY_TOXIC_TRANSPORT_PASS,),
}


@dataclass(frozen=True)
class PermitDecision:
    allowed: bool
    reason: str | None
    #: The permit that allows it, or the one the refusal is about (None when there is no such permit).
    permit_id: uuid.UUID | None


def covers(permit: Permit, chemical: Chemical) -> bool:
    """Whether the permit's scope names the chemical's UN number or a class that covers its class."""
    if chemical.un_number and chemical.un_number in permit.un_numbers:
        return True
    return bool(chemical.hazard_class) and any(class_covers(s, chemical.hazard_class) for s in permit.hazard_classes)


def _problem(permit: Permit, chemical: Chemical, on: dt.date) -> str | None:
    """Why *permit* does not authorise *chemical* on *on*, or None when it does."""
    label = f"{permit.kind} permit {permit.number}"
    if permit.revoked:
        return f"{label} is revoked"
    if on < permit.valid_from:
        return f"{label} is not yet valid on {on} (valid from {permit.valid_from})"
    if on > permit.valid_to:
        return f"{label} expired before {on} (valid until {permit.valid_to})"
    if not covers(permit, chemical):
        return (f"the scope of {label} does not cover class {chemical.hazard_class or 'unknown'} "
                f"or UN {chemical.un_number or 'unknown'}")
    return None


def permit_decision(session: Session, enterprise_id: uuid.UUID, activity: Activity, chemical_id: uuid.UUID,
                    on: dt.date) -> PermitDecision:
    """May the enterprise do *activity* with the chemical on day *on*? Raises NotFound for unknown ids."""
    enterprise = session.get(Enterprise, enterprise_id)
    chemical = session.get(Chemical, chemical_id)
    if enterprise is None or chemical is None:
        raise NotFound(f"No {'enterprise' if enterprise is None else 'chemical'} "
                       f"{enterprise_id if enterprise is None else chemical_id}.")
    if not enterprise.active:
        return decide(enterprise, activity, chemical, [], on)
    permits = session.scalars(
        select(Permit).where(Permit.holder_id == enterprise_id, Permit.kind.in_(AUTHORISING_KINDS[activity]))).all()
    return decide(enterprise, activity, chemical, permits, on)


def permits_held(session: Session, holder_ids: Iterable[uuid.UUID],
                 activities: Iterable[Activity]) -> dict[uuid.UUID, list[Permit]]:
    """Every permit of the holders that could authorise one of *activities*, by holder, in one query.

    For deciding many questions about a few enterprises at once with :func:`decide`.
    """
    kinds = {kind for activity in activities for kind in AUTHORISING_KINDS[activity]}
    held: dict[uuid.UUID, list[Permit]] = {holder_id: [] for holder_id in holder_ids}
    for permit in session.scalars(select(Permit).where(Permit.holder_id.in_(held), Permit.kind.in_(kinds))):
        held[permit.holder_id].append(permit)
    return held


def decide(enterprise: Enterprise, activity: Activity, chemical: Chemical, permits: Iterable[Permit],
           on: dt.date) -> PermitDecision:
    """:func:`permit_decision` on loaded records: *permits* are the enterprise's (others' and kinds that do not
    authorise *activity* are ignored), so a caller may load them once for many questions."""
    if not enterprise.active:
        return PermitDecision(False, f"enterprise {enterprise.name} is inactive", None)
    kinds = AUTHORISING_KINDS[activity]
    # Newest expiry first (the id breaks ties, for a stable explanation).
    candidates = sorted((p for p in permits if p.holder_id == enterprise.id and p.kind in kinds),
                        key=lambda p: (-p.valid_to.toordinal(), p.id))
    if not candidates:
        return PermitDecision(False, f"no permit to {activity}: holds none of {', '.join(kinds)}", None)
    problems = [(_problem(permit, chemical, on), permit) for permit in candidates]
    for reason, permit in problems:
        if reason is None:
            return PermitDecision(True, None, permit.id)
    # Explain with the permit closest to allowing it: one whose scope covers the chemical, if any.
    reason, permit = min(problems, key=lambda pair: not covers(pair[1], chemical))
    return PermitDecision(False, reason, permit.id)


#: The fields of a 危险废物经营许可证's waste scope (see ``app/services/waste/scope.py``).
WASTE_SCOPE = ("waste_categories", "waste_codes", "disposal_methods")


def _check_permit(_session: Session, data: dict[str, Any], record: Permit | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if current(data, record, "valid_from") > current(data, record, "valid_to"):
        errors["valid_to"] = ["must not be before valid_from"]
    if not (current(data, record, "hazard_classes", []) or current(data, record, "un_numbers", [])):
        errors["hazard_classes"] = ["a permit's scope names at least one hazard class or UN number"]
    if current(data, record, "kind") is not PermitKind.HAZARDOUS_WASTE:
        for name in WASTE_SCOPE:
            if current(data, record, name, []):
                errors[name] = ["only a hazardous_waste_operation permit has a waste scope"]
    if errors:
        raise ValidationFailed("The permit's fields contradict each other.", errors=errors)
    return data


PERMITS = Registry(
    model=Permit, label="permit", order_by=(Permit.kind, Permit.number), scope=Permit.holder_id,
    filters={
        "holder": lambda holder_id: Permit.holder_id == holder_id,
        "kind": lambda kind: Permit.kind == kind,
        "revoked": lambda flag: Permit.revoked == flag,
        "valid_on": lambda day: (Permit.valid_from <= day) & (Permit.valid_to >= day),
    },
    unique=(("kind", "number"),), check=_check_permit, retired={"revoked": True},
)
