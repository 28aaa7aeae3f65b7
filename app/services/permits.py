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
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from app.errors import NotFound, ValidationFailed
from app.i18n import N_, Text
from app.services.registry import Registry, current
from app.services.waste.scope import operation_errors
from models import Chemical, Enterprise, Permit, PermitKind, WasteOperation
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


class Holder(Protocol):
    """What a decision reads of an enterprise: an :class:`~models.Enterprise`, or a record of these columns."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def active(self) -> bool: ...


class Goods(Protocol):
    """What a decision reads of a chemical."""

    @property
    def un_number(self) -> str | None: ...
    @property
    def hazard_class(self) -> str | None: ...


class PermitTerms(Protocol):
    """What a decision reads of a permit (the columns :func:`permits_held` loads)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def kind(self) -> PermitKind: ...
    @property
    def number(self) -> str: ...
    @property
    def holder_id(self) -> uuid.UUID: ...
    @property
    def hazard_classes(self) -> list[str]: ...
    @property
    def un_numbers(self) -> list[str]: ...
    @property
    def valid_from(self) -> dt.date: ...
    @property
    def valid_to(self) -> dt.date: ...
    @property
    def revoked(self) -> bool: ...


@dataclass(frozen=True)
class PermitDecision:
    allowed: bool
    reason: str | None
    #: The permit that allows it, or the one the refusal is about (None when there is no such permit).
    permit_id: uuid.UUID | None


def covers(permit: PermitTerms, chemical: Goods) -> bool:
    """Whether the permit's scope names the chemical's UN number or a class that covers its class."""
    if chemical.un_number and chemical.un_number in permit.un_numbers:
        return True
    return bool(chemical.hazard_class) and any(class_covers(s, chemical.hazard_class) for s in permit.hazard_classes)


def _problem(permit: PermitTerms, chemical: Goods, on: dt.date) -> str | None:
    """Why *permit* does not authorise *chemical* on *on*, or None when it does."""
    label = Text("{kind} permit {number}", kind=permit.kind, number=permit.number)
    if permit.revoked:
        return Text("{permit} is revoked", permit=label)
    if on < permit.valid_from:
        return Text("{permit} is not yet valid on {on} (valid from {valid_from})", permit=label, on=on,
                    valid_from=permit.valid_from)
    if on > permit.valid_to:
        return Text("{permit} expired before {on} (valid until {valid_to})", permit=label, on=on,
                    valid_to=permit.valid_to)
    if not covers(permit, chemical):
        return Text("the scope of {permit} does not cover class {hazard_class} or UN {un_number}", permit=label,
                    hazard_class=chemical.hazard_class or "unknown", un_number=chemical.un_number or "unknown")
    return None


def permit_decision(session: Session, enterprise_id: uuid.UUID, activity: Activity, chemical_id: uuid.UUID,
                    on: dt.date) -> PermitDecision:
    """May the enterprise do *activity* with the chemical on day *on*? Raises NotFound for unknown ids."""
    enterprise = session.get(Enterprise, enterprise_id)
    chemical = session.get(Chemical, chemical_id)
    if enterprise is None or chemical is None:
        raise NotFound(Text("No enterprise {id}.", id=enterprise_id) if enterprise is None
                       else Text("No chemical {id}.", id=chemical_id))
    if not enterprise.active:
        return decide(enterprise, activity, chemical, [], on)
    permits = session.scalars(
        select(Permit).where(Permit.holder_id == enterprise_id, Permit.kind.in_(AUTHORISING_KINDS[activity]))).all()
    return decide(enterprise, activity, chemical, permits, on)


#: What :func:`permits_held` reads of a permit, in this order: the columns converted as read, then the scope.
_TERMS = ("id", "kind", "number", "holder_id", "valid_from", "valid_to", "revoked")
_SCOPE = ("hazard_classes", "un_numbers")


class HeldPermit:
    """A permit as :func:`permits_held` reads it (:class:`PermitTerms`), its scope decoded when first read.

    The scope is two JSON lists, most of what converting a permit's row costs, and a decision reads it only of
    the few permits left after sorting out by kind and dates (a submission weighs a dozen or more).
    """

    __slots__ = (*_TERMS, "_scope", "_decode")

    def __init__(self, row: Row[Any], decode: Callable[[Any], list[str]]) -> None:
        # _HELD's columns: _TERMS, then the scope as the driver returns it (a string, or a list already).
        (self.id, self.kind, self.number, self.holder_id, self.valid_from, self.valid_to, self.revoked,
         hazard_classes, un_numbers) = row
        self._scope = {"hazard_classes": hazard_classes, "un_numbers": un_numbers}
        self._decode = decode

    def _scope_list(self, name: str) -> list[str]:
        value = self._scope[name]
        if not isinstance(value, list):
            value = self._scope[name] = self._decode(value)
        return value

    @property
    def hazard_classes(self) -> list[str]:
        return self._scope_list("hazard_classes")

    @property
    def un_numbers(self) -> list[str]:
        return self._scope_list("un_numbers")


_PERMITS = Permit.__table__
#: Built once: the columns a decision reads, of the holders' permits of the kinds asked (see HeldPermit).
_HELD = select(*(_PERMITS.c[name] for name in _TERMS),
               *(type_coerce(_PERMITS.c[name], NullType) for name in _SCOPE)).where(
    Permit.holder_id.in_(bindparam("holders", expanding=True)), Permit.kind.in_(bindparam("kinds", expanding=True)))


