"""Hostile position uploads: times and speeds out of range on every path (JSON, CSV, the feed), and bodies built
to make parsing slow."""
from __future__ import annotations

import datetime as dt
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.services.tracking import MAX_TRACK_BODY_BYTES
from models import GpsFix
from models.engine import make_engine
from models.types import utcnow
from routing.tracks import EARLIEST_FIX, MAX_SPEED_KPH
from tests.app.waybills.conftest import Trip, build_trip, waybill_in_transit
from tests.serving import waitress_serving

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


# -- bodies built to make parsing slow ----------------------------------------------------------------------------

#: A hang guard, not a speed figure (bench/ measures speed): the quadratic parsing these bodies once caused took
#: minutes; a refusal takes milliseconds when the machine is quiet, and far more on a loaded CI runner.
HANG_GUARD_S = 10.0

#: A CSV header of many duplicate columns: pandas renamed each duplicate by searching the list of names (quadratic).
DUPLICATE_HEADER = ("time,lon,lat," + "x," * 20_000 + "\n").encode()
WIDE_HEADER = ("time,lon,lat," + ",".join(f"c{n}" for n in range(20_000)) + "\n").encode()


def _problem(reply, status: int) -> dict:
    assert reply.status_code == status and reply.mimetype == "application/problem+json", reply.get_data()[:300]
    return reply.get_json()


@pytest.mark.parametrize("body", [DUPLICATE_HEADER, WIDE_HEADER, b"time,lon,lat,time\n2026-01-01T00:00:00Z,1,2,3\n",
                                  b"time,lon,lat\n" + b"9" * 5000 + b",1,2\n"],
                         ids=["duplicates", "wide", "duplicate-time", "long-line"])
def test_a_hostile_csv_is_refused_quickly_on_both_paths(client, session, trip: Trip, body: bytes):
    waybill = waybill_in_transit(session, trip)
    session.commit()
    for url in (f"{API}/{waybill.id}/track", FEED):
        started = time.monotonic()
        reply = client.post(url, data=body, content_type="text/csv", headers=trip.headers["carrier"])
        assert time.monotonic() - started < HANG_GUARD_S
        assert _problem(reply, 422)["errors"]


@pytest.mark.parametrize("fixes", [[{f"k{n}": 1 for n in range(5_000)}],
                                   [{"time": "2026-01-01T00:00:00Z", "lon": "1" * 5_000, "lat": 31.2}],
                                   [{"time": {"nested": "x" * 100}, "lon": 121.4, "lat": 31.2}]],
                         ids=["many-keys", "long-text", "nested"])
def test_a_hostile_json_body_is_refused_quickly(client, session, trip: Trip, fixes):
    waybill = waybill_in_transit(session, trip)
    session.commit()
    started = time.monotonic()
    reply = client.post(f"{API}/{waybill.id}/track", json={"fixes": fixes}, headers=trip.headers["carrier"])
    assert time.monotonic() - started < HANG_GUARD_S
    assert _problem(reply, 422)["errors"]


def test_a_body_over_the_track_limit_is_413(client, session, trip: Trip):
    waybill = waybill_in_transit(session, trip)
    session.commit()
    body = b"time,lon,lat\n" + b"2026-01-01T08:00:00Z,121.47,31.23\n" * (MAX_TRACK_BODY_BYTES // 30)
    for url in (f"{API}/{waybill.id}/track", FEED):
        reply = client.post(url, data=body, content_type="text/csv", headers=trip.headers["carrier"])
        assert _problem(reply, 413)["code"] == "body_too_large"


def test_the_waybill_is_authorised_before_the_body_is_read(client, session, trip: Trip):
    """An unknown waybill, someone else's, or one the user is only a party to: refused as such, never as a bad
    body (the body is not parsed)."""
    waybill = waybill_in_transit(session, trip)
    session.commit()
    for url, who, status in ((f"{API}/{uuid.uuid4()}/track", "carrier", 404),
                             (f"{API}/{waybill.id}/track", "outsider", 404),
                             (f"{API}/{waybill.id}/track", "shipper", 403)):
        for body, kind in ((DUPLICATE_HEADER, "text/csv"), (b"{not json", "application/json")):
            reply = client.post(url, data=body, content_type=kind, headers=trip.headers[who])
            _problem(reply, status)
    _problem(client.post(f"{API}/{waybill.id}/track", data=b"{not json", content_type="application/json"), 401)


@pytest.mark.slow
def test_hostile_uploads_do_not_stall_a_served_server(fresh_database_url):
    """Eight hostile CSV uploads at once to a server of four threads (waitress, as ``hazledger serve``): each
    is refused, and ``/healthz`` answers throughout: within 3 s (before the fix it took 5 s, and the uploads far
    longer; a quiet machine answers in milliseconds, so the bound only has to survive a loaded CI runner)."""
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        trip = build_trip(session)
        target = f"{API}/{waybill_in_transit(session, trip).id}/track"
        session.commit()
    engine.dispose()
    headers = {**trip.headers["carrier"], "Content-Type": "text/csv"}
    app = create_app({"DATABASE_URL": fresh_database_url, "LOG_LEVEL": "ERROR", "DATABASE_POOL_SIZE": 4})
    answers: list[tuple[int, float, str]] = []

    def hostile() -> None:
        started = time.monotonic()
        request = urllib.request.Request(base + target, data=DUPLICATE_HEADER, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                answers.append((reply.status, time.monotonic() - started, reply.headers["Content-Type"]))
        except urllib.error.HTTPError as error:
            answers.append((error.code, time.monotonic() - started, error.headers["Content-Type"]))

    try:
        with waitress_serving(app) as (host, port):
            base = f"http://{host}:{port}"
            attackers = [threading.Thread(target=hostile) for _ in range(8)]
            for attacker in attackers:
                attacker.start()
            health = []
            while any(a.is_alive() for a in attackers) or len(health) < 5:
                started = time.monotonic()
                with urllib.request.urlopen(base + "/healthz", timeout=30) as reply:
                    assert reply.status == 200
                health.append(time.monotonic() - started)
                time.sleep(0.05)
            for attacker in attackers:
                attacker.join()
    finally:
        db.dispose(app)
    assert max(health) < 3.0, health
    assert [(status, kind) for status, _, kind in answers] == [(422, "application/problem+json")] * 8
    assert max(seconds for _, seconds, _ in answers) < HANG_GUARD_S, answers
