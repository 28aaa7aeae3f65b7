"""A carrier platform's feed (``POST /api/v1/track``): many vehicles in one request, checked like separate uploads."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.corridors import register_zone
from app.services.tracking_feed import ingest_feed
from models import AlertEvent, GpsFix, TripState, User, Waybill, WaybillStatus
from models.engine import make_engine
from models.types import utcnow
from tests.app.monitoring.conftest import A, B, Drive, box, register_road
from tests.app.waybills.conftest import Trip, build_trip, waybill_in_transit
from tests.factories import make_carrier, make_vehicle

FEED = "/api/v1/track"


@dataclass
class Fleet:
    trip: Trip
    t0: dt.datetime
    waybills: list[Waybill]

    @property
    def carrier(self) -> dict[str, str]:
        return self.trip.headers["carrier"]


_TERMINALS = [f"01390000{n:04d}" for n in range(6)]


@pytest.fixture
def fleet(session, trip) -> Fleet:
    """Six waybills of the trip's carrier in transit on the test road (with its zones), each its own vehicle and
    terminal, departed 100 minutes ago."""
    trip.loading.lon, trip.loading.lat = A
    trip.unloading.lon, trip.unloading.lat = B
    corridor = register_road(session)
    register_zone(session, {"name": "北侧禁入区", "rule": "no_entry", "geometry": box(121.44, 31.203, 121.45, 31.206)})
    register_zone(session, {"name": "中段禁停区", "rule": "no_stop", "geometry": box(121.46, 31.199, 121.47, 31.201)})
    t0 = (utcnow() - dt.timedelta(minutes=100)).replace(microsecond=0)
    waybills = []
    for terminal in _TERMINALS:
        waybill = waybill_in_transit(session, trip, make_vehicle(session, trip.carrier, gps_terminal_id=terminal))
        waybill.corridor_id, waybill.departed_at = corridor.id, t0
        waybills.append(waybill)
    session.commit()
    return Fleet(trip, t0, waybills)


def detour(t0: dt.datetime) -> Drive:
    return Drive(t0, *A).go(121.42, 31.20).go(121.42, 31.206).go(121.425, 31.206)


def into_the_zone(t0: dt.datetime) -> Drive:
    return Drive(t0, *A).go(121.442, 31.20).go(121.442, 31.204).go(121.448, 31.204, kph=10)


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(GpsFix))


def alerts_of(client, fleet: Fleet, n: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/alerts?waybill={fleet.waybills[n].id}&page_size=100",
                          headers=fleet.trip.headers["supervisor"])
    assert response.status_code == 200
    # What the episode is, without what names the trip (its id, number and plate, in the title and the subject,
    # are the only differences) and the server's clock when it was raised, changed or escalated.
    naming = ("id", "key", "waybill_id", "title", "subject", "opened_at", "updated_at", "escalated_at")
    return sorted(({k: v for k, v in a.items() if k not in naming} for a in response.get_json()),
                  key=lambda a: (a["started_at"], a["kind"]))


def tagged(fixes: list[dict[str, Any]], **key: str) -> list[dict[str, Any]]:
    return [{**fix, **key} for fix in fixes]


def interleaved(*parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fixes of several vehicles mixed as a platform forwards them: by time, vehicles alternating."""
    return sorted((fix for part in parts for fix in part), key=lambda fix: fix["time"])


