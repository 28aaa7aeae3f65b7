"""Keeping hazmat traffic away from an incident.

- The incident's zones become a temporary no-entry :class:`~models.corridors.Zone` for every hazard class: the
  live checks apply it to every trip whose corridor it lies near, as any forbidden zone (``forbidden_zone``
  alerts). It lapses at ``zone_until`` (``INCIDENT_ZONE_HOURS`` after the report; the sweeper lifts it) or when
  the incident is closed, whichever comes first.
- Every other waybill in transit whose vehicle is inside the zones, or whose way ahead crosses them within
  ``INCIDENT_LOOKAHEAD_MINUTES``, gets an ``incident_zone`` alert; with a road network configured, the alert
  carries a route to its unloading site planned around the zones (the planner with the zones' edges closed).

The way ahead: the route the planner gives from the vehicle's last fix to its unloading site on the network,
cut at the look-ahead time at the route's own speeds, never above the hazmat speed limit
(``MONITOR_SPEED_LIMIT_KPH``); without a network, the straight line to the unloading site cut at that limit. A
vehicle farther from the zones than the limit allows within the look-ahead is not planned for at all.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import shapely
from flask import current_app
from shapely.geometry import LineString, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import unit_of_work
from app.services.alerts import raise_alert
from app.services.corridors import _add_zone  # the same checks and bounding box as a zone an authority draws
from app.services.incidents.zones import area_of
from app.services.road_network import road_network, waybill_cargo
from models import AlertKind, GpsFix, Severity, Site, TripState, Vehicle, Waybill, WaybillStatus, Zone, ZoneRule
from models.incidents import Incident, IncidentState
from routing import RoutingInputError
from routing.network import Network
from routing.planner import Route, plan_route
from routing.projection import geometry_to_metric, utm_crs


def last_fix(session: Session, waybill_id: uuid.UUID) -> tuple[float, float] | None:
    """Where the vehicle of *waybill_id* was last seen: the live checks' newest fix, else the newest stored one."""
    state = session.get(TripState, waybill_id)
    if state is not None and state.last_lon is not None and state.last_lat is not None:
        return state.last_lon, state.last_lat
    row = session.execute(select(GpsFix.lon, GpsFix.lat).where(GpsFix.waybill_id == waybill_id)
                          .order_by(GpsFix.at.desc()).limit(1)).first()
    return (row.lon, row.lat) if row else None


def zone_name(incident: Incident) -> str:
    return f"事故封控区 {incident.id}"


def close_roads(session: Session, incident: Incident, now: dt.datetime) -> Zone:
    """Register the incident's zones as a no-entry zone for every class, until ``zone_until``; the caller
    commits."""
    hours = float(current_app.config["INCIDENT_ZONE_HOURS"])
    zone = _add_zone(session, {"name": zone_name(incident), "rule": ZoneRule.NO_ENTRY,
                               "geometry": incident.zones["area"], "hazard_classes": [], "time_windows": []})
    incident.zone_id, incident.zone_until = zone.id, now + dt.timedelta(hours=hours)
    return zone


def lift(session: Session, incident: Incident, now: dt.datetime) -> None:
    """The zone no longer keeps traffic away (closed incident, or lapsed); the caller commits."""
    zone = session.get(Zone, incident.zone_id) if incident.zone_id else None
    if zone is not None and zone.active:
        zone.active = False
    if incident.zone_until is None or incident.zone_until > now:
        incident.zone_until = now


def lapse(session: Session, now: dt.datetime) -> list[Incident]:
    """Lift every incident zone whose time is up (the server's sweeper runs this); one transaction."""
    with unit_of_work(session):
        due = list(session.scalars(select(Incident).join(Zone, Zone.id == Incident.zone_id).where(
            Zone.active, Incident.zone_until <= now)))
        for incident in due:
            lift(session, incident, now)
    return due


@dataclass(frozen=True)
class Heading:
    """A trip and how it meets the zones: ``inside`` now, or ``ahead`` within the look-ahead."""

    waybill: Waybill
    where: str
    position: tuple[float, float]
    detour: Route | None = None
    detour_note: str | None = None


