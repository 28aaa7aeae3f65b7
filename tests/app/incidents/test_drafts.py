"""Incident drafts: from a terminal's emergency alarm (JT/T 808 alarm bit 0, through the gateway's feed) and from
a long stop off the corridor; once per event; confirmed or dismissed by a supervisor."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from app.gateway.messages import STATUS_FIXED, Location
from app.services.terminal_feed import Activity, store_activity
from models import Alert, AlertKind, Incident, Role, Terminal, Zone
from models.types import utcnow
from tests.app.incidents.conftest import INCIDENTS, B
from tests.app.incidents.test_brief import _signed_in
from tests.app.monitoring.conftest import alerts_of, post_fixes
from tests.web.test_pages import csrf

EMERGENCY = 1  # JT/T 808-2013 Table 24, bit 0


@pytest.fixture
def gateway(app):
    """The gateway's feed function, called as the gateway does: inside the app (its ERG file, its settings)."""
    def store(session, activities):
        with app.app_context():
            return store_activity(session, activities)
    return store


def _drafts(session) -> list[Incident]:
    session.expire_all()
    return list(session.scalars(select(Incident).where(Incident.source != "report").order_by(Incident.created_at)))


def _terminal(session, road) -> str:
    tanker = road.trip.tanker
    session.add(Terminal(terminal_id=tanker.gps_terminal_id, vehicle_id=tanker.id, auth_code="c", edition=2013,
                         alarm_flags=0, alarm_since={}, messages=0))
    session.commit()
    return tanker.gps_terminal_id


def _report(terminal: str, road, at: dt.datetime, lon: float, alarm: int) -> Activity:
    location = Location(alarm, STATUS_FIXED, 31.2, lon, 5, 0.0, 90, at)
    return Activity(terminal, road.trip.tanker.id, 1, 0x0200, at, [location])


def test_an_emergency_alarm_makes_one_draft_at_the_vehicle_with_its_waybill_and_cargo(session, road, gateway):
    terminal = _terminal(session, road)
    at = utcnow().replace(microsecond=0) - dt.timedelta(minutes=5)
    frame = _report(terminal, road, at, 121.43, EMERGENCY)
    gateway(session, [frame])
    gateway(session, [frame])  # the same frame again (a resend)
    gateway(session, [_report(terminal, road, at + dt.timedelta(seconds=30), 121.43, EMERGENCY)])  # still on
    [draft] = _drafts(session)
    assert (draft.state, draft.source, draft.waybill_id) == ("draft", "terminal_alarm", uuid.UUID(road.id))
    assert (draft.lon, draft.lat, draft.location_source) == (pytest.approx(121.43), pytest.approx(31.2), "last_fix")
    assert draft.un_number == "1230" and draft.carrier_id == road.trip.carrier.id and draft.reported_by is None
    assert draft.zones["features"] and draft.events == []
    # A draft does not yet close roads nor tell the departments: a supervisor confirms it first.
    assert draft.zone_id is None
    assert session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == AlertKind.INCIDENT)) == 0
    assert session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == AlertKind.TERMINAL_ALARM)) == 1
    # The button released and pressed again: a new event, a new draft.
    gateway(session, [_report(terminal, road, at + dt.timedelta(seconds=60), 121.43, 0)])
    gateway(session, [_report(terminal, road, at + dt.timedelta(seconds=90), 121.43, EMERGENCY)])
    assert len(_drafts(session)) == 2


def test_other_alarms_make_no_draft(session, road, gateway):
    terminal = _terminal(session, road)
    gateway(session, [_report(terminal, road, utcnow() - dt.timedelta(minutes=1), 121.43, 1 << 23)])
    assert _drafts(session) == []


def test_a_long_stop_off_the_corridor_makes_one_draft(client, session, road):
    car = road.drive().go(121.42, 31.20).go(121.42, 31.21)  # 1.1 km north of the road, far from every site
    post_fixes(client, road, car.wait(10 * 60).take())
    assert _drafts(session) == []  # 10 minutes: not yet
    post_fixes(client, road, car.wait(6 * 60).take())
    [draft] = _drafts(session)
    assert (draft.source, draft.waybill_id, draft.un_number) == ("long_stop", uuid.UUID(road.id), "1230")
    assert (draft.lon, draft.lat) == (pytest.approx(121.42, abs=1e-4), pytest.approx(31.21, abs=1e-4))
    post_fixes(client, road, car.wait(10 * 60).go(*B).take())  # the same stop, seen by later batches
    assert len(_drafts(session)) == 1


def test_without_the_erg_table_the_positions_are_still_taken(client, app, session, road):
    app.config["ERG_FILE"] = "emergency/not-installed.csv"
    car = road.drive().go(121.42, 31.20).go(121.42, 31.21)
    post_fixes(client, road, car.wait(20 * 60).take())  # 200: the stop is stored and checked, no draft made
    assert _drafts(session) == [] and "deviation" in [a["kind"] for a in alerts_of(client, road)]


