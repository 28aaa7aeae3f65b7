"""Open incidents drawn on the risk map (its GeoJSON, its SVG and its page): each one's isolation circle and
protective area with a legend entry in both languages; closed incidents and drafts are not drawn."""
from __future__ import annotations

import re
import uuid

from app.services.incidents import drafts
from models import Role
from tests.app.incidents.conftest import API, INCIDENTS, MID, report
from tests.app.incidents.test_brief import _signed_in


def _open_and_closed(client, road):
    headers = road.trip.headers["supervisor"]
    open_one = report(client, headers, lon=MID[0], lat=MID[1], spill="leak_small", un_number="1017", night=True)
    closed = report(client, headers, lon=MID[0] + 0.01, lat=MID[1], spill="leak_small", un_number="1005")
    moved = client.post(f"{INCIDENTS}/{closed['id']}/transition", json={"to": "closed"}, headers=headers)
    assert moved.status_code == 200
    return open_one, closed


def test_the_risk_map_geojson_carries_the_open_incidents_zones(client, road):
    open_one, closed = _open_and_closed(client, road)
    collection = client.get(f"{API}/risk-map", headers=road.trip.headers["supervisor"]).get_json()
    drawn = [f["properties"] for f in collection["features"] if f["properties"]["kind"].startswith("incident_")]
    assert sorted(p["kind"] for p in drawn) == ["incident_isolation", "incident_protective"]
    assert {p["incident_id"] for p in drawn} == {open_one["id"]} and closed["id"] not in str(collection)
    assert [e["kind"] for e in collection["incident_legend"]] == ["incident_protective", "incident_isolation"]
    # Chlorine, small spill by night: wind unknown, so the protective area is a circle of 1.1 km around the spill
    # (ERG 2016 Table 1), wider than the 60 m isolation circle.
    zones = {f["properties"]["kind"]: f["geometry"] for f in collection["features"]
             if f["properties"]["kind"].startswith("incident_")}
    lons = [p[0] for p in zones["incident_protective"]["coordinates"][0]]
    assert 0.02 < max(lons) - min(lons) < 0.03  # 2.2 km across at 31.2° N


def test_the_risk_map_page_draws_an_open_incident_and_not_a_closed_one(client, session, road):
    open_one, closed = _open_and_closed(client, road)
    _signed_in(client, session, Role.SUPERVISOR)
    page = client.get("/risk-map").get_data(as_text=True)
    svg = re.search(r"<svg .*?</svg>", page, re.S)[0]
    assert set(re.findall(r'data-incident="([^"]+)"', svg)) == {open_one["id"]}
    assert closed["id"] not in svg
    legend = re.search(r'<ul class="risk-legend" id="risk-legend">(.*?)</ul>', page, re.S)[1]
    assert re.findall(r'<li data-kind="(\w+)">', legend) == ["incident_protective", "incident_isolation"]
    assert "事故：防护行动区（ERG 2016）" in legend and "事故：隔离区（ERG 2016）" in legend
    assert "事故：隔离区（ERG 2016）" in svg  # the SVG's own legend and tooltips, in the reader's language
    client.set_cookie("hazledger_lang", "en")
    english = client.get("/risk-map").get_data(as_text=True)
    assert "Incident: isolation zone (ERG 2016)" in english and "Incident: protective action area (ERG 2016)" in english


def test_a_draft_is_listed_but_not_drawn(client, app, session, road):
    with app.app_context():
        draft = drafts.from_long_stop(session, waybill_id=uuid.UUID(road.id), carrier_id=road.trip.carrier.id,
                                      lon=MID[0], lat=MID[1] + 0.01, started_at=road.t0, at=road.t0)
        session.commit()
    collection = client.get(f"{API}/risk-map", headers=road.trip.headers["supervisor"]).get_json()
    assert collection["incident_legend"] == [] and str(draft.id) not in str(collection)
    _signed_in(client, session, Role.SUPERVISOR)
    page = client.get("/risk-map").get_data(as_text=True)
    listed = re.search(r'<ul id="open-incidents">(.*?)</ul>', page, re.S)[1]
    assert f"/incidents/{draft.id}/brief" in listed and 'data-state="draft"' in listed and "草稿" in listed
    assert "incident-zone" not in page


def test_without_an_open_incident_the_map_has_no_incident_layer(client, session, road):
    _signed_in(client, session, Role.SUPERVISOR)
    page = client.get("/risk-map").get_data(as_text=True)
    assert "incident-zone" not in page and "data-kind" not in page
