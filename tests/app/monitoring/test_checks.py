"""Each live check fires on its episode, once, and stays quiet on what only looks like one."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import select

from app.services.corridors import register_zone, set_active
from models import AlertEvent, TripState
from models.types import utcnow
from tests.app.monitoring.conftest import (
    A, B, MID, alerts_of, box, kinds, post_fixes, register_road, start_trip,
)


def test_a_clean_trip_raises_nothing(client, road):
    post_fixes(client, road, road.drive().go(*B, kph=50).take())
    assert alerts_of(client, road) == []


def test_a_detour_is_one_deviation_alert_with_its_extent(client, road):
    car = road.drive().go(121.42, 31.20).go(121.42, 31.204).go(121.43, 31.204).go(121.43, 31.20).go(*B)
    post_fixes(client, road, car.take())
    [deviation] = alerts_of(client, road)
    assert (deviation["kind"], deviation["severity"]) == ("deviation", "medium")
    assert deviation["ended_at"] is not None and deviation["enterprise_id"] == str(road.trip.carrier.id)
    assert 390 < deviation["details"]["max_offset_m"] < 420 and deviation["details"]["duration_s"] > 60
    assert deviation["location"][0] == pytest.approx(121.42, abs=1e-3)


def test_a_deviation_spanning_two_uploads_is_one_alert_that_grows(client, session, road):
    car = road.drive().go(121.42, 31.20).go(121.42, 31.206).go(121.425, 31.206)
    post_fixes(client, road, car.take())
    [opened] = alerts_of(client, road)
    assert opened["ended_at"] is None and opened["severity"] == "high"  # 660 m off: the high tier
    post_fixes(client, road, car.go(121.43, 31.206).go(121.43, 31.20).go(*B).take())
    [grown] = alerts_of(client, road)
    assert grown["id"] == opened["id"] and grown["ended_at"] is not None
    assert grown["details"]["duration_s"] > opened["details"]["duration_s"]
    history = client.get(f"/api/v1/alerts/{grown['id']}", headers=road.trip.headers["auditor"]).get_json()["history"]
    assert [h["change"] for h in history] == ["opened", "updated"]


def test_fixes_sent_one_by_one_give_the_same_alert_as_one_upload(client, road):
    car = road.drive().go(121.42, 31.20).go(121.42, 31.204).go(121.43, 31.204).go(121.43, 31.20)
    fixes = car.go(121.435, 31.20).take()
    for fix in fixes:
        post_fixes(client, road, [fix])
    [deviation] = alerts_of(client, road)
    assert deviation["ended_at"] is not None and 390 < deviation["details"]["max_offset_m"] < 420


def test_jitter_at_the_corridor_edge_and_lone_outliers_raise_nothing(client, road):
    car = road.drive(every=5)
    fixes = car.go(*MID, kph=40).take()
    # Every fourth fix 58 m off the centre line (8 m outside the corridor), the others within 30 m of it.
    for i, fix in enumerate(fixes):
        fix["lat"] = A[1] + (58 if i % 4 == 3 else 30 * (i % 2)) / 110_574.0
    for start in range(0, len(fixes), 3):  # small uploads, so the runs carry over from one to the next
        post_fixes(client, road, fixes[start:start + 3])
    assert alerts_of(client, road) == []


def test_a_batch_far_away_is_a_deviation_not_bad_input(client, road):
    car = road.drive().go(*MID)
    post_fixes(client, road, car.take())
    car.silent(60).lon, car.lat = 123.0, 32.5  # 170 km away (a wrong terminal, a stolen tanker)
    post_fixes(client, road, car.wait(120).take())
    [deviation] = alerts_of(client, road, kind="deviation")
    assert deviation["severity"] == "critical" and deviation["details"]["max_offset_m"] > 100_000


def test_entering_a_no_entry_zone_is_high_and_critical_after_two_minutes(client, road):
    car = road.drive().go(121.442, 31.20).go(121.442, 31.204).go(121.448, 31.204, kph=10).go(121.448, 31.20)
    post_fixes(client, road, car.go(*B).take())
    deviation, zone = alerts_of(client, road)
    assert (deviation["kind"], zone["kind"]) == ("deviation", "forbidden_zone")
    assert zone["details"]["zone"] == "北侧禁入区" and zone["details"]["rule"] == "no_entry"
    assert zone["severity"] == "critical" and zone["details"]["duration_s"] >= 120


def test_clipping_a_zone_corner_for_two_fixes_is_not_an_entry(client, road):
    car = road.drive().go(121.435, 31.20).go(121.4395, 31.2035).go(121.4405, 31.2035, kph=20).go(121.445, 31.20)
    fixes = car.go(*B).take()
    post_fixes(client, road, fixes)
    assert "forbidden_zone" not in kinds(alerts_of(client, road))


def test_stopping_in_a_no_stop_zone_is_its_alert_not_also_a_stop(client, app, road):
    app.config["MONITOR_STOP_MINUTES"] = 2
    post_fixes(client, road, road.drive().go(121.465, 31.20).wait(300).go(*B).take())
    [zone] = alerts_of(client, road)
    assert zone["kind"] == "forbidden_zone" and zone["details"]["rule"] == "no_stop"


def test_a_long_stop_outside_permitted_places_but_not_a_red_light(client, app, road):
    app.config["MONITOR_STOP_MINUTES"] = 5
    car = road.drive(report_speed=False, every=5)
    post_fixes(client, road, car.go(121.42, 31.20).wait(90, jitter_m=4).go(121.43, 31.20).take())  # a red light
    assert alerts_of(client, road) == []
    post_fixes(client, road, car.wait(240, jitter_m=4).take())
    assert alerts_of(client, road) == []  # 4 minutes so far
    post_fixes(client, road, car.wait(120, jitter_m=4).take())
    [stop] = alerts_of(client, road)
    assert (stop["kind"], stop["severity"], stop["ended_at"]) == ("stop", "low", None)
    post_fixes(client, road, car.go(*B).take())
    [ended] = alerts_of(client, road)
    assert ended["id"] == stop["id"] and ended["ended_at"] is not None and ended["details"]["duration_s"] >= 300


def test_stops_at_the_parties_sites_are_permitted(client, app, road):
    app.config["MONITOR_STOP_MINUTES"] = 5
    post_fixes(client, road, road.drive().wait(900).go(*B).wait(900).take())
    assert alerts_of(client, road) == []


def test_a_long_stop_near_the_destination_is_an_arrival_elsewhere(client, app, road):
    app.config["MONITOR_STOP_MINUTES"] = 5
    post_fixes(client, road, road.drive().go(121.48, 31.20).wait(420).take())  # 1.9 km short of B
    [arrival] = alerts_of(client, road)
    assert arrival["kind"] == "arrival_elsewhere" and arrival["severity"] == "high"
    assert 1800 < arrival["details"]["distance_m"] < 2000 and arrival["site_id"] == str(road.trip.unloading.id)


def test_declaring_arrival_away_from_the_site_is_an_arrival_elsewhere(client, road):
    post_fixes(client, road, road.drive().go(121.48, 31.20).take())
    arrived = client.post(f"{road.url}/arrive", json={}, headers=road.trip.headers["carrier"])
    assert arrived.status_code == 200, arrived.get_json()
    [arrival] = alerts_of(client, road)
    assert arrival["kind"] == "arrival_elsewhere" and arrival["ended_at"] is not None


def test_arriving_at_the_site_ends_the_open_episodes_and_raises_nothing_more(client, road):
    # Round a block north of the road into B: back on the corridor for one fix only, the deviation goes on.
    car = road.drive().go(121.49, 31.20).go(121.49, 31.205).go(121.50, 31.205).go(*B)
    post_fixes(client, road, car.take())
    [open_deviation] = alerts_of(client, road)
    assert open_deviation["kind"] == "deviation" and open_deviation["ended_at"] is None
    client.post(f"{road.url}/arrive", json={}, headers=road.trip.headers["carrier"])
    [ended] = alerts_of(client, road)
    assert ended["id"] == open_deviation["id"] and ended["ended_at"] == ended["last_seen_at"]


@pytest.mark.parametrize("kph, severity", [(95, "medium"), (100, "high"), (125, "critical")])
def test_overspeed_for_the_minimum_duration(client, road, kph, severity):
    post_fixes(client, road, road.drive().go(121.42, 31.20, kph=60).go(121.46, 31.20, kph=kph).go(*B, kph=60).take())
    [overspeed] = alerts_of(client, road)
    assert (overspeed["kind"], overspeed["severity"]) == ("overspeed", severity)
    assert overspeed["details"]["max_speed_kph"] == kph and overspeed["details"]["limit_kph"] == 80


def test_overspeed_from_positions_when_the_terminal_reports_no_speed(client, road):
    post_fixes(client, road, road.drive(report_speed=False).go(121.46, 31.20, kph=100).take())
    [overspeed] = alerts_of(client, road)
    assert overspeed["kind"] == "overspeed" and overspeed["details"]["max_speed_kph"] == pytest.approx(100, abs=3)


def test_a_short_burst_over_the_limit_is_not_overspeed(client, road):
    post_fixes(client, road, road.drive().go(121.42, 31.20, kph=60).go(121.426, 31.20, kph=90).go(*B, kph=60).take())
    assert alerts_of(client, road) == []  # 570 m at 90 km/h: 23 s


def test_signal_gaps_inside_and_between_uploads(client, road):
    car = road.drive()
    post_fixes(client, road, car.go(121.42, 31.20).silent(240).go(121.43, 31.20).take())  # 4 min: tolerated
    assert alerts_of(client, road) == []
    post_fixes(client, road, car.go(121.44, 31.20).silent(600).go(121.45, 31.20).take())
    post_fixes(client, road, car.silent(2400).go(*B).take())
    gaps = alerts_of(client, road)
    assert kinds(gaps) == ["signal_gap", "signal_gap"]
    assert [g["severity"] for g in gaps] == ["medium", "high"]
    assert 600 <= gaps[0]["details"]["gap_s"] < 620 and gaps[1]["details"]["gap_s"] >= 2400


def test_a_departure_outside_the_planned_window(client, session, trip):
    corridor = register_road(session)
    road = start_trip(client, session, trip, corridor.id, window=(dt.timedelta(hours=3), dt.timedelta(hours=5)))
    post_fixes(client, road, road.drive().go(*MID).take())
    [early] = alerts_of(client, road)
    assert early["kind"] == "time_window" and early["details"]["window"] == "departure"
    assert early["severity"] == "high" and early["details"]["off_by_s"] == 3 * 3600


def _hours(first: int, count: int) -> list[list[str]]:
    """A daily window of *count* hours from the local hour *first* hours from now (Shanghai)."""
    start = (utcnow().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).hour + first) % 24
    return [[f"{start:02d}:00", f"{(start + count) % 24:02d}:00"]]


@pytest.mark.parametrize("window, alerted", [(_hours(10, 2), True), (_hours(-3, 5), False)])
def test_a_corridor_used_outside_its_time_window(client, session, trip, window, alerted):
    # The trip runs from 100 min ago for 14 min: open from 3 hours ago it is inside, 10 hours ahead outside.
    corridor = register_road(session, "夜间通道", time_windows=window, tz="Asia/Shanghai")
    road = start_trip(client, session, trip, corridor.id)
    post_fixes(client, road, road.drive().go(*B).take())
    assert kinds(alerts_of(client, road)) == (["time_window"] if alerted else [])


def test_late_and_repeated_fixes_are_stored_but_not_live_checked(client, session, road):
    car = road.drive()
    first = car.go(121.42, 31.20).take()
    later = car.silent(30).go(121.43, 31.20).take()
    post_fixes(client, road, later)
    assert post_fixes(client, road, first)["stored"] == len(first)  # a backlog after a newer batch: late
    moved = {**later[-1], "lat": 31.25}  # the newest fix again, 5 km away: neither stored nor checked
    assert post_fixes(client, road, [moved])["duplicates"] == 1
    assert post_fixes(client, road, later)["duplicates"] == len(later)
    assert alerts_of(client, road) == []  # no rewound runs, no gap from the jump back in time
    state = session.scalars(select(TripState)).one()
    # Only newly stored fixes reach the live checks: the late backlog is skipped, the repeats never arrive.
    assert (state.fixes_checked, state.skipped_fixes) == (len(later), len(first))
    report = client.get(f"{road.url}/compliance", headers=road.trip.headers["supervisor"]).get_json()
    assert report["points"] == len(first) + len(later)  # the full recompute reads every stored fix


def test_nothing_is_rewritten_when_a_batch_changes_nothing(client, session, road):
    car = road.drive().go(121.42, 31.20).go(121.42, 31.204).go(121.43, 31.204).go(121.43, 31.20)
    fixes = car.take()
    post_fixes(client, road, fixes)
    count = len(session.scalars(select(AlertEvent)).all())
    post_fixes(client, road, fixes)
    assert len(session.scalars(select(AlertEvent)).all()) == count


def test_a_trip_without_corridor_is_still_watched_for_gaps_stops_and_speed(client, session, trip):
    road = start_trip(client, session, trip, None)
    post_fixes(client, road, road.drive().go(121.43, 31.21, kph=110).silent(900).go(*B).take())
    assert set(kinds(alerts_of(client, road))) == {"overspeed", "signal_gap"}


def test_zones_added_or_deactivated_during_a_trip_count_from_then_on(client, session, road):
    car = road.drive()
    post_fixes(client, road, car.go(121.405, 31.20).take())
    register_zone(session, {"name": "新禁入区", "rule": "no_entry", "geometry": box(121.41, 31.199, 121.42, 31.201)})
    gone = register_zone(session, {"name": "撤销区", "rule": "no_entry", "geometry": box(121.43, 31.199, 121.44, 31.201)})
    set_active(session, gone, False)
    post_fixes(client, road, car.go(*MID).take())
    assert [a["details"].get("zone") for a in alerts_of(client, road)] == ["新禁入区"]
