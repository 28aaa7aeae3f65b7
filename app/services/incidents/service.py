"""Reporting an incident and moving it reported → confirmed → contained → closed, with its history.

A draft (:mod:`.drafts`: a terminal's emergency alarm, a long stop off the corridor) is confirmed (draft →
confirmed, saying what is happening: its zones are recomputed, closed to traffic and sent to the departments) or
dismissed (draft → closed) by a supervisor.

Who: a supervisor (or an administrator) reports any incident and moves it; a carrier reports one on a waybill it
carries and sees its own incidents (another's are 404). Every move appends an
:class:`~models.incidents.IncidentEvent`, and may name the row version it acts on (optimistic concurrency, as the
waybill actions do). Reporting computes the ERG zones, closes them to traffic and tells the departments that
respond (:mod:`.traffic`, :mod:`.notify`); closing lifts the zone and resolves those alerts.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from app.services.incidents import notify, traffic
from app.services.incidents.traffic import last_fix
from app.services.incidents.zones import Good, compute, goods_of, named_good, tank_capacity_l
from app.services.waybills.service import get_waybill
from models import Role, User, Waybill
from models.incidents import Incident, IncidentEvent, IncidentState as S, SpillKind
from models.types import utcnow

#: The moves an incident may make. A false alarm is closed straight from reported.
TRANSITIONS: dict[S, tuple[S, ...]] = {
    S.DRAFT: (S.CONFIRMED, S.CLOSED),
    S.REPORTED: (S.CONFIRMED, S.CLOSED),
    S.CONFIRMED: (S.CONTAINED, S.CLOSED),
    S.CONTAINED: (S.CLOSED,),
    S.CLOSED: (),
}
AUTHORITY = (Role.ADMIN, Role.SUPERVISOR)


def visible_incidents(user: User) -> Select[tuple[Incident]]:
    """The incidents *user* may see, newest first: all for the authorities; its own waybills' for a carrier."""
    stmt = select(Incident)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(Incident.carrier_id == user.enterprise_id)
    return stmt.order_by(Incident.created_at.desc(), Incident.id.desc())


def open_incidents(session: Session, user: User) -> list[Incident]:
    """The incidents not yet closed that *user* may see, newest first (the risk map lists them)."""
    return list(session.scalars(visible_incidents(user).where(Incident.state != S.CLOSED)))


def get_incident(session: Session, user: User, incident_id: uuid.UUID) -> Incident:
    """The incident, or 404 when it does not exist or *user* may not see it."""
    incident = session.scalars(visible_incidents(user).where(Incident.id == incident_id)).one_or_none()
    if incident is None:
        raise NotFound(Text("No incident {incident_id}.", incident_id=incident_id))
    return incident


def _waybill_for_report(session: Session, user: User, waybill_id: uuid.UUID | None) -> Waybill | None:
    """The waybill an incident is reported on: any for the authorities, the carrier's own for a carrier."""
    if waybill_id is None:
        if user.role is Role.ENTERPRISE:
            raise ValidationFailed("A carrier reports an incident on one of its waybills.",
                                   errors={"waybill_id": [N_("required for a carrier")]})
        return None
    waybill = get_waybill(session, user, waybill_id)  # 404 for a waybill the user may not know
    if user.role is Role.ENTERPRISE and waybill.carrier_id != user.enterprise_id:
        raise PermissionDenied("Only the carrier may report an incident on this waybill.")
    return waybill


def _location(session: Session, data: dict[str, Any], waybill: Waybill | None) -> tuple[float, float, str]:
    if data.get("lon") is not None and data.get("lat") is not None:
        return data["lon"], data["lat"], "reported"
    fix = last_fix(session, waybill.id) if waybill is not None else None
    if fix is None:
        raise ValidationFailed("Where is it? Send lon and lat: the vehicle has no fix to start from.",
                               errors={"lon": [N_("required without a vehicle fix")],
                                       "lat": [N_("required without a vehicle fix")]})
    return fix[0], fix[1], "last_fix"


def _goods(session: Session, data: dict[str, Any], waybill: Waybill | None) -> list[Good]:
    if waybill is not None and not data.get("un_number"):
        return goods_of(session, waybill)
    return [named_good(session, data.get("un_number"), data.get("hazard_class"))]


def _capacity_l(data: dict[str, Any], waybill: Waybill | None) -> float | None:
    """The tank capacity sent, else the waybill's (m³ → L)."""
    if data.get("capacity_l") is not None:
        return float(data["capacity_l"])
    return tank_capacity_l(waybill) if waybill is not None else None