def test_stops_at_the_consignees_site_or_on_the_corridor_make_no_draft(client, app, session, road):
    app.config["MONITOR_STOP_MINUTES"] = 5
    post_fixes(client, road, road.drive().go(121.42, 31.20).wait(20 * 60).go(*B).wait(20 * 60).take())
    assert _drafts(session) == []
    assert [a["kind"] for a in alerts_of(client, road)] == ["stop"]  # on the corridor: a stop alert only


def test_a_supervisor_confirms_a_draft_saying_what_happens(client, session, road, gateway):
    terminal = _terminal(session, road)
    gateway(session, [_report(terminal, road, utcnow() - dt.timedelta(minutes=1), 121.43, EMERGENCY)])
    [draft] = _drafts(session)
    headers = road.trip.headers
    listed = client.get(f"{INCIDENTS}?state=draft", headers=headers["supervisor"]).get_json()
    assert [i["id"] for i in listed] == [str(draft.id)] and listed[0]["source"] == "terminal_alarm"
    assert listed[0]["spill"] == "leak_large" and listed[0]["night"] is True  # the cautious reading
    # A carrier sees its vehicle's draft but does not move it.
    move = f"{INCIDENTS}/{draft.id}/transition"
    assert client.post(move, json={"to": "confirmed"}, headers=headers["carrier"]).status_code == 403
    reply = client.post(move, json={"to": "confirmed", "spill": "leak_small", "night": False,
                                    "wind_from_deg": 270}, headers=headers["supervisor"])
    assert reply.status_code == 200, reply.get_json()
    confirmed = reply.get_json()
    assert (confirmed["state"], confirmed["spill"], confirmed["night"]) == ("confirmed", "leak_small", False)
    assert [(e["from_state"], e["to_state"]) for e in confirmed["events"]] == [("draft", "confirmed")]
    assert confirmed["zone_id"] is not None and session.get(Zone, uuid.UUID(confirmed["zone_id"])).active
    assert session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == AlertKind.INCIDENT)) == 4
    # What is happening is said only when confirming a draft.
    again = client.post(move, json={"to": "contained", "spill": "fire"}, headers=headers["supervisor"])
    assert again.status_code == 422 and "spill" in again.get_json()["errors"]


def test_a_supervisor_dismisses_a_draft(client, session, road, gateway):
    terminal = _terminal(session, road)
    gateway(session, [_report(terminal, road, utcnow() - dt.timedelta(minutes=1), 121.43, EMERGENCY)])
    [draft] = _drafts(session)
    reply = client.post(f"{INCIDENTS}/{draft.id}/transition", json={"to": "closed", "reason": "pressed by mistake"},
                        headers=road.trip.headers["supervisor"])
    assert reply.status_code == 200 and reply.get_json()["state"] == "closed"
    assert reply.get_json()["zone_id"] is None
    assert session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == AlertKind.INCIDENT)) == 0
    contained = client.post(f"{INCIDENTS}/{draft.id}/transition", json={"to": "contained"},
                            headers=road.trip.headers["supervisor"])
    assert contained.status_code == 409


def test_on_the_brief_a_supervisor_confirms_a_draft_or_is_told_what_is_wrong(client, session, road, gateway):
    terminal = _terminal(session, road)
    gateway(session, [_report(terminal, road, utcnow() - dt.timedelta(minutes=1), 121.43, EMERGENCY)])
    [draft] = _drafts(session)
    _signed_in(client, session, Role.SUPERVISOR)
    brief = f"/incidents/{draft.id}/brief"
    page = client.get(brief).get_data(as_text=True)
    assert 'id="draft-form"' in page and "终端紧急报警" in page
    token = csrf(client, brief)
    confirm = f"/incidents/{draft.id}/confirm"
    wrong = client.post(confirm, data={"csrf_token": token, "spill": "fire", "wind_from_deg": "400"})
    assert wrong.status_code == 422 and 'has-error" data-field="wind_from_deg"' in wrong.get_data(as_text=True)
    assert _drafts(session)[0].state == "draft"  # nothing written
    done = client.post(confirm, data={"csrf_token": token, "spill": "fire", "wind_from_deg": "90"})
    assert done.status_code == 302 and done.headers["Location"].endswith(brief)
    [confirmed] = _drafts(session)
    assert (confirmed.state, confirmed.spill, confirmed.night, confirmed.wind_from_deg) == \
        ("confirmed", "fire", False, 90) and confirmed.zone_id is not None
    assert 'id="draft-form"' not in client.get(brief).get_data(as_text=True)


def test_on_the_brief_a_supervisor_dismisses_a_draft(client, session, road, gateway):
    terminal = _terminal(session, road)
    gateway(session, [_report(terminal, road, utcnow() - dt.timedelta(minutes=1), 121.43, EMERGENCY)])
    [draft] = _drafts(session)
    _signed_in(client, session, Role.SUPERVISOR)
    token = csrf(client, f"/incidents/{draft.id}/brief")
    form = {"csrf_token": token, "spill": "fire", "reason": "误按"}  # what is happening: ignored on dismissing
    done = client.post(f"/incidents/{draft.id}/dismiss", data=form)
    assert done.status_code == 302
    [dismissed] = _drafts(session)
    assert dismissed.state == "closed" and dismissed.zone_id is None and dismissed.events[0].reason == "误按"