def test_a_mixed_feed_stores_and_checks_like_separate_uploads(client, session, fleet):
    """Vehicles 0 and 1 report through the feed in two batches, vehicles 2 and 3 the same drives one by one."""
    first = [detour(fleet.t0), into_the_zone(fleet.t0)]
    halves = [(d.take(), d.go(121.43, 31.206).go(121.43, 31.20).go(*B).take()) for d in first]
    for half in (0, 1):
        body = {"fixes": interleaved(tagged(halves[0][half], waybill=str(fleet.waybills[0].id)),
                                     tagged(halves[1][half], terminal=_TERMINALS[1]))}
        response = client.post(FEED, json=body, headers=fleet.carrier)
        assert response.status_code == 200, response.get_json()
        report = response.get_json()
        assert report["stored"] == len(halves[0][half]) + len(halves[1][half]) and report["duplicates"] == 0
        assert [(w["waybill"], w["terminal"], w["stored"]) for w in report["waybills"]] == [
            (str(fleet.waybills[0].id), _TERMINALS[0], len(halves[0][half])),
            (str(fleet.waybills[1].id), _TERMINALS[1], len(halves[1][half]))]
        for n in (2, 3):
            alone = client.post(f"/api/v1/waybills/{fleet.waybills[n].id}/track",
                                json={"fixes": halves[n - 2][half]}, headers=fleet.carrier)
            assert alone.status_code == 200 and alone.get_json()["stored"] == len(halves[n - 2][half])
    assert alerts_of(client, fleet, 0) == alerts_of(client, fleet, 2) != []
    assert alerts_of(client, fleet, 1) == alerts_of(client, fleet, 3) != []
    assert {a["kind"] for a in alerts_of(client, fleet, 1)} == {"deviation", "forbidden_zone"}
    states = {s.waybill_id: s for s in session.scalars(select(TripState))}
    for fed, alone in ((0, 2), (1, 3)):
        a, b = states[fleet.waybills[fed].id], states[fleet.waybills[alone].id]
        assert (a.fixes_checked, a.last_at, a.recent, a.runs) == (b.fixes_checked, b.last_at, b.recent, b.runs)


def test_fixes_named_by_terminal_in_csv_and_a_retry_stores_nothing_twice(client, session, fleet):
    now = utcnow().replace(microsecond=0)
    rows = [f"{_TERMINALS[n]},{(now - dt.timedelta(seconds=s)).isoformat()},{121.41 + n * 0.01 + s * 1e-5},31.2,40"
            for s in (50, 40, 30) for n in range(3)]
    csv = "terminal,time,lon,lat,speed\n" + "\n".join(rows) + "\n"
    first = client.post(FEED, data=csv, content_type="text/csv", headers=fleet.carrier).get_json()
    assert (first["received"], first["stored"], first["duplicates"]) == (9, 9, 0)
    assert [w["terminal"] for w in first["waybills"]] == _TERMINALS[:3]  # the leading zero kept
    events = session.scalar(select(func.count()).select_from(AlertEvent))
    again = client.post(FEED, data=csv, content_type="text/csv", headers=fleet.carrier).get_json()
    assert (again["stored"], again["duplicates"]) == (0, 9)
    assert stored(session) == 9 and session.scalar(select(func.count()).select_from(AlertEvent)) == events


def test_a_vehicle_named_by_its_waybill_and_by_its_terminal_is_one_vehicle(client, session, fleet):
    now = utcnow().replace(microsecond=0)
    fixes = [{"waybill": str(fleet.waybills[0].id), "time": (now - dt.timedelta(seconds=30)).isoformat(),
              "lon": 121.45, "lat": 31.2},
             {"terminal": _TERMINALS[0], "time": (now - dt.timedelta(seconds=20)).isoformat(), "lon": 121.4501,
              "lat": 31.2}]
    report = client.post(FEED, json={"fixes": fixes}, headers=fleet.carrier).get_json()
    assert [(w["waybill"], w["received"], w["stored"]) for w in report["waybills"]] == [
        (str(fleet.waybills[0].id), 2, 2)]


def test_bad_rows_are_reported_by_their_place_in_the_request(client, session, fleet):
    now = utcnow().replace(microsecond=0)
    fixes = [{"waybill": str(fleet.waybills[0].id), "time": (now - dt.timedelta(seconds=20)).isoformat(),
              "lon": 121.45, "lat": 31.2},
             {"terminal": _TERMINALS[1], "time": (now - dt.timedelta(seconds=20)).isoformat(), "lon": 400, "lat": 31.2},
             {"terminal": _TERMINALS[1], "time": (now - dt.timedelta(seconds=10)).isoformat(), "lon": 121.46,
              "lat": 31.2}]
    report = client.post(FEED, json={"fixes": fixes}, headers=fleet.carrier).get_json()
    assert report["stored"] == 2
    assert report["dropped"] == [{"reason": "coordinate out of range", "count": 1, "rows": [2]}]
    assert report["waybills"][1]["dropped"] == report["dropped"] and report["waybills"][0]["dropped"] == []


def _one_fix(**key: str) -> dict[str, Any]:
    return {"time": (utcnow() - dt.timedelta(seconds=5)).replace(microsecond=0).isoformat(), "lon": 121.45,
            "lat": 31.2, **key}