def report(session: Session, user: User, data: dict[str, Any], *, at: dt.datetime | None = None) -> Incident:
    """Report an incident: its zones computed, closed to traffic and sent to the responding departments."""
    waybill = _waybill_for_report(session, user, data.get("waybill_id"))
    lon, lat, source = _location(session, data, waybill)
    goods = _goods(session, data, waybill)
    now = at or utcnow()
    incident = Incident(
        waybill_id=waybill.id if waybill else None, carrier_id=waybill.carrier_id if waybill else None,
        spill=SpillKind(data["spill"]), lon=lon, lat=lat, location_source=source, night=data.get("night", False),
        wind_from_deg=data.get("wind_from_deg"), wind_speed_ms=data.get("wind_speed_ms"),
        un_number=goods[0].un_number, material=goods[0].material, hazard_class=goods[0].hazard_class,
        capacity_l=_capacity_l(data, waybill), note=data.get("note"), reported_by=user.id, created_at=now,
        updated_at=now)
    incident.zones = compute(incident, goods)
    with unit_of_work(session):
        session.add(incident)
        incident.events.append(IncidentEvent(from_state=None, to_state=S.REPORTED, actor_id=user.id,
                                             reason=data.get("note"), at=now))
        session.flush()
        _activate(session, incident, waybill, now)
    return incident


def _activate(session: Session, incident: Incident, waybill: Waybill | None, now: dt.datetime) -> None:
    """Close the incident's zones to traffic, tell the departments, warn the vehicles heading in."""
    traffic.close_roads(session, incident, now)
    notify.tell_departments(session, incident, waybill, now)
    traffic.warn_vehicles(session, incident, now)


#: What the supervisor confirming a draft may say about what is happening (a draft assumes the worst).
SITUATION = ("spill", "night", "wind_from_deg", "wind_speed_ms")


def _restate(session: Session, incident: Incident, situation: dict[str, Any]) -> None:
    """Confirming a draft: what is happening as the supervisor says, and the zones computed again for it."""
    for name, value in situation.items():
        setattr(incident, name, SpillKind(value) if name == "spill" else value)
    waybill = session.get(Waybill, incident.waybill_id) if incident.waybill_id else None
    goods = goods_of(session, waybill) if waybill is not None else [
        named_good(session, incident.un_number, incident.hazard_class)]
    incident.zones = compute(incident, goods)


def move(session: Session, user: User, incident_id: uuid.UUID, to: S, *, reason: str | None = None,
         row_version: int | None = None, at: dt.datetime | None = None,
         situation: dict[str, Any] | None = None) -> Incident:
    """Move the incident to *to* (authorities only), appending the change to its history; closing lifts its zone
    and resolves its alerts. Confirming a draft activates it as a report would, in the *situation* given
    (:data:`SITUATION`; only then)."""
    incident = get_incident(session, user, incident_id)
    if user.role not in AUTHORITY:
        raise PermissionDenied("Only a supervisor moves an incident.")
    if row_version is not None and incident.row_version != row_version:
        raise Conflict(Text("The incident changed since you read it (row_version {row_version}, you sent "
                            "{row_version2}); reload and retry.", row_version=incident.row_version,
                            row_version2=row_version), code="stale_version")
    if to not in TRANSITIONS[incident.state]:
        raise Conflict(Text("An incident that is {state} cannot become {to}.", state=incident.state,
                            to=to), code="invalid_transition")
    activating = incident.state is S.DRAFT and to is S.CONFIRMED
    if situation and not activating:
        raise ValidationFailed("What is happening is said when confirming a draft; report it anew otherwise.",
                               errors={name: [N_("only when confirming a draft")] for name in situation})
    now = at or utcnow()
    with unit_of_work(session):
        if activating:
            _restate(session, incident, situation or {})
        incident.events.append(IncidentEvent(from_state=incident.state, to_state=to, actor_id=user.id,
                                             reason=reason, at=now))
        incident.state, incident.updated_at = to, now
        if to is S.CLOSED:
            incident.closed_at = now
            traffic.lift(session, incident, now)
            notify.resolve(session, incident, now)
        elif activating:
            session.flush()
            _activate(session, incident, session.get(Waybill, incident.waybill_id) if incident.waybill_id else None,
                      now)
    return incident
