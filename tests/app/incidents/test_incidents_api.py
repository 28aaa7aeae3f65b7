"""POST/GET /api/v1/incidents and the state changes: who may, what is checked, the history, the zones."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from app.services.incidents.traffic import lapse
from models import Alert, AlertKind, AlertState, Incident, Zone
from tests.app.incidents.conftest import INCIDENTS, MID, report
from tests.app.monitoring.conftest import post_fixes


def test_supervisor_reports_an_incident_with_the_waybill_cargo(client, road):
    incident = report(client, road.trip.headers["supervisor"], waybill_id=road.id, lon=MID[0], lat=MID[1],
                      spill="fire", capacity_l=30000)
    assert incident["state"] == "reported" and incident["location_source"] == "reported"
    assert incident["un_number"] == "1230" and incident["carrier_id"] == str(road.trip.carrier.id)
    zones = incident["zones"]
    assert zones["erg_edition"] == "ERG 2016" and zones["type"] == "FeatureCollection"
    kinds = {f["properties"]["kind"]: f["properties"] for f in zones["features"]}
    assert kinds["fire_isolation"]["source"].startswith("ERG 2016 Guide")
    assert [e["to_state"] for e in incident["events"]] == ["reported"]


def test_location_defaults_to_the_vehicles_last_fix(client, road):
    post_fixes(client, road, road.drive().go(121.42, 31.20).take())
    incident = report(client, road.trip.headers["carrier"], waybill_id=road.id, spill="leak_small")
    assert incident["location_source"] == "last_fix"
    assert incident["lon"] == pytest.approx(121.42, abs=1e-6) and incident["lat"] == pytest.approx(31.20, abs=1e-6)


def test_no_location_and_no_fix_is_422(client, road):
    problem = report(client, road.trip.headers["supervisor"], 422, waybill_id=road.id, spill="leak_small")
    assert {"lon", "lat"} <= set(problem["errors"])


@pytest.mark.parametrize("body, field", [
    ({"lon": 121.45, "lat": 31.2}, "spill"),
    ({"spill": "flood", "lon": 121.45, "lat": 31.2}, "spill"),
    ({"spill": "fire", "lon": 121.45}, "lat"),
    ({"spill": "fire", "lon": 121.45, "lat": 95}, "lat"),
    ({"spill": "fire", "lon": 121.45, "lat": 31.2, "wind_from_deg": 400}, "wind_from_deg"),
    ({"spill": "fire", "lon": 121.45, "lat": 31.2, "un_number": "12a4"}, "un_number"),
    ({"spill": "fire", "lon": 121.45, "lat": 31.2, "capacity_l": 0}, "capacity_l"),
])
def test_bad_reports_are_problems_and_write_nothing(client, session, road, body, field):
    response = client.post(INCIDENTS, json=body, headers=road.trip.headers["supervisor"])
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert client.get(INCIDENTS, headers=road.trip.headers["supervisor"]).get_json() == []


def test_who_may_report(client, road):
    body = {"waybill_id": road.id, "lon": MID[0], "lat": MID[1], "spill": "leak_small"}
    headers = road.trip.headers
    assert client.post(INCIDENTS, json=body, headers=headers["outsider"]).status_code == 404
    assert client.post(INCIDENTS, json=body, headers=headers["shipper"]).status_code == 403
    assert client.post(INCIDENTS, json=body, headers=headers["auditor"]).status_code == 403
    no_waybill = {k: v for k, v in body.items() if k != "waybill_id"}
    assert client.post(INCIDENTS, json=no_waybill, headers=headers["carrier"]).status_code == 422
    assert client.post(INCIDENTS, json=body, headers=headers["carrier"]).status_code == 201


def test_a_carrier_sees_only_its_own(client, road):
    headers = road.trip.headers
    mine = report(client, headers["carrier"], waybill_id=road.id, lon=MID[0], lat=MID[1], spill="leak_small")
    other = report(client, headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small", un_number="1017")
    assert [i["id"] for i in client.get(INCIDENTS, headers=headers["carrier"]).get_json()] == [mine["id"]]
    assert client.get(f"{INCIDENTS}/{other['id']}", headers=headers["carrier"]).status_code == 404
    assert client.get(f"{INCIDENTS}/{other['id']}", headers=headers["outsider"]).status_code == 404
    assert len(client.get(INCIDENTS, headers=headers["auditor"]).get_json()) == 2


def test_unidentified_load_without_a_waybill(client, road):
    incident = report(client, road.trip.headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small")
    assert incident["un_number"] is None
    assert incident["zones"]["cargo"][0]["guide"] == 111


def test_states_move_forward_with_history_and_concurrency(client, session, road):
    headers = road.trip.headers
    incident = report(client, headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_large", un_number="1017",
                      night=True, wind_from_deg=270)
    url = f"{INCIDENTS}/{incident['id']}/transition"
    assert client.post(url, json={"to": "confirmed"}, headers=headers["carrier"]).status_code == 403  # by role
    assert client.post(url, json={"to": "contained"}, headers=headers["supervisor"]).status_code == 409
    moved = client.post(url, json={"to": "confirmed", "reason": "现场确认"},
                        headers={**headers["supervisor"], "If-Match": f'"{incident["row_version"]}"'})
    assert moved.status_code == 200 and moved.headers["ETag"] == f'"{incident["row_version"] + 1}"'
    stale = client.post(url, json={"to": "contained"},
                        headers={**headers["supervisor"], "If-Match": f'"{incident["row_version"]}"'})
    assert stale.status_code == 412
    assert client.post(url, json={"to": "contained", "row_version": incident["row_version"]},
                       headers=headers["supervisor"]).status_code == 409
    client.post(url, json={"to": "contained"}, headers=headers["supervisor"])
    closed = client.post(url, json={"to": "closed"}, headers=headers["supervisor"]).get_json()
    assert [(e["from_state"], e["to_state"]) for e in closed["events"]] == [
        (None, "reported"), ("reported", "confirmed"), ("confirmed", "contained"), ("contained", "closed")]
    assert closed["events"][1]["reason"] == "现场确认" and closed["closed_at"] is not None
    assert client.post(url, json={"to": "confirmed"}, headers=headers["supervisor"]).status_code == 409


def test_zone_is_no_entry_until_closed_and_departments_are_told(client, session, road):
    headers = road.trip.headers
    incident = report(client, headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small", un_number="1017",
                      night=True)
    zone = session.get(Zone, uuid.UUID(incident["zone_id"]))
    assert zone.active and zone.rule == "no_entry" and zone.hazard_classes == []
    alerts = session.scalars(select(Alert).where(Alert.kind == AlertKind.INCIDENT)).all()
    assert sorted(a.details["department"] for a in alerts) == [
        "ecology_environment", "emergency_management", "public_security", "transport"]
    assert all(a.details["incident_id"] == incident["id"] for a in alerts)
    client.post(f"{INCIDENTS}/{incident['id']}/transition", json={"to": "closed", "reason": "误报"},
                headers=headers["supervisor"])
    session.expire_all()
    assert not session.get(Zone, uuid.UUID(incident["zone_id"])).active
    assert all(a.state is AlertState.CLOSED and a.resolved_by == "system"
               for a in session.scalars(select(Alert).where(Alert.kind == AlertKind.INCIDENT)))


def test_the_zone_lapses_when_its_time_is_up(client, session, road):
    incident = report(client, road.trip.headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small",
                      un_number="1017")
    stored = session.get(Incident, uuid.UUID(incident["id"]))
    assert lapse(session, stored.zone_until - dt.timedelta(seconds=1)) == []
    assert session.get(Zone, stored.zone_id).active
    assert lapse(session, stored.zone_until) == [stored]
    assert not session.get(Zone, stored.zone_id).active
