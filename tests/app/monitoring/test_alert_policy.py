"""Alerts follow the situation (issue 25): each kind resolves by itself when its situation is over, recorded as
the system's doing with a reason, and an acknowledged alert that escalates is open again for action."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.services.alert_policy import settle
from app.services.monitoring import sweep
from models import Alert, AlertKind, Waybill, WaybillStatus
from tests.app.monitoring.conftest import API, alerts_of, post_fixes


def history(client, road, alert_id) -> list[str]:
    body = client.get(f"{API}/alerts/{alert_id}", headers=road.trip.headers["auditor"]).get_json()
    return [h["change"] for h in body["history"]]


def test_an_acknowledged_signal_gap_that_escalates_opens_again_for_action(client, session, road):
    [alert] = sweep(session)
    assert alert.severity == "high"
    url = f"{API}/alerts/{alert.id}"
    acked = client.post(f"{url}/acknowledge", json={"note": "calling the driver"},
                        headers=road.trip.headers["supervisor"])
    assert acked.get_json()["state"] == "acknowledged"
    session.expire_all()  # the request's session changed it
    [later] = sweep(session, now=road.t0 + dt.timedelta(hours=3))  # two hours silent: critical
    body = client.get(url, headers=road.trip.headers["supervisor"]).get_json()
    assert (body["severity"], body["state"]) == ("critical", "open") and body["escalated_at"] is not None
    assert body["acknowledged_by"] is not None  # the earlier acknowledgement stays on record
    assert history(client, road, alert.id) == ["opened", "acknowledged", "escalated"]
    again = client.post(f"{url}/acknowledge", json={}, headers=road.trip.headers["supervisor"])
    assert again.status_code == 200  # a new action can be taken on it


def test_a_signal_gap_resolves_itself_when_the_trip_is_over(client, session, road):
    [gap] = sweep(session, now=road.t0 + dt.timedelta(hours=3))
    assert gap.severity == "critical"
    car = road.drive().silent(95 * 60)
    post_fixes(client, road, car.go(121.41, 31.20).take())  # a deviation too: a breach, never resolved by itself
    assert client.post(f"{road.url}/arrive", json={}, headers=road.trip.headers["carrier"]).status_code == 200
    resolved = {a["kind"]: a for a in alerts_of(client, road)}
    closed = resolved["signal_gap"]
    assert (closed["state"], closed["resolved_by"], closed["closed_by"]) == ("closed", "system", None)
    assert "trip is over" in closed["resolution"] and closed["closed_at"] is not None
    assert history(client, road, closed["id"])[-1] == "resolved"
    assert all(a["state"] == "open" for kind, a in resolved.items() if kind != "signal_gap")


def test_the_sweep_settles_a_gap_left_open_on_a_closed_waybill(client, session, road):
    [gap] = sweep(session, now=road.t0 + dt.timedelta(hours=3))
    waybill = session.get(Waybill, gap.waybill_id)
    waybill.status = WaybillStatus.CLOSED  # closed before the policy existed: its gap was left open
    session.commit()
    assert [a.id for a in settle(session)] == [gap.id]
    session.refresh(gap)
    assert (gap.state, gap.resolved_by) == ("closed", "system") and "waybill closed" in gap.resolution
    assert settle(session) == []  # once
    assert session.scalars(select(Alert).where(Alert.kind == AlertKind.SIGNAL_GAP)).one().state == "closed"