def test_another_carriers_waybill_is_unknown_like_one_that_does_not_exist(client, session, fleet):
    other = make_carrier(session, name="别家运输")
    theirs = waybill_in_transit(session, fleet.trip, make_vehicle(session, other, gps_terminal_id="013999999999"))
    theirs.carrier_id = other.id
    session.commit()
    mine = _one_fix(waybill=str(fleet.waybills[0].id))
    answers = {}
    for name, key in (("theirs", str(theirs.id)), ("nobody's", "00000000-0000-4000-8000-000000000000")):
        response = client.post(FEED, json={"fixes": [mine, _one_fix(waybill=key)]}, headers=fleet.carrier)
        assert response.status_code == 422 and response.get_json()["code"] == "unknown_waybill"
        answers[name] = response.get_json()["errors"]["fixes.2.waybill"][0].replace(key, "…")
    assert answers["theirs"] == answers["nobody's"] and theirs.number not in answers["theirs"]
    their_terminal = client.post(FEED, json={"fixes": [mine, _one_fix(terminal="013999999999")]},
                                 headers=fleet.carrier)
    assert their_terminal.status_code == 422 and "fixes.2.terminal" in their_terminal.get_json()["errors"]
    shipper = client.post(FEED, json={"fixes": [mine]}, headers=fleet.trip.headers["shipper"])
    assert shipper.status_code == 422  # a party that does not carry it reports nothing
    assert client.post(FEED, json={"fixes": [mine]}, headers=fleet.trip.headers["supervisor"]).status_code == 403
    assert stored(session) == 0


def test_a_vehicle_that_cannot_report_refuses_the_whole_batch(client, session, fleet):
    fleet.waybills[1].status = WaybillStatus.DELIVERED
    idle = make_vehicle(session, fleet.trip.carrier, gps_terminal_id="013977777777")
    session.commit()
    good = [_one_fix(waybill=str(fleet.waybills[0].id)), _one_fix(terminal=_TERMINALS[2])]
    for bad, where in ((_one_fix(waybill=str(fleet.waybills[1].id)), "fixes.3.waybill"),
                       (_one_fix(terminal=idle.gps_terminal_id), "fixes.3.terminal"),
                       (_one_fix(terminal=_TERMINALS[1]), "fixes.3.terminal")):
        response = client.post(FEED, json={"fixes": [*good, bad]}, headers=fleet.carrier)
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["code"] == "not_in_transit" and list(response.get_json()["errors"]) == [where]
    assert stored(session) == 0


@pytest.mark.parametrize("send, status, code", [
    (dict(data="{\"fixes\": [", content_type="application/json"), 400, "malformed_json"),
    (dict(data="terminal,time,lon,lat\n", content_type="text/plain"), 415, None),
    (dict(json={"points": []}), 422, "validation_failed"),
    (dict(json={"fixes": [{"time": "2026-01-01T08:00:00Z", "lon": 121.4, "lat": 31.2}]}), 422, "unknown_waybill"),
    (dict(json={"fixes": [{"terminal": "nonsense", "time": "2026-01-01T08:00:00Z", "lon": 121.4, "lat": 31.2}]}),
     422, "unknown_waybill"),
    (dict(json={"fixes": [{"waybill": "not-a-uuid", "time": "x", "lon": 121.4, "lat": 31.2}]}), 422,
     "unknown_waybill"),
    (dict(json={"fixes": [{"terminal": _TERMINALS[0], "time": "never", "lon": "x", "lat": 31.2}]}), 422,
     "validation_failed"),
    (dict(json={"fixes": [{"terminal": _TERMINALS[0], "time": "2026-01-01T08:00:00Z", "lon": 121.4,
                           "lat": 31.2}] * 10_001}), 413, "too_many_fixes"),
])
def test_bad_feeds_write_nothing(client, session, fleet, send, status, code):
    response = client.post(FEED, headers=fleet.carrier, **send)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert code is None or response.get_json()["code"] == code
    assert stored(session) == 0


