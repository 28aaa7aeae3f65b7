"""Positions of a waybill in transit (``…/track``) and the trip's compliance (``…/compliance``)."""
from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.services import tracking
from app.services.corridors import register_corridor, register_zone
from models import GpsFix, Waybill
from models.types import utcnow
from tests.paths import DEMO_CORRIDOR

API = "/api/v1/waybills"
TRACK = DEMO_CORRIDOR.with_name("demo_track_detour.csv")
TRACK_DEPARTED = dt.datetime(2026, 1, 1, 7, 59, tzinfo=dt.timezone.utc)


def fixes_stored(session) -> int:
    return session.scalar(select(func.count()).select_from(GpsFix))


@pytest.fixture
def on_the_road(client, session, trip):
    """The trip issued with the demo corridor (and its zones) attached, and departed; its departure recorded as
    just before the recorded track's first fix (2026-01-01 08:00 UTC), so the track's fixes are on the trip."""
    features = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))["features"]
    zones = [f for f in features if f["properties"].get("role") == "forbidden"]
    corridor = register_corridor(session, {"name": "demo", "geojson": {
        "type": "FeatureCollection", "features": [f for f in features if f not in zones]}})
    for zone in zones:
        register_zone(session, {"name": zone["properties"]["name"], "rule": zone["properties"]["rule"],
                                "geometry": zone["geometry"]})
    waybill = client.post(API, json=trip.draft(corridor_id=str(corridor.id)),
                          headers=trip.headers["shipper"]).get_json()
    url = f"{API}/{waybill['id']}"
    client.post(f"{url}/submit", json={"row_version": waybill["row_version"]}, headers=trip.headers["shipper"])
    assert client.post(f"{url}/track", json={"fixes": []}, headers=trip.headers["carrier"]).status_code == 409
    assert client.post(f"{url}/depart", json={}, headers=trip.headers["carrier"]).status_code == 200
    session.get(Waybill, uuid.UUID(waybill["id"])).departed_at = TRACK_DEPARTED
    session.commit()
    return url


def test_fixes_outside_the_trip_are_dropped_with_their_reason(client, session, trip, on_the_road):
    """Issue 15: fixes timed before the departure (less the tolerance) were stored, and compliance then showed a
    months-long signal gap."""
    early = TRACK_DEPARTED - tracking.DEPARTURE_TOLERANCE - dt.timedelta(minutes=1)
    fixes = [{"time": t.isoformat(), "lon": 121.4551, "lat": 31.2047}
             for t in (early, TRACK_DEPARTED - dt.timedelta(minutes=2), TRACK_DEPARTED + dt.timedelta(minutes=1))]
    report = client.post(f"{on_the_road}/track", json={"fixes": fixes}, headers=trip.headers["carrier"]).get_json()
    assert report["stored"] == 2
    assert report["dropped"] == [{"reason": "before the departure", "count": 1, "rows": []}]


def test_compliance_is_unknown_before_any_position(client, trip, on_the_road):
    body = client.get(f"{on_the_road}/compliance", headers=trip.headers["supervisor"]).get_json()
    assert body["compliant"] is None and body["points"] == 0


def test_a_detour_through_a_forbidden_zone_is_found(client, session, trip, on_the_road):
    csv = TRACK.read_bytes()
    stored = client.post(f"{on_the_road}/track", data=csv, content_type="text/csv", headers=trip.headers["carrier"])
    assert stored.status_code == 200, stored.get_json()
    assert stored.get_json()["stored"] == 163
    again = client.post(f"{on_the_road}/track", data=csv, content_type="text/csv", headers=trip.headers["carrier"])
    assert again.get_json() == {**again.get_json(), "stored": 0, "duplicates": 163}
    assert fixes_stored(session) == 163
    report = client.get(f"{on_the_road}/compliance", headers=trip.headers["auditor"]).get_json()
    assert report["compliant"] is False
    assert [e["kind"] for e in report["episodes"]] == ["deviation", "forbidden_zone"]
    assert 0.8 < report["inside_share"] < 1
    assert len(report["route_driven"]["coordinates"]) == 163


def test_json_fixes_one_at_a_time_and_bad_rows_reported(client, session, trip, on_the_road):
    now = utcnow().replace(microsecond=0)
    one = {"fixes": [{"time": (now - dt.timedelta(seconds=30)).isoformat(), "lon": 121.4551, "lat": 31.2047}]}
    assert client.post(f"{on_the_road}/track", json=one, headers=trip.headers["carrier"]).get_json()["stored"] == 1
    mixed = {"fixes": [
        {"time": (now - dt.timedelta(seconds=20)).isoformat(), "lon": 121.4552, "lat": 31.2048, "speed": 30},
        {"time": (now - dt.timedelta(seconds=10)).isoformat(), "lon": 400, "lat": 31.2},
        {"time": "yesterday-ish", "lon": 121.45, "lat": 31.2},
        {"time": (now + dt.timedelta(hours=1)).isoformat(), "lon": 121.4553, "lat": 31.2049},
    ]}
    body = client.post(f"{on_the_road}/track", json=mixed, headers=trip.headers["carrier"]).get_json()
    assert body["stored"] == 1
    reasons = {d["reason"] for d in body["dropped"]}
    assert reasons == {"coordinate out of range", "unparseable time", "time in the future"}
    assert fixes_stored(session) == 2


