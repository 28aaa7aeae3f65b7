"""Telling the departments that respond to a dangerous-goods incident, through the alert stream.

One ``incident`` alert per department (emergency management, public security, transport, ecology and
environment: the departments of the city's plan for sudden events), its ``details.department`` naming it, so a
department's screen filters its own; critical, since people may be in danger. Closing the incident resolves them.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.alerts import raise_alert, resolve as resolve_alert
from models import Alert, AlertKind, AlertState, Department, Severity, Waybill
from models.incidents import Incident

#: The departments told of every incident, and what each is asked to do.
#: The departments that respond to an incident (what each is asked: app/services/alert_text.py INCIDENT_TASKS).
RESPONDERS = (Department.EMERGENCY_MANAGEMENT, Department.PUBLIC_SECURITY, Department.TRANSPORT,
              Department.ECOLOGY_ENVIRONMENT)


def _key(incident: Incident, department: Department) -> str:
    return f"incident:{incident.id}:{department}"


def cargo_label(incident: Incident) -> str:
    """``UN1017 氯`` or ``不明货物`` (an unidentified load)."""
    if incident.un_number:
        return f"UN{incident.un_number} {incident.material or ''}".strip()
    return f"{incident.hazard_class} 类货物" if incident.hazard_class else "不明货物"


def tell_departments(session: Session, incident: Incident, waybill: Waybill | None, now: dt.datetime) -> list[Alert]:
    """Raise the incident's alert for every responding department; the caller commits."""
    alerts = []
    where = f"{incident.lon:.5f}, {incident.lat:.5f}"
    for department in RESPONDERS:
        alert, _ = raise_alert(
            session, key=_key(incident, department), kind=AlertKind.INCIDENT, severity=Severity.CRITICAL,
            subject=cargo_label(incident), started_at=now,
            enterprise_id=incident.carrier_id, waybill_id=waybill.id if waybill else None,
            lon=incident.lon, lat=incident.lat,
            details={"incident_id": str(incident.id), "department": str(department), "spill": str(incident.spill),
                     "where": where, "brief": f"/incidents/{incident.id}/brief"})
        alerts.append(alert)
    return alerts


def resolve(session: Session, incident: Incident, now: dt.datetime) -> None:
    """The incident is closed: its alerts (departments' and vehicles') are resolved; the caller commits."""
    keys = [_key(incident, d) for d in RESPONDERS]
    alerts = session.scalars(select(Alert).where(
        Alert.state != AlertState.CLOSED,
        (Alert.key.in_(keys)) | (Alert.key.like(f"incident_zone:{incident.id}:%"))))
    for alert in alerts:
        resolve_alert(session, alert, "the incident is closed: its zone is lifted", now)
