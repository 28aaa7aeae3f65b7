"""``/api/v1/alerts``: who sees which alerts, the filters, one alert's history, acknowledging and closing."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from app.services.alerts import raise_alert
from models import AlertKind, Role, Severity
from tests.app.monitoring.conftest import alerts_of, post_fixes
from tests.factories import auth, make_enterprise, make_user

API = "/api/v1/alerts"
T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def world(session):
    """Two carriers' alerts of several kinds, severities and times, and a user of each role."""
    mine, other = make_enterprise(session, roles=["carrier"]), make_enterprise(session, roles=["carrier"])
    made = {}
    for n, (kind, severity, enterprise) in enumerate([
            (AlertKind.DEVIATION, Severity.MEDIUM, mine), (AlertKind.FORBIDDEN_ZONE, Severity.CRITICAL, mine),
            (AlertKind.STOP, Severity.LOW, other), (AlertKind.OVERSPEED, Severity.HIGH, other)]):
        alert, _ = raise_alert(session, key=f"{kind}:test:{n}", kind=kind, severity=severity, title=f"alert {n}",
                               started_at=T0 + dt.timedelta(hours=n), enterprise_id=enterprise.id,
                               details={"n": n}, lon=121.4, lat=31.2)
        made[str(kind)] = alert
    session.flush()
    headers = {role: auth(make_user(session, Role(role))[1]) for role in ("admin", "supervisor", "auditor")}
    headers["mine"] = auth(make_user(session, Role.ENTERPRISE, enterprise=mine)[1])
    session.commit()
    return made, headers


def _titles(client, headers, query=""):
    response = client.get(f"{API}?page_size=50{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return sorted(a["title"] for a in response.get_json() if a["title"].startswith("alert "))


@pytest.mark.parametrize("query, titles", [
    ("", ["alert 0", "alert 1", "alert 2", "alert 3"]),
    ("&kind=stop", ["alert 2"]),
    ("&severity=high", ["alert 1", "alert 3"]),
    ("&state=open", ["alert 0", "alert 1", "alert 2", "alert 3"]),
    ("&state=closed", []),
    ("&since=2026-11-28T09:00:00%2B00:00&until=2026-11-28T11:00:00%2B00:00", ["alert 1", "alert 2"]),
])
def test_filters(client, world, query, titles):
    assert _titles(client, world[1]["auditor"], query) == titles


def test_filter_by_enterprise_and_paging(client, world):
    made, headers = world
    enterprise = made["stop"].enterprise_id
    assert _titles(client, headers["supervisor"], f"&enterprise={enterprise}") == ["alert 2", "alert 3"]
    page = client.get(f"{API}?page_size=1&enterprise={enterprise}", headers=headers["supervisor"])
    assert json.loads(page.headers["X-Pagination"])["total"] == 2 and len(page.get_json()) == 1


def test_an_enterprise_sees_only_its_own(client, world):
    made, headers = world
    assert _titles(client, headers["mine"]) == ["alert 0", "alert 1"]
    assert client.get(f"{API}/{made['stop'].id}", headers=headers["mine"]).status_code == 404
    assert client.get(f"{API}/{made['deviation'].id}", headers=headers["mine"]).status_code == 200


@pytest.mark.parametrize("query, field", [("severity=dire", "severity"), ("since=yesterday", "since"),
                                          ("waybill=42", "waybill"), ("kind=flood", "kind")])
def test_bad_filters_are_422_problems(client, world, query, field):
    response = client.get(f"{API}?{query}", headers=world[1]["auditor"])
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert f"query.{field}" in response.get_json()["errors"]


def test_acknowledge_then_close_with_notes_and_history(client, world):
    made, headers = world
    url = f"{API}/{made['deviation'].id}"
    acked = client.post(f"{url}/acknowledge", json={"note": "calling the driver"}, headers=headers["supervisor"])
    assert acked.status_code == 200 and acked.get_json()["state"] == "acknowledged"
    assert acked.get_json()["note"] == "calling the driver" and acked.get_json()["acknowledged_by"]
    closed = client.post(f"{url}/close", json={}, headers=headers["admin"])
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed" and closed.get_json()["note"] is None
    history = client.get(url, headers=headers["mine"]).get_json()["history"]
    assert [h["change"] for h in history] == ["opened", "acknowledged", "closed"]
    assert history[0]["actor_id"] is None and history[1]["actor_id"] and history[1]["event_id"] < history[2]["event_id"]
    again = client.post(f"{url}/close", json={}, headers=headers["supervisor"])
    assert again.status_code == 409 and again.get_json()["code"] == "illegal_transition"
    assert client.post(f"{url}/acknowledge", json={}, headers=headers["supervisor"]).status_code == 409


@pytest.mark.parametrize("who, status", [("mine", 403), ("auditor", 403)])
def test_only_supervisors_and_administrators_move_alerts(client, world, who, status):
    made, headers = world
    response = client.post(f"{API}/{made['deviation'].id}/acknowledge", json={}, headers=headers[who])
    assert response.status_code == status and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("body, status", [({"note": "x" * 501}, 422), ({"note": None}, 200), ({"extra": 1}, 422)])
def test_note_is_checked(client, world, body, status):
    made, headers = world
    response = client.post(f"{API}/{made['stop'].id}/acknowledge", json=body, headers=headers["supervisor"])
    assert response.status_code == status, response.get_json()


def test_unknown_alert_is_404(client, world):
    response = client.get(f"{API}/00000000-0000-0000-0000-000000000000", headers=world[1]["supervisor"])
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_trip_alert_is_seen_by_its_parties_only_and_listed_with_the_compliance(client, road):
    car = road.drive().go(121.42, 31.20).go(121.42, 31.204).go(121.43, 31.204).go(121.43, 31.20)
    post_fixes(client, road, car.take())
    [alert] = alerts_of(client, road)
    headers = road.trip.headers
    for party in ("shipper", "consignee", "carrier"):
        assert client.get(f"{API}/{alert['id']}", headers=headers[party]).status_code == 200
    assert client.get(f"{API}/{alert['id']}", headers=headers["outsider"]).status_code == 404
    assert client.get(f"{API}?waybill={road.id}", headers=headers["outsider"]).get_json() == []
    assert client.post(f"{API}/{alert['id']}/acknowledge", json={}, headers=headers["carrier"]).status_code == 403
    report = client.get(f"{road.url}/compliance", headers=headers["consignee"]).get_json()
    assert [a["id"] for a in report["alerts"]] == [alert["id"]]
    assert [e["kind"] for e in report["episodes"]] == ["deviation"]
    outsider = client.post(f"{road.url}/track", json={"fixes": car.go(121.44, 31.20).take()},
                           headers=headers["outsider"])
    assert outsider.status_code == 404  # another carrier's waybill does not exist for it