def test_a_terminal_must_be_its_waybills(client, session, fleet):
    fix = _one_fix(waybill=str(fleet.waybills[0].id), terminal=_TERMINALS[1])
    response = client.post(FEED, json={"fixes": [fix]}, headers=fleet.carrier)
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["fixes.1.terminal"]
    same = client.post(FEED, json={"fixes": [{**fix, "terminal": _TERMINALS[0]}]}, headers=fleet.carrier)
    assert same.status_code == 200 and same.get_json()["stored"] == 1


def test_the_feed_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/track"]


@pytest.mark.postgres
def test_feeds_racing_over_the_same_vehicles_in_opposite_orders_neither_deadlock_nor_duplicate(fresh_database_url):
    """Two platforms (or a retry racing its original) send the same vehicles' fixes, rows in opposite orders: the
    fix keys and the trip states are taken in one order, so both finish, and every fix is stored once."""
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    engine = make_engine(fresh_database_url, pool_size=4)
    with Session(engine, expire_on_commit=False) as session:
        trip = build_trip(session)
        corridor = register_road(session)
        waybills = []
        for terminal in _TERMINALS[:4]:
            waybill = waybill_in_transit(session, trip, make_vehicle(session, trip.carrier, gps_terminal_id=terminal))
            waybill.corridor_id = corridor.id
            waybills.append(waybill)
        session.commit()
        carrier = session.scalars(select(User).where(User.enterprise_id == trip.carrier.id)).first()
    start = utcnow().replace(microsecond=0) - dt.timedelta(hours=3)
    reports: list[list[dict[str, Any]]] = [[], []]
    errors: list[BaseException] = []
    rounds, FIXES = 12, 400

    def platform(n: int, barrier: threading.Barrier) -> None:
        with Session(engine, expire_on_commit=False) as own:
            user = own.get(User, carrier.id)
            for r in range(rounds):
                rows = [{"waybill": str(w.id), "time": (start + dt.timedelta(seconds=r * FIXES + i)).isoformat(),
                         "lon": 121.41 + i * 1e-5, "lat": 31.2} for w in waybills for i in range(FIXES)]
                barrier.wait()
                try:
                    reports[n].append(ingest_feed(own, user, pd.DataFrame(rows[::-1] if n else rows)))
                except BaseException as error:  # noqa: B902 - any failure is the finding
                    errors.append(error)

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=platform, args=(n, barrier)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(GpsFix))
    engine.dispose()
    assert errors == []
    assert stored == rounds * 4 * FIXES
    for first, second in zip(*reports):  # each round: every fix stored by one of the two, a duplicate for the other
        assert first["stored"] + second["stored"] == 4 * FIXES
        assert first["duplicates"] + second["duplicates"] == 4 * FIXES


def test_trips_with_and_without_a_corridor_in_one_feed_are_checked_as_alone(client, session, fleet):
    """One batch holding a trip on the corridor and one without (its metric CRS the UTM zone of its fixes): the
    facts of both computed together give each the alerts and state of an upload of its own."""
    for n in (1, 3):
        fleet.waybills[n].corridor_id = None
    session.commit()
    drives = [into_the_zone(fleet.t0).go(121.455, 31.20).wait(1200).take() for _ in range(2)]  # a long stop
    body = {"fixes": interleaved(tagged(drives[0], waybill=str(fleet.waybills[0].id)),
                                 tagged(drives[1], waybill=str(fleet.waybills[1].id)))}
    assert client.post(FEED, json=body, headers=fleet.carrier).status_code == 200
    for n, drive in ((2, drives[0]), (3, drives[1])):
        alone = client.post(f"/api/v1/waybills/{fleet.waybills[n].id}/track", json={"fixes": drive},
                            headers=fleet.carrier)
        assert alone.status_code == 200
    assert alerts_of(client, fleet, 0) == alerts_of(client, fleet, 2) != []
    assert alerts_of(client, fleet, 1) == alerts_of(client, fleet, 3)
    assert "forbidden_zone" not in {a["kind"] for a in alerts_of(client, fleet, 1)}
    states = {s.waybill_id: s for s in session.scalars(select(TripState))}
    for fed, alone in ((0, 2), (1, 3)):
        a, b = states[fleet.waybills[fed].id], states[fleet.waybills[alone].id]
        assert (a.fixes_checked, a.last_at, a.recent, a.runs) == (b.fixes_checked, b.last_at, b.recent, b.runs)