def trips_at_risk(session: Session, incident: Incident, *, network: Network | None) -> list[Heading]:
    """The other waybills in transit inside the zones, or whose way ahead crosses them within the look-ahead."""
    area = area_of(incident.zones)
    if incident.state is IncidentState.CLOSED or area.is_empty:
        return []
    crs = utm_crs(*area.bounds)
    metric = geometry_to_metric(area, crs)
    shapely.prepare(metric)
    reach_m = _reach_m()
    found = []
    waybills = session.scalars(select(Waybill).where(Waybill.status == WaybillStatus.IN_TRANSIT))
    for waybill in waybills:
        position = last_fix(session, waybill.id) if waybill.id != incident.waybill_id else None
        if position is None:
            continue
        distance = metric.distance(geometry_to_metric(shapely.Point(position), crs))
        if distance == 0:
            found.append(Heading(waybill, "inside", position))
            continue
        if distance > reach_m:  # out of reach within the look-ahead at the speed limit: no route to plan
            continue
        ahead = _way_ahead(session, waybill, position, network)
        if ahead is not None and metric.intersects(geometry_to_metric(ahead, crs)):
            found.append(Heading(waybill, "ahead", position))
    return found


def _destination(session: Session, waybill: Waybill) -> tuple[float, float] | None:
    site_id = waybill.current.unloading_site_id
    site = session.get(Site, site_id) if site_id else None
    return (site.lon, site.lat) if site else None


def _cargo(session: Session, waybill: Waybill) -> Any:
    version = waybill.current
    vehicle = session.get(Vehicle, version.vehicle_id) if version.vehicle_id else None
    return waybill_cargo(waybill, tank=vehicle is not None and vehicle.kind.is_tank)


def _way_ahead(session: Session, waybill: Waybill, position: tuple[float, float],
               network: Network | None) -> BaseGeometry | None:
    """Where the vehicle will be driving within the look-ahead (see the module's note); None without a
    destination."""
    destination = _destination(session, waybill)
    if destination is None:
        return None
    if network is not None:
        try:
            route = plan_route(network, position, destination, cargo=_cargo(session, waybill))
        except RoutingInputError:  # off the network, or no permitted route: fall back to the straight line
            route = None
        if route is not None:
            # The route's own speeds, but never faster than a hazmat vehicle may drive.
            seconds = max(route.travel_time_s, route.length_m / _speed_limit_ms())
            fraction = min(1.0, _lookahead_s() / seconds) if seconds > 0 else 1.0
            return substring(route.geometry, 0.0, fraction, normalized=True)
    line = LineString([position, destination])
    length = geometry_to_metric(line, utm_crs(*line.bounds)).length
    return substring(line, 0.0, min(1.0, _reach_m() / length) if length > 0 else 1.0, normalized=True)


def _lookahead_s() -> float:
    return float(current_app.config["INCIDENT_LOOKAHEAD_MINUTES"]) * 60


def _speed_limit_ms() -> float:
    return float(current_app.config["MONITOR_SPEED_LIMIT_KPH"]) / 3.6


def _reach_m() -> float:
    """How far a hazmat vehicle can drive within the look-ahead at the speed limit."""
    return _speed_limit_ms() * _lookahead_s()


def detour(session: Session, waybill: Waybill, position: tuple[float, float], area: BaseGeometry,
           network: Network | None) -> tuple[Route | None, str | None]:
    """A route from *position* to the unloading site that touches none of the zones' roads, or why there is
    none."""
    destination = _destination(session, waybill)
    if network is None:
        return None, "no road network is configured: no route can be planned around the zones"
    if destination is None:
        return None, "the waybill names no unloading site"
    try:
        return plan_route(network, position, destination, cargo=_cargo(session, waybill),
                          avoid=geometry_to_metric(area, network.crs)), None
    except RoutingInputError as error:  # NoRouteError is one
        return None, f"no route around the zones: {error}"


def warn_vehicles(session: Session, incident: Incident, now: dt.datetime) -> list[Any]:
    """Alert every trip inside or heading into the zones, with a route planned around them; the caller
    commits."""
    network = road_network(wait=True)
    area = area_of(incident.zones)
    alerts = []
    for heading in trips_at_risk(session, incident, network=network):
        route, note = detour(session, heading.waybill, heading.position, area, network)
        details: dict[str, Any] = {"incident_id": str(incident.id), "where": heading.where,
                                   "zone": zone_name(incident)}
        if route is not None:
            details["detour"] = {"geometry": mapping(route.geometry), "length_m": round(route.length_m, 1),
                                 "travel_time_s": round(route.travel_time_s, 1)}
        if note:
            details["detour_note"] = note
        alert, _ = raise_alert(
            session, key=f"incident_zone:{incident.id}:{heading.waybill.id}", kind=AlertKind.INCIDENT_ZONE,
            severity=Severity.CRITICAL if heading.where == "inside" else Severity.HIGH,
            subject=heading.waybill.number, started_at=now, enterprise_id=heading.waybill.carrier_id,
            waybill_id=heading.waybill.id,
            lon=heading.position[0], lat=heading.position[1], details=details)
        alerts.append(alert)
    return alerts
