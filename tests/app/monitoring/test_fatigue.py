"""Fatigue driving, live: more than 4 h of driving without a 20-minute rest, followed across uploads."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from app.services.monitoring.findings import Finding
from models import AlertKind, Severity, Waybill
from tests.app.monitoring.conftest import A, B, Drive, alerts_of, post_fixes


@pytest.fixture
def long_road(session, road):
    """The test road, the trip on it since 6 h 10 min ago (not the way it got there: its stock is younger), so
    the fixes of a long drive are all in the past."""
    waybill = session.get(Waybill, uuid.UUID(road.id))
    waybill.departed_at = road.t0 - dt.timedelta(hours=4, minutes=30)
    session.commit()
    return dataclasses.replace(road, t0=waybill.departed_at)


def shuttle(car: Drive, minutes: float) -> Drive:
    """Drive up and down the road at 40 km/h for about *minutes* (the terminal reports the speed)."""
    end = car.t + dt.timedelta(minutes=minutes)
    while car.t < end:
        target = B if car.lon < (A[0] + B[0]) / 2 else A
        left_s = (end - car.t).total_seconds()
        lon = car.lon + (target[0] - car.lon) * min(1.0, left_s / (abs(target[0] - car.lon) * 95_200 / (40 / 3.6)))
        car.go(lon, A[1], kph=40)
    return car


def fatigue_alerts(client, road):
    return alerts_of(client, road, kind="fatigue_driving")


def test_4_h_10_min_of_driving_over_several_uploads_is_one_alert_saying_since_when(client, long_road):
    car = long_road.drive(every=60)
    uploads = [shuttle(car, 50).take() for _ in range(5)]  # five uploads of 50 minutes each
    for fixes in uploads:
        post_fixes(client, long_road, fixes)
    [alert] = fatigue_alerts(client, long_road)
    assert alert["severity"] == "high" and alert["ended_at"] is None
    first = dt.datetime.fromisoformat(uploads[0][0]["time"])  # the first fix: driving since then
    assert dt.datetime.fromisoformat(alert["details"]["driving_since"]) == first
    assert alert["details"]["driving_s"] >= 4 * 3600 + 8 * 60
    assert f"since {first:%Y-%m-%d %H:%M} UTC" in alert["title"]
    started = dt.datetime.fromisoformat(alert["started_at"])
    assert dt.timedelta(hours=4) < started - first <= dt.timedelta(hours=4, minutes=2)
    assert alert["location"] is not None


def test_3_h_50_min_of_driving_raises_nothing(client, long_road):
    car = long_road.drive(every=60)
    for _ in range(5):
        post_fixes(client, long_road, shuttle(car, 46).take())
    assert fatigue_alerts(client, long_road) == []


def test_a_20_minute_rest_between_uploads_starts_a_new_spell(client, long_road):
    car = long_road.drive(every=60)
    post_fixes(client, long_road, shuttle(car, 120).take())
    post_fixes(client, long_road, car.wait(10 * 60).take())  # the rest spans two uploads: 10 + 10 min
    post_fixes(client, long_road, car.wait(10 * 60).take())
    for _ in range(3):
        post_fixes(client, long_road, shuttle(car, 50).take())
    assert fatigue_alerts(client, long_road) == []


def test_the_alert_ends_where_the_rest_began(client, long_road):
    car = long_road.drive(every=60)
    post_fixes(client, long_road, shuttle(car, 125).take())
    post_fixes(client, long_road, shuttle(car, 125).take())
    rest_from = car.t
    post_fixes(client, long_road, car.wait(15 * 60).take())
    [open_alert] = fatigue_alerts(client, long_road)
    assert open_alert["ended_at"] is None  # 15 minutes: not yet a rest
    post_fixes(client, long_road, car.wait(10 * 60).take())
    [ended] = fatigue_alerts(client, long_road)
    assert ended["id"] == open_alert["id"]
    assert dt.datetime.fromisoformat(ended["ended_at"]) == rest_from


def test_severity_rises_to_critical_after_5_h_of_driving():
    assert Finding(AlertKind.FATIGUE_DRIVING, {"driving_s": 4.5 * 3600}).severity is Severity.HIGH
    assert Finding(AlertKind.FATIGUE_DRIVING, {"driving_s": 5 * 3600}).severity is Severity.CRITICAL