def permits_held(session: Session, holder_ids: Iterable[uuid.UUID],
                 activities: Iterable[Activity]) -> dict[uuid.UUID, list[PermitTerms]]:
    """Every permit of the holders that could authorise one of *activities*, by holder, in one query.

    For deciding many questions about a few enterprises at once with :func:`decide`. The permits are read-only
    records of the columns a decision reads, from the session's connection: no ORM objects to build and track.
    """
    kinds = sorted({kind for activity in activities for kind in AUTHORISING_KINDS[activity]})
    held: dict[uuid.UUID, list[PermitTerms]] = {holder_id: [] for holder_id in holder_ids}
    connection = session.connection()
    dialect = connection.dialect
    # The scope columns' own conversion on this dialect (none when the driver returns lists already).
    decode = _PERMITS.c.hazard_classes.type.dialect_impl(dialect).result_processor(dialect, None) or list
    for row in connection.execute(_HELD, {"holders": list(held), "kinds": kinds}):
        held[row.holder_id].append(HeldPermit(row, decode))
    return held


def _candidates(enterprise: Holder, kinds: Collection[PermitKind],
                permits: Iterable[PermitTerms]) -> list[PermitTerms]:
    """The enterprise's permits of *kinds*, newest expiry first (the id breaks ties, for a stable explanation)."""
    return sorted((p for p in permits if p.holder_id == enterprise.id and p.kind in kinds),
                  key=lambda p: (-p.valid_to.toordinal(), p.id))


def decide(enterprise: Holder, activity: Activity, chemical: Goods, permits: Iterable[PermitTerms],
           on: dt.date) -> PermitDecision:
    """:func:`permit_decision` on loaded records: *permits* are the enterprise's (others' and kinds that do not
    authorise *activity* are ignored), so a caller may load them once for many questions."""
    if not enterprise.active:
        return PermitDecision(False, Text("enterprise {name} is inactive", name=enterprise.name), None)
    kinds = AUTHORISING_KINDS[activity]
    candidates = _candidates(enterprise, kinds, permits)
    if not candidates:
        return PermitDecision(False, Text("no permit to {activity}: holds none of {kinds}", activity=activity,
                                          kinds=", ".join(kinds)), None)
    problems = [(_problem(permit, chemical, on), permit) for permit in candidates]
    for reason, permit in problems:
        if reason is None:
            return PermitDecision(True, None, permit.id)
    # Explain with the permit closest to allowing it: one whose scope covers the chemical, if any.
    reason, permit = min(problems, key=lambda pair: not covers(pair[1], chemical))
    return PermitDecision(False, reason, permit.id)


def decide_any(enterprise: Holder, activities: Sequence[Activity], chemical: Goods, permits: Iterable[PermitTerms],
               on: dt.date) -> PermitDecision:
    """:func:`decide` for alternatives: allowed when any of *activities* is (by the first permit, newest expiry
    first, that allows one of them), otherwise refused as :func:`decide` refuses the first of them.

    Each permit is weighed once, however many of the activities its kind authorises.
    """
    permits = list(permits)
    if enterprise.active:
        kinds = {kind for activity in activities for kind in AUTHORISING_KINDS[activity]}
        for permit in _candidates(enterprise, kinds, permits):
            if _problem(permit, chemical, on) is None:
                return PermitDecision(True, None, permit.id)
    return decide(enterprise, activities[0], chemical, permits, on)


#: The fields of a 危险废物经营许可证's waste scope (see ``app/services/waste/scope.py``).
WASTE_SCOPE = ("waste_categories", "waste_codes", "disposal_methods")


def _check_permit(_session: Session, data: dict[str, Any], record: Permit | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if current(data, record, "valid_from") > current(data, record, "valid_to"):
        errors["valid_to"] = [N_("must not be before valid_from")]
    if not (current(data, record, "hazard_classes", []) or current(data, record, "un_numbers", [])):
        errors["hazard_classes"] = [N_("a permit's scope names at least one hazard class or UN number")]
    if current(data, record, "kind") is not PermitKind.HAZARDOUS_WASTE:
        for name in (*WASTE_SCOPE, "waste_operation"):
            if current(data, record, name, []):
                errors[name] = [N_("only a hazardous_waste_operation permit has a waste scope")]
    else:
        if current(data, record, "waste_operation") is None:  # the one kind there was before 经营方式 was kept
            data["waste_operation"] = WasteOperation.COMPREHENSIVE
        errors.update(operation_errors(*(current(data, record, name, []) for name in (
            "waste_operation", "valid_from", "valid_to", "waste_categories", "waste_codes"))))
    if errors:
        raise ValidationFailed("The permit's fields contradict each other.", errors=errors)
    return data


PERMITS = Registry(
    model=Permit, label="permit", order_by=(Permit.kind, Permit.number), scope=Permit.holder_id,
    filters={
        "enterprise": lambda holder_id: Permit.holder_id == holder_id,
        "kind": lambda kind: Permit.kind == kind,
        "revoked": lambda flag: Permit.revoked == flag,
        "valid_on": lambda day: (Permit.valid_from <= day) & (Permit.valid_to >= day),
    },
    unique=(("kind", "number"),), check=_check_permit, retired={"revoked": True},
)
