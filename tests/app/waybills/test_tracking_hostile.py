"""Hostile position uploads: times and speeds out of range on every path (JSON, CSV, the feed), and bodies built
to make parsing slow."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models import GpsFix
from models.types import utcnow
from routing.tracks import EARLIEST_FIX, MAX_SPEED_KPH
from tests.app.waybills.conftest import Trip, waybill_in_transit

API = "/api/v1/waybills"
FEED = "/api/v1/track"
#: Each bad fix, with the reason it must be dropped for.
BAD_FIXES = [({"time": "2300-01-01T00:00:00Z"}, "time out of range"),
             ({"time": "1600-01-01"}, "time out of range"),
             ({"time": "1999-12-31T23:59:59Z"}, "time out of range"),
             ({"time": -1e12}, "time out of range"),
             ({"time": 1e300}, "time out of range"),
             ({"time": True}, "unparseable time"),
             ({"speed": -5}, "speed out of range"),
             ({"speed": 1_000_000}, "speed out of range"),
             ({"speed": MAX_SPEED_KPH + 1}, "speed out of range"),
             ({"lon": True}, "non-numeric coordinate")]


def _fixes(now: dt.datetime) -> list[dict]:
    """One good fix, then the bad ones (each a minute apart, all near one point)."""
    good = {"time": (now - dt.timedelta(minutes=30)).isoformat(), "lon": 121.4551, "lat": 31.2047, "speed": 40}
    return [good] + [{**good, "time": (now - dt.timedelta(minutes=29 - n)).isoformat(), **bad}
                     for n, (bad, _) in enumerate(BAD_FIXES)]


def _expected_drops() -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for n, (_, reason) in enumerate(BAD_FIXES):
        rows.setdefault(reason, []).append(n + 2)
    return rows


def _stored_times(session) -> list[dt.datetime]:
    return session.scalars(select(GpsFix.at)).all()


def _check_report(session, body: dict) -> None:
    assert body["stored"] == 1, body
    assert {d["reason"]: d["rows"] for d in body["dropped"]} == _expected_drops()
    [stored] = _stored_times(session)
    assert EARLIEST_FIX <= stored.replace(tzinfo=dt.timezone.utc) <= utcnow()


def test_times_and_speeds_out_of_range_are_dropped_with_their_reason_as_json(client, session, trip: Trip):
    waybill = waybill_in_transit(session, trip)
    session.commit()
    reply = client.post(f"{API}/{waybill.id}/track", json={"fixes": _fixes(utcnow())}, headers=trip.headers["carrier"])
    assert reply.status_code == 200, reply.get_json()
    _check_report(session, reply.get_json())
    assert session.scalar(select(func.max(GpsFix.speed_kph))) == 40


def test_times_and_speeds_out_of_range_are_dropped_with_their_reason_as_csv(client, session, trip: Trip):
    waybill = waybill_in_transit(session, trip)
    session.commit()
    text = "time,lon,lat,speed\n" + "".join(
        f"{'true' if f['time'] is True else f['time']},{'true' if f['lon'] is True else f['lon']},{f['lat']},"
        f"{f['speed']}\n" for f in _fixes(utcnow()))
    reply = client.post(f"{API}/{waybill.id}/track", data=text, content_type="text/csv",
                        headers=trip.headers["carrier"])
    assert reply.status_code == 200, reply.get_json()
    _check_report(session, reply.get_json())


def test_times_and_speeds_out_of_range_are_dropped_with_their_reason_in_a_feed(client, session, trip: Trip):
    waybill = waybill_in_transit(session, trip)
    session.commit()
    fixes = [{**fix, "waybill": str(waybill.id)} for fix in _fixes(utcnow())]
    reply = client.post(FEED, json={"fixes": fixes}, headers=trip.headers["carrier"])
    assert reply.status_code == 200, reply.get_json()
    _check_report(session, reply.get_json())


@pytest.mark.parametrize("time", ["2300-01-01T00:00:00Z", -1e12, True, "1600-01-01"])
def test_a_batch_of_only_bad_times_stores_nothing(client, session, trip: Trip, time):
    waybill = waybill_in_transit(session, trip)
    session.commit()
    reply = client.post(f"{API}/{waybill.id}/track", json={"fixes": [{"time": time, "lon": 121.45, "lat": 31.2}]},
                        headers=trip.headers["carrier"])
    assert reply.status_code == 422 and reply.mimetype == "application/problem+json"
    assert _stored_times(session) == []
