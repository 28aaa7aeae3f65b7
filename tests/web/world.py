"""The pages' test world: the demo scenario, with the alerts the monitoring would raise for its detour."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import unit_of_work
from app.services.alerts import raise_alert
from app.services.demo import load_demo
from app.services.tracking import compliance
from models import Alert, AlertKind, Severity, User, Waybill, WaybillStatus

SEVERITY = {"deviation": Severity.HIGH, "forbidden_zone": Severity.CRITICAL}


def load_world(session: Session) -> dict[str, object]:
    """Load the demo and open one alert per episode of the tanker's trip (what the route check finds)."""
    story = load_demo(session, ttl_days=1)
    trip = session.scalars(select(Waybill).where(Waybill.status == WaybillStatus.IN_TRANSIT)).one()
    supervisor = session.scalars(select(User).where(User.name == "demo-supervisor")).one()
    with unit_of_work(session):
        for episode in compliance(session, supervisor, trip.id)["episodes"]:
            raise_alert(session, key=f"{episode['kind']}:{trip.id}:{episode['start']}", kind=AlertKind(episode["kind"]),
                        severity=SEVERITY.get(episode["kind"], Severity.MEDIUM),
                        subject=trip.number,
                        started_at=dt.datetime.fromisoformat(episode["start"]),
                        ended_at=dt.datetime.fromisoformat(episode["end"]), enterprise_id=trip.carrier_id,
                        waybill_id=trip.id, details={k: v for k, v in episode.items() if k != "kind"})
    alerts = session.scalars(select(Alert.id).where(Alert.waybill_id == trip.id)).all()
    return {**story, "trip": str(trip.id), "trip_number": trip.number, "alerts": [str(a) for a in alerts]}