@pytest.mark.parametrize("send, status", [
    (dict(data="{\"fixes\": [", content_type="application/json"), 400),
    (dict(data="time,lon,lat\n", content_type="text/plain"), 415),
    (dict(json={"fixes": [{"time": "2026-01-01T08:00:00Z", "lon": "x", "lat": "y"}]}), 422),
    (dict(json={"points": []}), 422),
    (dict(json={"fixes": [{"time": "2026-01-01T08:00:00Z", "lon": 121.4, "lat": 31.2}] * 10_001}), 413),
])
def test_bad_uploads_write_nothing(client, session, trip, on_the_road, send, status):
    response = client.post(f"{on_the_road}/track", headers=trip.headers["carrier"], **send)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert fixes_stored(session) == 0


def test_only_the_carrier_reports_positions(client, trip, on_the_road):
    fixes = {"fixes": [{"time": "2026-01-01T08:00:00Z", "lon": 121.4551, "lat": 31.2047}]}
    assert client.post(f"{on_the_road}/track", json=fixes, headers=trip.headers["shipper"]).status_code == 403
    assert client.post(f"{on_the_road}/track", json=fixes, headers=trip.headers["outsider"]).status_code == 404
    assert client.post(f"{on_the_road}/track", json=fixes, headers=trip.headers["supervisor"]).status_code == 403


def _fixes(*seconds_ago: int, now: dt.datetime | None = None) -> dict:
    now = now or utcnow().replace(microsecond=0)
    return {"fixes": [{"time": (now - dt.timedelta(seconds=s)).isoformat(), "lon": 121.4551 + s * 1e-5,
                       "lat": 31.2047} for s in seconds_ago]}


def test_out_of_order_repeated_and_overlapping_batches_store_each_fix_once(client, session, trip, on_the_road):
    now = utcnow().replace(microsecond=0)
    first = client.post(f"{on_the_road}/track", json=_fixes(30, 50, 40, 40, now=now), headers=trip.headers["carrier"])
    assert first.get_json() == {"received": 4, "stored": 3, "duplicates": 0,
                                "dropped": [{"reason": "duplicate time", "count": 1, "rows": [4]}]}
    overlap = client.post(f"{on_the_road}/track", json=_fixes(10, 20, 30, 40, now=now),
                          headers=trip.headers["carrier"])
    assert overlap.get_json() == {"received": 4, "stored": 2, "duplicates": 2, "dropped": []}
    assert fixes_stored(session) == 5


def test_a_vehicle_without_a_terminal_cannot_report(client, session, trip, on_the_road):
    trip.tanker.gps_terminal_id = None
    session.commit()
    response = client.post(f"{on_the_road}/track", json=_fixes(10), headers=trip.headers["carrier"])
    assert response.status_code == 409 and response.get_json()["code"] == "no_terminal"


def test_a_database_outage_is_a_503_to_retry_not_a_500(client, trip, on_the_road, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise OperationalError("INSERT INTO gps_fixes …", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(tracking, "store_vehicle_fixes", unreachable)
    response = client.post(f"{on_the_road}/track", json=_fixes(10), headers=trip.headers["carrier"])
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "database_unavailable" and response.headers["Retry-After"] == "1"


def test_garbage_in_a_csv_column_drops_its_rows_only(client, session, trip, on_the_road):
    now = utcnow().replace(microsecond=0)
    csv = (f"time,lon,lat,speed\n{(now - dt.timedelta(seconds=20)).isoformat()},121.4551,31.2047,30\n"
           f"{(now - dt.timedelta(seconds=10)).isoformat()},x,31.2048,\n")
    body = client.post(f"{on_the_road}/track", data=csv, content_type="text/csv",
                       headers=trip.headers["carrier"]).get_json()
    assert body["stored"] == 1 and body["dropped"] == [{"reason": "non-numeric coordinate", "count": 1, "rows": [2]}]


def test_a_body_over_the_size_limit_is_a_413_problem(app, client, session, trip, on_the_road):
    app.config["MAX_CONTENT_LENGTH"] = 2_000
    csv = TRACK.read_bytes()  # 163 fixes, about 7 kB
    response = client.post(f"{on_the_road}/track", data=csv, content_type="text/csv", headers=trip.headers["carrier"])
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert fixes_stored(session) == 0
