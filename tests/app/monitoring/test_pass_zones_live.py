"""A pass opens the no-entry zones that require one: the live checks leave them out for a trip whose waybill holds
the pass public security granted, and apply them to every other trip; a no-stop zone still forbids the stop."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.services.corridors import register_zone
from app.services.users import create_user, issue_token
from models import Department, Role
from models.types import utcnow
from tests.app.monitoring.conftest import API, A, B, RoadTrip, alerts_of, box, kinds, post_fixes, register_road
from tests.app.waybills.conftest import Trip
from tests.factories import auth

#: Across the road between 121.42 and 121.43: every trip from A to B drives through it.
ACROSS = box(121.42, 31.199, 121.43, 31.201)


def _departed(client: Any, session: Session, trip: Trip, *, grant: bool) -> RoadTrip:
    """The waybill on the test road submitted (it waits for a pass: its corridor enters a zone needing one),
    the pass granted by public security if *grant*, and departed 100 minutes ago."""
    trip.loading.lon, trip.loading.lat = A
    trip.unloading.lon, trip.unloading.lat = B
    corridor = register_road(session)
    session.commit()
    t0 = (utcnow() - dt.timedelta(minutes=100)).replace(microsecond=0)
    draft = trip.draft(departure_earliest=(t0 - dt.timedelta(minutes=10)).isoformat(),
                       departure_latest=(t0 + dt.timedelta(hours=4)).isoformat(), corridor_id=str(corridor.id))
    waybill = client.post(f"{API}/waybills", json=draft, headers=trip.headers["shipper"]).get_json()
    url = f"{API}/waybills/{waybill['id']}"
    submitted = client.post(f"{url}/submit", json={"row_version": waybill["row_version"]},
                            headers=trip.headers["shipper"])
    assert submitted.get_json()["status"] == "awaiting_pass", submitted.get_json()
    if grant:
        police = auth(issue_token(session, create_user(session, "ga-1", Role.SUPERVISOR,
                                                       department=Department.PUBLIC_SECURITY), ttl_days=1))
        session.commit()
        granted = client.post(f"{url}/approve", json={"pass_number": "锡公通 2026-0007"}, headers=police)
        assert granted.status_code == 200, granted.get_json()
        departed = client.post(f"{url}/depart", json={"at": t0.isoformat()}, headers=trip.headers["carrier"])
        assert departed.status_code == 200, departed.get_json()
    return RoadTrip(url=url, id=waybill["id"], t0=t0, trip=trip)


def test_a_trip_holding_the_pass_drives_through_the_no_entry_zone_without_an_alert(client, session, trip):
    register_zone(session, {"name": "老城区限行区", "rule": "no_entry", "geometry": ACROSS, "requires_pass": True})
    register_zone(session, {"name": "北侧禁入区", "rule": "no_entry", "geometry": box(121.44, 31.203, 121.45, 31.206)})
    road = _departed(client, session, trip, grant=True)
    post_fixes(client, road, road.drive().go(*B).take())
    assert "forbidden_zone" not in kinds(alerts_of(client, road))
    # The pass opens only the zone that requires it: the ordinary no-entry zone still applies to this trip.
    car = road.drive()
    car.t += dt.timedelta(minutes=30)
    post_fixes(client, road, car.go(121.442, 31.20).go(121.442, 31.204).go(121.448, 31.204, kph=10)
               .go(121.448, 31.20).go(*B).take())
    zones = [a["details"]["zone"] for a in alerts_of(client, road, kind="forbidden_zone")]
    assert zones == ["北侧禁入区"]


@pytest.mark.parametrize("requires_pass", [False, True], ids=["ordinary", "needing-a-pass"])
def test_a_no_stop_zone_forbids_the_stop_with_or_without_a_pass(client, app, session, trip, requires_pass):
    app.config["MONITOR_STOP_MINUTES"] = 2
    register_zone(session, {"name": "老城区限行区", "rule": "no_entry", "geometry": ACROSS, "requires_pass": True})
    register_zone(session, {"name": "中段禁停区", "rule": "no_stop", "geometry": box(121.46, 31.199, 121.47, 31.201),
                            "requires_pass": requires_pass})
    road = _departed(client, session, trip, grant=True)
    post_fixes(client, road, road.drive().go(121.465, 31.20).wait(300).go(*B).take())
    [zone] = alerts_of(client, road, kind="forbidden_zone")
    assert (zone["details"]["zone"], zone["details"]["rule"]) == ("中段禁停区", "no_stop")


def test_without_the_pass_the_trip_cannot_depart_into_the_zone(client, session, trip):
    register_zone(session, {"name": "老城区限行区", "rule": "no_entry", "geometry": ACROSS, "requires_pass": True})
    road = _departed(client, session, trip, grant=False)
    early = client.post(f"{road.url}/depart", json={}, headers=trip.headers["carrier"])
    assert early.status_code == 409 and early.get_json()["code"] == "illegal_transition"
