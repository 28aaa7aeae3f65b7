"""The end of a trip: where the vehicle was when its carrier declared arrival, and its episodes closed."""
from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.alert_policy import resolve_trip_gaps
from app.services.alerts import raise_alert
from app.services.monitoring.checks import judge_held
from app.services.monitoring.findings import Finding, raise_finding
from app.services.monitoring.settings import MonitorSettings, current_settings
from app.services.monitoring.state import lock_state
from app.services.monitoring.trip import load_trip
from models import Alert, AlertKind, AlertState, Waybill
from routing.projection import to_metric


def finish_trip(session: Session, waybill: Waybill, at: dt.datetime,
                settings: MonitorSettings | None = None) -> list[Alert]:
    """Check the arrival of *waybill* at *at*, inside the caller's transaction (``arrive``).

    The last fix checked must lie within ``site_radius_m`` of the unloading site, else the trip arrived
    elsewhere (an ``arrival_elsewhere`` alert; with no fix at all nothing can be said, the signal-gap alerts
    have said it). Episodes still open end: runs at their last fix, a silence at the arrival; the trip's
    signal-gap alerts resolve (the vehicle is no longer in transit: ``alert_policy.py``).
    """
    settings = settings or current_settings()
    state = lock_state(session, waybill.id)
    near = None if state.last_lon is None else (np.array([state.last_lon]), np.array([state.last_lat]))
    trip = load_trip(session, waybill, near=near)
    judged = judge_held(session, trip, state, settings)  # the last fixes a live map match still held
    changed = [alert for alert in session.scalars(select(Alert).where(
        Alert.waybill_id == waybill.id, Alert.ended_at.is_(None), Alert.state != AlertState.CLOSED))
        if _end(session, alert, at)]
    changed += [alert for alert in judged if alert not in changed]
    changed += [alert for alert in resolve_trip_gaps(session, waybill, at) if alert not in changed]
    state.runs = {}
    if near is None or trip.unloading is None:
        return changed
    distance = float(trip.to_unloading_m(*to_metric(*near, trip.crs))[0])
    if distance <= settings.site_radius_m:
        return changed
    finding = Finding(AlertKind.ARRIVAL_ELSEWHERE,
                      {"distance_m": round(distance, 1), "last_fix_at": state.last_at.isoformat()},
                      tag="arrive", site_id=trip.unloading_site_id)
    alert = raise_finding(session, trip, finding, started_at=at, last_seen_at=at, ended_at=at, lon=state.last_lon,
                          lat=state.last_lat)
    return changed + ([alert] if alert else [])


def _end(session: Session, alert: Alert, at: dt.datetime) -> bool:
    """End an open episode: a run at its last evidence, a silence at *at* (the trip is over, so is the gap)."""
    last_seen, details = alert.last_seen_at, alert.details
    if alert.kind is AlertKind.SIGNAL_GAP:
        last_seen = max(at, alert.started_at)
        details = {**details, "gap_s": round((last_seen - alert.started_at).total_seconds(), 1), "ongoing": False}
    severity = Finding(alert.kind, details).severity
    _, change = raise_alert(session, key=alert.key, kind=alert.kind, severity=severity, subject=alert.subject,
                            title=alert.title, started_at=alert.started_at, last_seen_at=last_seen, ended_at=last_seen,
                            enterprise_id=alert.enterprise_id, waybill_id=alert.waybill_id, site_id=alert.site_id,
                            lon=alert.lon, lat=alert.lat, details=details)
    return change is not None
